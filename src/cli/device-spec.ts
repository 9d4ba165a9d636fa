import { SimExecutor } from '../core/executors/sim-executor';
import { ID_PATTERN } from '../core/model/schema';
import type { DeviceSpec } from '../core/orchestrator/device-pool';
import { UsageError } from './errors';

/**
 * What `--devices` asks for. Only in-process simulated devices exist today; WebSocket devices
 * (`local:N`, a `devices.json`) are further kinds of this union, parsed by further entries of
 * {@link PARSERS} and opened by {@link openDevices}.
 */
export type DeviceRequest = { readonly kind: 'sim'; readonly ids: readonly string[] };

/** Devices ready for a run, and how to let go of them afterwards. */
export interface DeviceSet {
  readonly devices: readonly DeviceSpec[];
  /** For messages: `3 simulated devices (sim-1, sim-2, sim-3)`. */
  readonly label: string;
  close(): Promise<void>;
}

export const DEFAULT_DEVICES = 'sim:4';
const MAX_SIM_DEVICES = 1000;

interface KindParser {
  readonly syntax: string;
  parse(rest: string, text: string): DeviceRequest;
}

const PARSERS: Readonly<Record<string, KindParser>> = {
  sim: {
    syntax: 'sim:N (N simulated devices sim-1..sim-N) or sim:id1,id2,... (simulated devices with these ids)',
    parse(rest, text) {
      if (/^\d+$/.test(rest)) {
        const n = Number(rest);
        if (n < 1 || n > MAX_SIM_DEVICES) throw bad(text, `the number of devices must be from 1 to ${MAX_SIM_DEVICES}`);
        return { kind: 'sim', ids: Array.from({ length: n }, (_, i) => `sim-${i + 1}`) };
      }
      const ids = rest.split(',').map((s) => s.trim());
      const seen = new Set<string>();
      for (const id of ids) {
        if (id === '') throw bad(text, 'a device id is empty (check the commas)');
        if (!ID_PATTERN.test(id)) throw bad(text, `'${id}' is not a valid device id (letters, digits, '_', '.', ':' or '-')`);
        if (seen.has(id)) throw bad(text, `device '${id}' is listed twice`);
        seen.add(id);
      }
      return { kind: 'sim', ids };
    },
  },
};

function bad(text: string, why: string): UsageError {
  return new UsageError(`--devices '${text}': ${why}`, `expected ${syntaxHelp()}`, '--devices');
}

/** The accepted forms, for help and errors. */
export function syntaxHelp(): string {
  return Object.values(PARSERS)
    .map((p) => p.syntax)
    .join('; ');
}

/** Parses the text of `--devices`. @throws UsageError with the accepted forms. */
export function parseDeviceOption(text: string): DeviceRequest {
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
  return request.ids;
}

/** Brings the requested devices up. Simulated devices are in-process and always ready. */
export function openDevices(request: DeviceRequest): Promise<DeviceSet> {
  const executor = new SimExecutor();
  const devices: DeviceSpec[] = request.ids.map((id) => ({ id, executor }));
  const shown = request.ids.length > 6 ? `${request.ids.slice(0, 6).join(', ')}, …` : request.ids.join(', ');
  const label = `${request.ids.length} simulated device${request.ids.length === 1 ? '' : 's'} (${shown})`;
  return Promise.resolve({ devices, label, close: () => Promise.resolve() });
}
