import type { Task } from '../model/types';

/** What the ready queue orders by, captured when a task becomes ready. */
export interface ReadyKey {
  readonly id: string;
  readonly priority: number;
  /** Longest path still below the task. */
  readonly rank: number;
  /** Number of tasks that depend on it directly. */
  readonly dependants: number;
}

export function readyKey(task: Task, rank: number, dependants: number): ReadyKey {
  return { id: task.id, priority: task.priority, rank, dependants };
}

/**
 * Priority first, then the critical path (longest path below), then the number
 * of dependants, then id, so the order is total and reproducible.
 */
export function runsBefore(a: ReadyKey, b: ReadyKey): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.dependants !== b.dependants) return a.dependants > b.dependants;
  return a.id < b.id;
}
