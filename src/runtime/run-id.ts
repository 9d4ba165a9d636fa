import { randomBytes } from 'node:crypto';
import type { IdSource } from '../core/ids';

/** A sortable, readable run id, the same for both front ends: `20250101-120000-ab12`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Run ids as an {@link IdSource}. */
export const runIds: IdSource = { newId: () => newRunId() };
