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
