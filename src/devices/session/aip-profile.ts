import { z } from 'zod';
import { clipLine } from '../../core/report/words';
import type { DeviceProfile } from '../protocol/messages';

/** Any text; clipped where it is used, so one long field does not cost the whole profile. */
const text = z.string().nullish();
/** The fields of AIP's `system_info` Constellation reads; the rest is ignored. */
const systemInfoSchema = z.object({
  platform: text,
  os_version: text,
  hostname: text,
  supported_features: z.array(z.unknown()).nullish(),
  platform_type: text,
  schema_version: text,
  custom_metadata: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * A device's profile from the `result` of AIP's `device_info_response`, as Galaxy reads it:
 * `platform` is the OS, `supported_features` the capabilities. Used only when it is an object
 * without an `error` key (Galaxy's rule); otherwise the profile says what is known (the id) and
 * `problem` says why. A UFO device runs one task at a time unless its `custom_metadata.concurrency`
 * says otherwise (Constellation's own AIP device does).
 */
export function profileOfSystemInfo(id: string, result: unknown): { readonly profile: DeviceProfile; readonly problem?: string } {
  const bare: DeviceProfile = { id, os: 'unknown', arch: '', hostname: '', capabilities: [], concurrency: 1, version: 'AIP', metadata: { dialect: 'aip' } };
  if (result === undefined) return { profile: bare };
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return { profile: bare, problem: 'its device info is not an object' };
  if ('error' in result) return { profile: bare, problem: `the UFO server has no device info: ${clipLine(String(result.error), 300)}` };
  const parsed = systemInfoSchema.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { profile: bare, problem: `its device info is malformed at ${issue?.path.join('.') || 'the top'}: ${issue?.message ?? 'invalid'}` };
  }
  const info = parsed.data;
  const declared = info.custom_metadata?.concurrency;
  const concurrency = typeof declared === 'number' && Number.isInteger(declared) && declared >= 1 && declared <= 1024 ? declared : 1;
  const metadata: Record<string, string> = { dialect: 'aip' };
  if (info.os_version) metadata.osVersion = clipLine(info.os_version, 200);
  if (info.platform_type) metadata.platformType = clipLine(info.platform_type, 100);
  return {
    profile: {
      id,
      os: info.platform ? clipLine(info.platform, 100) : 'unknown',
      arch: '',
      hostname: info.hostname ? clipLine(info.hostname, 300) : '',
      capabilities: [...new Set((info.supported_features ?? []).filter((c): c is string => typeof c === 'string' && c.trim() !== '').map((c) => clipLine(c, 100)))].slice(0, 200),
      concurrency,
      version: info.schema_version ? `AIP ${clipLine(info.schema_version, 40)}` : 'AIP',
      metadata,
    },
  };
}
