import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import type { DeviceSpec } from '../../src/core/orchestrator/device-pool';
import { AipDevice } from '../../src/devices/agent/aip-device';
import { DeviceAgent } from '../../src/devices/agent/device-agent';
import { DeviceFleet } from '../../src/devices/fleet';

/**
 * Device agents per host process: 16 agents in 2 processes. On a 2-vCPU machine every extra
 * process competes with the orchestrator for the same cores (4 × 4 measured ×16–20 on W3-ws).
 */
const AGENTS_PER_HOST = 8;

interface HostReady {
  readonly urls: readonly string[];
  readonly ids: readonly string[];
}

/** The protocol the agents speak: Constellation's own, or AIP (`-aip` cases: our AIP session to our AIP device). */
export type BenchDialect = 'native' | 'aip';

/**
 * Host side (`dist/bench.js --agent-host N`): N device agents with the sim executor in this
 * process, on loopback, with the token from `$BENCH_AGENT_TOKEN` (AIP devices with
 * `$BENCH_AGENT_DIALECT=aip`). Reports their URLs over IPC and exits when the parent goes away.
 */
export async function agentHostMain(count: number): Promise<void> {
  const token = process.env.BENCH_AGENT_TOKEN ?? '';
  const aip = process.env.BENCH_AGENT_DIALECT === 'aip';
  const ids = Array.from({ length: count }, (_, i) => `dev-${process.pid}-${i}`);
  const agents = ids.map((id) => (aip ? new AipDevice({ id, token, executor: new SimExecutor() }) : new DeviceAgent({ id, token, executor: new SimExecutor() })));
  const urls = await Promise.all(agents.map((a) => a.listen()));
  process.send?.({ urls, ids } satisfies HostReady);
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

  static async start(total: number, dialect: BenchDialect = 'native'): Promise<WsDevices> {
    const token = randomBytes(24).toString('base64url');
    const hosts: ChildProcess[] = [];
    const urls: string[] = [];
    const targets: string[] = [];
    for (let left = total; left > 0; left -= AGENTS_PER_HOST) {
      const n = Math.min(AGENTS_PER_HOST, left);
      const child = fork(__filename, ['--agent-host', String(n)], { env: { ...process.env, BENCH_AGENT_TOKEN: token, BENCH_AGENT_DIALECT: dialect }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      hosts.push(child);
      urls.push(...(await new Promise<readonly string[]>((resolve, reject) => {
        child.once('message', (m: unknown) => {
          targets.push(...(m as HostReady).ids);
          resolve((m as HostReady).urls);
        });
        child.once('exit', (code) => reject(new Error(`agent host exited with ${String(code)} before listening`)));
      })));
    }
    // An AIP device answers only to its own id: the session targets it by that name (aipTarget).
    const fleet = new DeviceFleet(
      urls.map((url, i) => ({ id: `dev-${i}`, url, token, ...(dialect === 'aip' ? { dialect, aipTarget: targets[i] } : {}) })),
      { orchestratorId: randomUUID() },
    );
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
