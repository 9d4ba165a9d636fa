import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/clock';
import { DeviceFleet } from '../../devices/fleet';
import { LocalAgents } from '../../devices/local/local-agents';

/**
 * The embedded default device: a `constellation device` agent this extension starts on
 * demand (a child process on a random loopback port with a random token), so a new user can
 * run a plan with no setup. Shared by every run; stopped when the extension deactivates.
 */
export class LocalDevice {
  private starting: Promise<{ agents: LocalAgents; fleet: DeviceFleet }> | undefined;
  private started: { agents: LocalAgents; fleet: DeviceFleet } | undefined;

  constructor(
    private readonly extensionPath: string,
    private readonly logger: Logger,
  ) {}

  /** Starts the agent and connects to it, once. */
  async fleet(id: string, concurrency: number): Promise<DeviceFleet> {
    this.starting ??= (async () => {
      const agents = await LocalAgents.start({
        command: { execPath: process.execPath, script: path.join(this.extensionPath, 'dist', 'cli.js') },
        ids: [id],
        executor: 'auto',
        concurrency,
        env: { ELECTRON_RUN_AS_NODE: '1' },
      });
      const fleet = new DeviceFleet(agents.devices, { orchestratorId: randomUUID(), logger: this.logger });
      try {
        await fleet.connect(15_000);
      } catch (err) {
        await agents.stop();
        throw err;
      }
      this.logger.info(`local device '${id}' ready at ${agents.devices[0]?.url ?? '?'}`);
      this.started = { agents, fleet };
      return this.started;
    })();
    try {
      return (await this.starting).fleet;
    } catch (err) {
      this.starting = undefined;
      throw err;
    }
  }

  /** The agent processes, once started (tests kill and restart them). */
  get agents(): LocalAgents | undefined {
    return this.started?.agents;
  }

  /** The connection, once started (the Devices view shows it). */
  get current(): DeviceFleet | undefined {
    return this.started?.fleet;
  }

  async dispose(): Promise<void> {
    const s = this.starting;
    this.starting = undefined;
    this.started = undefined;
    if (!s) return;
    const { agents, fleet } = await s.catch(() => ({ agents: undefined, fleet: undefined }));
    fleet?.close();
    await agents?.stop();
  }
}
