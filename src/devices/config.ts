import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InvalidInputError, type Problem } from '../core/model/errors';
import { parseJsonText } from '../core/io/json-text';
import { formatPath } from '../core/model/json-path';
import { ID_PATTERN } from '../core/model/schema';
import type { RemoteDevice } from './fleet';
import { hasTokenParam } from './session/aip-link';

const deviceEntrySchema = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, "letters, digits, '_', '.', ':' or '-'"),
    url: z
      .string()
      .url()
      .refine((u) => u.startsWith('ws://') || u.startsWith('wss://'), 'must be a ws:// or wss:// URL'),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    /** The protocol the device speaks: Constellation's own (default) or AIP, the reference's (a UFO agent server). */
    dialect: z.enum(['native', 'aip']).optional(),
    /** The device's id on the UFO agent server, when it differs from `id` (AIP only). */
    aipTarget: z.string().min(1).max(200).optional(),
    capabilities: z.array(z.string().min(1).max(100)).max(200).optional(),
    metadata: z.record(z.string(), z.string().max(1000)).optional(),
  })
  .refine((d) => (d.token === undefined) !== (d.tokenFile === undefined), { message: 'give exactly one of token or tokenFile' })
  .refine((d) => d.aipTarget === undefined || d.dialect === 'aip', { message: 'aipTarget is for devices with "dialect": "aip"', path: ['aipTarget'] })
  .refine((d) => !hasTokenParam(d.url), { message: 'the URL must not hold the token: give it as token or tokenFile (an AIP device gets it as ?token= all the same)', path: ['url'] });

/** Shortest token accepted: ours are 16 characters or more; a UFO server's key is whatever its owner chose. */
export const MIN_TOKEN = { native: 16, aip: 1 } as const;

/** `devices.json`: the devices a run connects to. */
export const devicesFileSchema = z.strictObject({
  $schema: z.string().optional(),
  devices: z.array(deviceEntrySchema).min(1, 'list at least one device'),
  /** How sessions reconnect (defaults: 1 s doubling to 30 s, unlimited attempts). */
  reconnect: z
    .strictObject({
      initialMs: z.number().int().min(10).max(600_000).optional(),
      maxMs: z.number().int().min(10).max(3_600_000).optional(),
      attempts: z.number().int().min(0).optional(),
    })
    .optional(),
  /** How long work waits for a device that dropped before it counts as lost (default 30 000). */
  graceMs: z.number().int().min(0).max(86_400_000).optional(),
});

/** Session settings of a devices file. */
export interface DevicesFileSettings {
  readonly backoff?: { initialMs?: number; maxMs?: number; attempts?: number } | undefined;
  readonly graceMs?: number | undefined;
}

/**
 * Reads a `devices.json` (token files are relative to it). Every problem is reported with its
 * JSON path: bad URLs, missing or duplicate ids, unreadable token files.
 *
 * @throws InvalidInputError naming the file and each problem.
 */
export function loadDevicesFile(file: string, text = fs.readFileSync(file, 'utf8'), shownAs = file): { devices: RemoteDevice[]; settings: DevicesFileSettings } {
  const parsed = parseJsonText(text);
  if ('problem' in parsed) throw new InvalidInputError([parsed.problem], shownAs);
  const result = devicesFileSchema.safeParse(parsed.value);
  // Token lengths depend on the dialect: checked beside the schema, so both kinds of problem show at once.
  const problems: Problem[] = tokenLengthProblems(parsed.value);
  if (!result.success) {
    const schemaProblems: Problem[] = result.error.issues.map((i) => ({ code: 'invalid_devices_file', message: i.message, path: formatPath(i.path) }));
    throw new InvalidInputError([...schemaProblems, ...problems], shownAs);
  }
  const seen = new Set<string>();
  const out: RemoteDevice[] = [];
  result.data.devices.forEach((d, i) => {
    if (seen.has(d.id)) problems.push({ code: 'duplicate_id', message: `device '${d.id}' is listed twice`, path: `devices[${i}].id` });
    seen.add(d.id);
    const dialect = d.dialect ?? 'native';
    let token = d.token;
    if (d.tokenFile !== undefined) {
      const tokenPath = path.resolve(path.dirname(file), d.tokenFile);
      try {
        token = fs.readFileSync(tokenPath, 'utf8').trim();
        if (token.length < MIN_TOKEN[dialect]) problems.push({ code: 'invalid_devices_file', message: token === '' ? `${tokenPath} is empty` : `the token in ${tokenPath} is shorter than ${MIN_TOKEN[dialect]} characters`, path: `devices[${i}].tokenFile` });
      } catch (err) {
        problems.push({ code: 'unreadable', message: `cannot read token file ${tokenPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path: `devices[${i}].tokenFile` });
      }
    }
    out.push({ id: d.id, url: d.url, token: token ?? '', ...(d.dialect === 'aip' ? { dialect: 'aip' as const, ...(d.aipTarget ? { aipTarget: d.aipTarget } : {}) } : {}), ...(d.capabilities ? { capabilities: d.capabilities } : {}), ...(d.metadata ? { metadata: d.metadata } : {}) });
  });
  if (problems.length > 0) throw new InvalidInputError(problems, shownAs);
  const r = result.data.reconnect;
  const backoff = r ? { ...(r.initialMs !== undefined ? { initialMs: r.initialMs } : {}), ...(r.maxMs !== undefined ? { maxMs: r.maxMs } : {}), ...(r.attempts !== undefined ? { attempts: r.attempts } : {}) } : undefined;
  return { devices: out, settings: { backoff, graceMs: result.data.graceMs } };
}

/** Inline tokens shorter than their dialect allows, read from the raw file (whatever else is wrong with it). */
function tokenLengthProblems(raw: unknown): Problem[] {
  const devices = typeof raw === 'object' && raw !== null && 'devices' in raw && Array.isArray(raw.devices) ? (raw.devices as unknown[]) : [];
  const problems: Problem[] = [];
  devices.forEach((d, i) => {
    if (typeof d !== 'object' || d === null) return;
    const { token, dialect } = d as { token?: unknown; dialect?: unknown };
    const min = MIN_TOKEN[dialect === 'aip' ? 'aip' : 'native'];
    if (typeof token === 'string' && token.length < min && token.length > 0) problems.push({ code: 'invalid_devices_file', message: `must be at least ${min} characters`, path: `devices[${i}].token` });
  });
  return problems;
}
