import { TASK_STATUSES, type ConstellationState, type TaskStatus } from './types';

export type StatusCounts = Record<TaskStatus, number>;

export function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/**
 * The constellation's state from its task statuses:
 * - `created`: no tasks; `ready`: tasks, none started;
 * - `executing`: some task not finished while another has started or finished;
 * - when every task is finished: `cancelled` if any was cancelled, else `completed` if none
 *   failed, else `partially_failed` if some completed, else `failed`.
 *
 * Skipped tasks count as finished; a skip is a decided outcome, not a failure by itself.
 */
export function deriveState(c: Readonly<StatusCounts>, total: number): ConstellationState {
  if (total === 0) return 'created';
  const finished = c.completed + c.failed + c.cancelled + c.skipped;
  if (finished < total) {
    return c.running + finished === 0 && c.ready + c.pending === total ? 'ready' : 'executing';
  }
  if (c.cancelled > 0) return 'cancelled';
  if (c.failed === 0) return 'completed';
  return c.completed > 0 ? 'partially_failed' : 'failed';
}
