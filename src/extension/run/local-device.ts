import * as path from 'node:path';
import type { Logger } from '../../core/clock';
import { DeviceFleet } from '../../devices/fleet';
import { DetachedAgent } from '../../devices/local/detached-agent';

export interface LocalDeviceOptions {
  readonly extensionPath: string;
  /** Where the agent's state file (mode 0600) and log live: the extension's storage for this workspace. */
  readonly storageDir: string;
  /** Who this workspace is to its devices: the same across reloads, so a new window claims what the last one left. */
  readonly orchestratorId: string;
  /** How long the agent keeps results with no window attached, and stays up idle. */
  readonly keepMs: () => number;
  readonly logger: Logger;
}

/**
 * The embedded default device: a `constellation device` agent on a random loopback port with a
 * random token, started on demand so a new user can run a plan with no setup. It runs detached
 * from the extension host: a window reload or a crash leaves it running its tasks, the next
 * window of the workspace finds it again (its port and token are in a file only this user can
 * read), and it exits by itself after the keep time once nobody is attached and it holds nothing.
 */
export class LocalDevice {
  private starting: Promise<{ agent: DetachedAgent; fleet: DeviceFleet }> | undefined;
  private started: { agent: DetachedAgent; fleet: DeviceFleet } | undefined;

  constructor(private readonly options: LocalDeviceOptions) {}

  /** Finds or starts the agent and connects to it, once. */
  async fleet(id: string, concurrency: number): Promise<DeviceFleet> {
    this.starting ??= this.open(id, concurrency);
    try {
      return (await this.starting).fleet;
    } catch (err) {
      this.starting = undefined;
      throw err;
    }
  }

  private async open(id: string, concurrency: number): Promise<{ agent: DetachedAgent; fleet: DeviceFleet }> {
    const o = this.options;
    const agentOptions = {
      command: { execPath: process.execPath, script: path.join(o.extensionPath, 'dist', 'cli.js') },
      id,
      concurrency,
      dir: o.storageDir,
      keepMs: o.keepMs(),
      env: { ELECTRON_RUN_AS_NODE: '1' },
    };
    const found = DetachedAgent.find(agentOptions);
    if (found) {
      try {
        const fleet = await this.connect(found, 5_000);
        o.logger.info(`local device '${id}' found again at ${found.state.url} (process ${found.pid}, started by an earlier window)`);
        return (this.started = { agent: found, fleet });
      } catch (err) {
        // Not signalled: a process id that no longer answers as our agent may be another program's now.
        o.logger.warn(`the local device an earlier window started (process ${found.pid}) did not answer (${err instanceof Error ? err.message : String(err)}); starting a new one`);
        found.forget();
      }
    }
    const agent = await DetachedAgent.start(agentOptions);
    try {
      const fleet = await this.connect(agent, 15_000);
      o.logger.info(`local device '${id}' started at ${agent.state.url} (process ${agent.pid}, log ${agent.logFile})`);
      return (this.started = { agent, fleet });
    } catch (err) {
      agent.stop();
      throw err;
    }
  }

  private async connect(agent: DetachedAgent, timeoutMs: number): Promise<DeviceFleet> {
    const fleet = new DeviceFleet([agent.device], { orchestratorId: this.options.orchestratorId, logger: this.options.logger });
    try {
      await fleet.connect(timeoutMs);
    } catch (err) {
      fleet.close();
      throw err;
    }
    return fleet;
  }

  /** The agent, once found or started (tests kill and restart it). */
  get agent(): DetachedAgent | undefined {
    return this.started?.agent;
  }

  /** Starts the agent again where it was, after it died (same port and token: the session reconnects). */
  async restartAgent(): Promise<void> {
    const s = this.started;
    if (!s) return;
    s.agent = await s.agent.restart();
  }

  /** The connection, once made (the Devices view shows it). */
  get current(): DeviceFleet | undefined {
    return this.started?.fleet;
  }

  /** Lets go of the agent without stopping it: it keeps what it runs for the next window. */
  async dispose(): Promise<void> {
    const s = this.starting;
    this.starting = undefined;
    this.started = undefined;
    if (!s) return;
    const started = await s.catch(() => undefined);
    started?.fleet.close();
  }
}
