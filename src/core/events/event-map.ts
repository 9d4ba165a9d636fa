import type { EditDiff } from '../editing/editor';
import type { OperationInput } from '../editing/operations';
import type { Violation } from '../editing/violations';
import type { ConstellationState, TaskError } from '../model/types';
import type { EditOutcome } from '../orchestrator/edit-source';

/** Fields every event carries, so a view that reconnects can ask for what it missed. */
export interface EventBase {
  readonly runId: string;
  /** Strictly increasing within a run, across restarts of the run. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

export type OutputStream = 'stdout' | 'stderr' | 'log';

/** Why a run ended without completing every task. */
export interface RunEndReason {
  /** `detached`: the process let go of the run (a window reload, SIGTERM); it is resumed later, not over. */
  readonly code: 'failed' | 'cancelled' | 'stalled' | 'agent_failed' | 'detached';
  readonly message: string;
  /** For stalls: the tasks that could not progress and why. */
  readonly blocked?: readonly { readonly taskId: string; readonly why: string }[];
}

/** Payloads of the orchestrator's events (without {@link EventBase}). */
export interface EventPayloads {
  constellation_started: { constellationId: string; taskCount: number; resumed: boolean };
  /** Its dependencies are satisfied; `device` is where it is queued (absent: it waits for a device able to take it). */
  task_ready: { taskId: string; device?: string | undefined };
  /** A ready task waits again (an edit gave it a new dependency, or changed it while it was queued). */
  task_waiting: { taskId: string; reason: string };
  task_started: { taskId: string; device: string; attempt: number };
  task_output: { taskId: string; attempt: number; stream: OutputStream; data: string; chunk: number };
  /** `outputChars`: how much output the attempt wrote (the output itself is in the run's output files). */
  task_completed: { taskId: string; device: string; attempt: number; result: unknown; durationMs: number; outputChars?: number | undefined };
  task_failed: {
    taskId: string;
    device?: string | undefined;
    attempt: number;
    error: TaskError;
    willRetry: boolean;
    retryInMs?: number | undefined;
    outputChars?: number | undefined;
  };
  task_cancelled: { taskId: string; reason: string; wasRunning: boolean; outputChars?: number | undefined };
  task_skipped: { taskId: string; reason: string; upstream: string };
  task_interrupted: { taskId: string; device?: string | undefined; attempt: number };
  /** An attempt a previous process started, still held by its device, is taken over: it is not run again. */
  task_adopted: { taskId: string; device: string; attempt: number };
  /** A finished task runs again (an explicit retry); `reopened` are tasks it had skipped, which wait again. */
  task_reset: { taskId: string; reopened: readonly string[] };
  /** An edit round begins: the edit source is asked about these completions. */
  edit_round_started: { round: number; triggeredBy: readonly string[] };
  constellation_modified: { diff: EditDiff; triggeredBy: readonly string[]; source: string; round?: number | undefined };
  /**
   * An answer of the edit source, whole: `operations` is what goes on to validation; `proposed`,
   * when present, is the batch as the source proposed it before a review kept part of it. An
   * answer held for a review is journaled before the review (`awaitingReview`).
   */
  edit_proposed: {
    round: number;
    triggeredBy: readonly string[];
    operations: readonly OperationInput[];
    status: string;
    attempt: number;
    reason?: string | undefined;
    proposed?: readonly OperationInput[] | undefined;
    /** The answer waits for a review (`operations` is then the whole batch; `edit_reviewed` says what was kept). */
    awaitingReview?: true | undefined;
  };
  edit_rejected: {
    round: number;
    code: 'invalid' | 'timeout' | 'finish_refused' | 'source_error';
    message: string;
    violations: readonly Violation[];
    /** True if the source is asked again with the violations. */
    willRepair: boolean;
  };
  edit_reviewed: {
    round: number;
    decision: 'accepted' | 'rejected' | 'partial' | 'auto_accepted';
    proposed: number;
    accepted: readonly number[];
    reason?: string | undefined;
  };
  /** How a round ended for its answer (see `EditOutcome`): the agent's timeline reads these. */
  edit_outcome: EditOutcome;
  /** The process let go of the run without cancelling it: its devices go on and keep what they finish. */
  run_detached: { reason: string };
  run_paused: Record<string, never>;
  run_resumed: Record<string, never>;
  device_status_changed: { deviceId: string; status: string; previous: string };
  constellation_completed: { state: ConstellationState; durationMs: number };
  constellation_failed: { state: ConstellationState; durationMs: number; reason: RunEndReason };
}

export type EventType = keyof EventPayloads;

/** A fully stamped event of type `K`. */
export type RunEvent<K extends EventType = EventType> = K extends EventType ? EventBase & { readonly type: K } & Readonly<EventPayloads[K]> : never;

/** Every event type, for code that must handle them all (a test checks each is replayed). */
export const EVENT_TYPES: readonly EventType[] = Object.keys({
  constellation_started: 1,
  task_ready: 1,
  task_waiting: 1,
  task_started: 1,
  task_output: 1,
  task_completed: 1,
  task_failed: 1,
  task_cancelled: 1,
  task_skipped: 1,
  task_interrupted: 1,
  task_adopted: 1,
  task_reset: 1,
  constellation_modified: 1,
  edit_round_started: 1,
  edit_proposed: 1,
  edit_rejected: 1,
  edit_reviewed: 1,
  edit_outcome: 1,
  run_detached: 1,
  run_paused: 1,
  run_resumed: 1,
  device_status_changed: 1,
  constellation_completed: 1,
  constellation_failed: 1,
} satisfies Record<EventType, 1>) as EventType[];
