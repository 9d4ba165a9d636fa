import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SimExecutor } from '../core/executors/sim-executor';
import type { Logger } from '../core/clock';
import { ID_PATTERN } from '../core/model/schema';
import type { DeviceSpec } from '../core/orchestrator/device-pool';
import { loadDevicesFile, type DevicesFileSettings } from '../devices/config';
import { DeviceFleet, DevicesUnavailableError, type FleetTarget, type RemoteDevice } from '../devices/fleet';
import { LocalAgents, type AgentCommand } from '../devices/local/local-agents';
import { UsageError } from './errors';
import { readTextFile } from './io';

/**
 * What `--devices` asks for: in-process simulated devices (`sim:`), device agents this process
 * spawns on loopback (`local:`), or the devices of a `devices.json`.
 */
export type DeviceRequest =
  | { readonly kind: 'sim'; readonly ids: readonly string[] }
  | { readonly kind: 'local'; readonly ids: readonly string[] }
  | { readonly kind: 'file'; readonly file: string; readonly devices: readonly RemoteDevice[]; readonly settings: DevicesFileSettings };

/** Devices ready for a run, and how to let go of them afterwards. */
export interface DeviceSet {
  readonly devices: readonly DeviceSpec[];
  /** For messages: `3 simulated devices (sim-1, sim-2, sim-3)`. */
  readonly label: string;
  /** Keeps the orchestrator's view of availability in step with the connections. */
  attach?(target: FleetTarget): void;
  close(): Promise<void>;
}

export const DEFAULT_DEVICES = 'local:4';
const MAX_DEVICES = 1000;
const MAX_LOCAL_DEVICES = 64;
/** How long `run` waits for configured devices before starting without the late ones. */
const CONNECT_TIMEOUT_MS = 10_000;

interface KindParser {
  readonly syntax: string;
  parse(rest: string, text: string): DeviceRequest;
}

/** `N` → `<prefix>-1..N`, or a comma-separated list of ids. */
function parseIds(rest: string, text: string, prefix: string, max: number): string[] {
  if (/^\d+$/.test(rest)) {
    const n = Number(rest);
    if (n < 1 || n > max) throw bad(text, `the number of devices must be from 1 to ${max}`);
    return Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
  }
  const ids = rest.split(',').map((s) => s.trim());
  const seen = new Set<string>();
  for (const id of ids) {
    if (id === '') throw bad(text, 'a device id is empty (check the commas)');
    if (!ID_PATTERN.test(id)) throw bad(text, `'${id}' is not a valid device id (letters, digits, '_', '.', ':' or '-')`);
    if (seen.has(id)) throw bad(text, `device '${id}' is listed twice`);
    seen.add(id);
  }
  if (ids.length > max) throw bad(text, `at most ${max} devices`);
  return ids;
}

const PARSERS: Readonly<Record<string, KindParser>> = {
  local: {
    syntax: 'local:N or local:id1,id2,... (device agents started on this machine, over WebSocket; local:N names them local-1..local-N)',
    parse: (rest, text) => ({ kind: 'local', ids: parseIds(rest, text, 'local', MAX_LOCAL_DEVICES) }),
  },
  sim: {
    syntax: 'sim:N or sim:id1,id2,... (simulated devices inside this process, for trying plans out)',
    parse: (rest, text) => ({ kind: 'sim', ids: parseIds(rest, text, 'sim', MAX_DEVICES) }),
  },
};

function bad(text: string, why: string): UsageError {
  return new UsageError(`--devices '${text}': ${why}`, `expected ${syntaxHelp()}`, '--devices');
}

/** The accepted forms, for help and errors. */
export function syntaxHelp(): string {
  return [...Object.values(PARSERS).map((p) => p.syntax), 'or a devices.json file (remote device agents: id, url, tokenFile; "dialect": "aip" for a UFO agent server, with "aipTarget" when its device id differs)'].join('; ');
}

/**
 * Parses the text of `--devices`; a path ending in `.json` is read as a devices file
 * (relative to `cwd`). @throws UsageError with the accepted forms, InvalidInputError for a bad file.
 */
export function parseDeviceOption(text: string, cwd = process.cwd()): DeviceRequest {
  if (text.endsWith('.json')) {
    const file = path.resolve(cwd, text);
    const { devices, settings } = loadDevicesFile(file, readTextFile(file, cwd, text), text);
    return { kind: 'file', file: text, devices, settings };
  }
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const parser = PARSERS[kind];
  if (!parser || colon < 0 || colon === text.length - 1) {
    const why = parser ? 'says which kind but not which devices' : `unknown kind of device '${kind}'`;
    throw bad(text, why);
  }
  return parser.parse(text.slice(colon + 1), text);
}

/** Device ids a request names, known before connecting (for `validate --devices`). */
export function requestedIds(request: DeviceRequest): readonly string[] {
  return request.kind === 'file' ? request.devices.map((d) => d.id) : request.ids;
}

function listIds(ids: readonly string[]): string {
  return ids.length > 6 ? `${ids.slice(0, 6).join(', ')}, …` : ids.join(', ');
}

/** What {@link openDevices} may need beyond the request. */
export interface OpenOptions {
  /** Devices that unfinished tasks are pinned to: a local agent among them must start. */
  readonly pinned?: ReadonlySet<string> | undefined;
  /** How to start `constellation device` (default: this CLI). */
  readonly agentCommand?: AgentCommand | undefined;
  /**
   * Who this orchestrator is to the devices: a resumed run presents the id of the process that
   * started it, so devices hand over what they kept for it.
   */
  readonly orchestratorId?: string | undefined;
}

/**
 * Brings the requested devices up: simulated ones at once, WebSocket ones once connected. A local
 * agent that fails to start is a warning and the run goes on with the others, unless a task is
 * pinned to it (then it is an error naming the device and why it did not start).
 */
export async function openDevices(request: DeviceRequest, logger: Logger, options: OpenOptions = {}): Promise<DeviceSet> {
  if (request.kind === 'sim') {
    const executor = new SimExecutor();
    const devices: DeviceSpec[] = request.ids.map((id) => ({ id, executor }));
    const label = `${request.ids.length} simulated device${request.ids.length === 1 ? '' : 's'} (${listIds(request.ids)})`;
    return { devices, label, close: () => Promise.resolve() };
  }
  const agents = request.kind === 'local' ? await LocalAgents.start({ command: options.agentCommand ?? { execPath: process.execPath, script: cliScript() }, ids: request.ids }) : undefined;
  for (const f of agents?.failures ?? []) {
    if (options.pinned?.has(f.id)) {
      await agents?.stop();
      throw new DevicesUnavailableError(`${f.reason}; tasks are pinned to '${f.id}', so the run cannot go on without it`);
    }
    logger.warn(`${f.reason}; running on the other devices`);
  }
  const remote: readonly RemoteDevice[] = agents ? agents.devices : request.kind === 'file' ? request.devices : [];
  const settings = request.kind === 'file' ? request.settings : {};
  const fleet = new DeviceFleet(remote, { orchestratorId: options.orchestratorId ?? randomUUID(), logger, backoff: settings.backoff, graceMs: settings.graceMs });
  try {
    const { late } = await fleet.connect(CONNECT_TIMEOUT_MS);
    for (const l of late) logger.warn(`device '${l.id}' is not reachable yet (${l.reason}); its tasks wait for it`);
  } catch (err) {
    await agents?.stop();
    throw err;
  }
  const ids = remote.map((d) => (d.dialect === 'aip' ? `${d.id} (AIP)` : d.id));
  const where = agents ? 'local device agent' : 'device';
  const label = `${ids.length} ${where}${ids.length === 1 ? '' : 's'} over WebSocket (${listIds(ids)})`;
  return {
    devices: fleet.specs(),
    label,
    attach: (target) => void fleet.attach(target),
    close: async () => {
      fleet.close();
      await agents?.stop();
    },
  };
}

/** The script that runs this CLI, to start `constellation device` children with. */
function cliScript(): string {
  return require.main?.filename ?? process.argv[1] ?? path.join(__dirname, 'cli.js');
}
