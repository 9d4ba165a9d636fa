import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import type { DeviceSpec } from '../../src/core/orchestrator/device-pool';
import { DeviceAgent } from '../../src/devices/agent/device-agent';
import { DeviceFleet } from '../../src/devices/fleet';

/**
 * Device agents per host process: 16 agents in 2 processes. On a 2-vCPU machine every extra
 * process competes with the orchestrator for the same cores (4 × 4 measured ×16–20 on W3-ws).
 */
const AGENTS_PER_HOST = 8;

interface HostReady {
  readonly urls: readonly string[];
}

/**
 * Host side (`dist/bench.js --agent-host N`): N device agents with the sim executor in this
 * process, on loopback, with the token from `$BENCH_AGENT_TOKEN`. Reports their URLs over IPC
 * and exits when the parent goes away.
 */
export async function agentHostMain(count: number): Promise<void> {
  const token = process.env.BENCH_AGENT_TOKEN ?? '';
  const agents = Array.from({ length: count }, (_, i) => new DeviceAgent({ id: `host${process.pid}-${i}`, token, executor: new SimExecutor() }));
  const urls = await Promise.all(agents.map((a) => a.listen()));
  process.send?.({ urls } satisfies HostReady);
  process.once('disconnect', () => {
    void Promise.all(agents.map((a) => a.close())).then(() => process.exit(0));
  });
}

/** Real device agents in separate processes, connected, for the WebSocket cases. */
export class WsDevices {
  private constructor(
    private readonly hosts: ChildProcess[],
    private readonly fleet: DeviceFleet,
  ) {}

  static async start(total: number): Promise<WsDevices> {
    const token = randomBytes(24).toString('base64url');
    const hosts: ChildProcess[] = [];
    const urls: string[] = [];
    for (let left = total; left > 0; left -= AGENTS_PER_HOST) {
      const n = Math.min(AGENTS_PER_HOST, left);
      const child = fork(__filename, ['--agent-host', String(n)], { env: { ...process.env, BENCH_AGENT_TOKEN: token }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      hosts.push(child);
      urls.push(...(await new Promise<readonly string[]>((resolve, reject) => {
        child.once('message', (m: unknown) => resolve((m as HostReady).urls));
        child.once('exit', (code) => reject(new Error(`agent host exited with ${String(code)} before listening`)));
      })));
    }
    const fleet = new DeviceFleet(urls.map((url, i) => ({ id: `dev-${i}`, url, token })), { orchestratorId: randomUUID() });
    await fleet.connect(10_000);
    return new WsDevices(hosts, fleet);
  }

  /** The first `n` devices, for one run. */
  specs(n: number): DeviceSpec[] {
    return this.fleet.specs().slice(0, n);
  }

  close(): void {
    this.fleet.close();
    for (const h of this.hosts) h.disconnect();
  }
}
