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
  private readonly pairs = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.pairs.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(client);
        this.pairs.delete(upstream);
      };
      client.on('error', drop).on('close', drop).pipe(upstream);
      upstream.on('error', drop).on('close', drop).pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection (both ends see a reset); new ones still get through. */
  cut(): void {
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
