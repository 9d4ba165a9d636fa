import type { Problem } from '../model/errors';

/**
 * Codes an edit batch can be rejected with. Stable: the agent and the UI key on them.
 * - `invalid_operation`: the operation does not match the schema
 * - `duplicate_id`, `duplicate_dependency`: an id or an edge already exists
 * - `unknown_task`, `unknown_dependency`, `unknown_device`: a reference to nothing (I4)
 * - `not_modifiable`: the task (or the edge's downstream task) has started or finished (I3, I1)
 * - `cycle`: the edge would close a cycle (I2)
 * - `bad_reference`: a `${tasks.…}` reference that is malformed or not to an ancestor (I4)
 * - `bad_condition`: a `when` predicate that does not compile
 * - `batch_too_large`: more operations than one batch may hold
 * - `unreadable_answer`: the edit source's answer was not JSON or not of the expected shape
 */
export type ViolationCode =
  | 'invalid_operation'
  | 'duplicate_id'
  | 'duplicate_dependency'
  | 'unknown_task'
  | 'unknown_dependency'
  | 'unknown_device'
  | 'not_modifiable'
  | 'cycle'
  | 'bad_reference'
  | 'bad_condition'
  | 'batch_too_large'
  | 'unreadable_answer';

/** One reason an edit batch was rejected, tied to the offending operation. */
export interface Violation extends Problem {
  readonly code: ViolationCode;
  /** Index of the offending operation in the batch; -1 for the batch as a whole. */
  readonly opIndex: number;
}

export function violation(code: ViolationCode, opIndex: number, message: string, path?: string): Violation {
  return path === undefined ? { code, opIndex, message } : { code, opIndex, message, path };
}
