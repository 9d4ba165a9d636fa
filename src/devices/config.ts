import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InvalidInputError, type Problem } from '../core/model/errors';
import { parseJsonText } from '../core/io/json-text';
import { formatPath } from '../core/model/json-path';
import { ID_PATTERN } from '../core/model/schema';
import type { RemoteDevice } from './fleet';

const deviceEntrySchema = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, "letters, digits, '_', '.', ':' or '-'"),
    url: z
      .string()
      .url()
      .refine((u) => u.startsWith('ws://') || u.startsWith('wss://'), 'must be a ws:// or wss:// URL'),
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    tokenFile: z.string().min(1).optional(),
    capabilities: z.array(z.string().min(1).max(100)).max(200).optional(),
    metadata: z.record(z.string(), z.string().max(1000)).optional(),
  })
  .refine((d) => (d.token === undefined) !== (d.tokenFile === undefined), { message: 'give exactly one of token or tokenFile' });

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
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((i) => ({ code: 'invalid_devices_file', message: i.message, path: formatPath(i.path) }));
    throw new InvalidInputError(problems, shownAs);
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const out: RemoteDevice[] = [];
  result.data.devices.forEach((d, i) => {
    if (seen.has(d.id)) problems.push({ code: 'duplicate_id', message: `device '${d.id}' is listed twice`, path: `devices[${i}].id` });
    seen.add(d.id);
    let token = d.token;
    if (d.tokenFile !== undefined) {
      const tokenPath = path.resolve(path.dirname(file), d.tokenFile);
      try {
        token = fs.readFileSync(tokenPath, 'utf8').trim();
        if (token.length < 16) problems.push({ code: 'invalid_devices_file', message: `the token in ${tokenPath} is shorter than 16 characters`, path: `devices[${i}].tokenFile` });
      } catch (err) {
        problems.push({ code: 'unreadable', message: `cannot read token file ${tokenPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path: `devices[${i}].tokenFile` });
      }
    }
    out.push({ id: d.id, url: d.url, token: token ?? '', ...(d.capabilities ? { capabilities: d.capabilities } : {}), ...(d.metadata ? { metadata: d.metadata } : {}) });
  });
  if (problems.length > 0) throw new InvalidInputError(problems, shownAs);
  const r = result.data.reconnect;
  const backoff = r ? { ...(r.initialMs !== undefined ? { initialMs: r.initialMs } : {}), ...(r.maxMs !== undefined ? { maxMs: r.maxMs } : {}), ...(r.attempts !== undefined ? { attempts: r.attempts } : {}) } : undefined;
  return { devices: out, settings: { backoff, graceMs: result.data.graceMs } };
}
