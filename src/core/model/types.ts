/**
 * Plain data of the constellation model: tasks (TaskStar), dependencies (TaskStarLine)
 * and the statuses the orchestrator moves them through.
 */

/** Lifecycle of a task. Only the orchestrator changes a status; edits never do. */
export type TaskStatus =
  | 'pending'
  | 'ready'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'skipped';

export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'ready',
  'running',
  'completed',
  'failed',
  'cancelled',
  'skipped',
];

/** Statuses from which a task never moves again (except `failed`, through an explicit retry). */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

/** 1 low, 2 medium (default), 3 high, 4 critical. */
export type TaskPriority = 1 | 2 | 3 | 4;

export type DependencyType = 'unconditional' | 'completion_only' | 'success_only' | 'conditional';

export const DEPENDENCY_TYPES: readonly DependencyType[] = [
  'unconditional',
  'completion_only',
  'success_only',
  'conditional',
];

/** Why a task failed, was cancelled or skipped. `code` is stable and machine-readable. */
export interface TaskError {
  readonly code: string;
  readonly message: string;
}

/** A unit of work bound to one device (TaskStar). */
export interface Task {
  readonly id: string;
  name: string;
  description: string;
  tips: string[];
  /** Target device id; absent means a strategy places the task. */
  device?: string | undefined;
  deviceType?: string | undefined;
  /** Capabilities the device must offer. */
  capabilities?: string[] | undefined;
  priority: TaskPriority;
  timeoutMs?: number | undefined;
  retries: number;
  retryBackoffMs: number;
  inputs?: unknown;
  metadata?: Record<string, unknown> | undefined;
  status: TaskStatus;
  result?: unknown;
  error?: TaskError | undefined;
  attempts: number;
  /** Device the current or last attempt ran on. */
  assignedDevice?: string | undefined;
  createdAt?: string | undefined;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
}

/** A directed edge `from → to` (TaskStarLine): `to` waits for `from`. */
export interface Dependency {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  type: DependencyType;
  /** Text for humans and the agent. */
  condition?: string | undefined;
  /** Predicate on the upstream task, e.g. `result.exitCode == 0` (conditional edges only). */
  when?: string | undefined;
  /** The agent's decision on a conditional edge without a usable `when`. */
  satisfied?: boolean | undefined;
}

/** Derived state of a whole constellation. */
export type ConstellationState =
  | 'created'
  | 'ready'
  | 'executing'
  | 'completed'
  | 'failed'
  | 'partially_failed'
  | 'cancelled';
