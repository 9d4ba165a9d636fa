import * as net from 'node:net';
import * as path from 'node:path';
import { DeviceFleet, type SessionDefaults } from '../../src/devices/fleet';
import { LocalAgents, type LocalAgentOptions } from '../../src/devices/local/local-agents';

/** The repository root (tests run from `out/test/...`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** How tests start real device agents: the built CLI, in separate processes. */
export const AGENT_COMMAND = { execPath: process.execPath, script: path.join(REPO_ROOT, 'bin', 'constellation.js') };

export function startAgents(ids: readonly string[], opts: Partial<LocalAgentOptions> = {}): Promise<LocalAgents> {
  return LocalAgents.start({ command: AGENT_COMMAND, ids, ...opts });
}

/** Sessions with test-friendly timings: fast reconnects, short grace. */
export async function connectFleet(agents: LocalAgents, defaults: Partial<SessionDefaults> = {}): Promise<DeviceFleet> {
  const fleet = new DeviceFleet(agents.devices, {
    orchestratorId: `test-${process.pid}-${Math.random().toString(36).slice(2)}`,
    backoff: { initialMs: 50, maxMs: 500 },
    graceMs: 5_000,
    ...defaults,
  });
  await fleet.connect(10_000);
  return fleet;
}

/** Whole lines of a child process's output as they come (a line split across chunks is joined). */
export function collectLines(stream: NodeJS.ReadableStream, out: string[]): void {
  let rest = '';
  stream.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    out.push(...parts.filter(Boolean));
  });
  stream.on('end', () => {
    if (rest) out.push(rest);
  });
}

/** Resolves when `check` holds, polling every 10 ms; rejects after `ms` with `what`. */
export async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP proxy in front of a device, so a test can cut the connection while both ends live. */
export class CuttableProxy {
  private readonly server: net.Server;
  private readonly pairs = new Map<net.Socket, net.Socket>();
  /** Upstream sockets left open by {@link cutClientSide}, until the target closes them. */
  private readonly stranded = new Set<net.Socket>();
  /** What the target sent on stranded sockets (to a peer that is no longer there). */
  readonly strandedReceived: Buffer[] = [];
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.pairs.set(client, upstream);
      const drop = () => {
        this.pairs.delete(client);
        client.destroy();
        if (!this.stranded.has(upstream)) upstream.destroy();
      };
      client.on('error', drop).on('close', drop).pipe(upstream);
      upstream.on('error', drop).on('close', () => {
        this.stranded.delete(upstream);
        drop();
      });
      upstream.pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection (both ends see a reset); new ones still get through. */
  cut(): void {
    for (const [client, upstream] of [...this.pairs]) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /**
   * Drops the client's side only: the target keeps a socket that is silently dead (a laptop
   * that lost its network), until it notices or the same client registers again.
   */
  cutClientSide(): void {
    for (const [client, upstream] of [...this.pairs]) {
      this.stranded.add(upstream);
      upstream.unpipe(client);
      upstream.on('data', (d: Buffer) => this.strandedReceived.push(d)).resume();
      client.destroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.cut();
    for (const u of this.stranded) u.destroy();
    this.stranded.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
