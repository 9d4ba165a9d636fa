import type { OutputStream } from '../../core/events/event-map';
import type { ExecutionOutcome, ExecutionRequest } from '../../core/executors/executor';
import { MAX_OUTPUT_CHUNK, type FromDevice, type TaskMessage, type TaskResultMessage } from './messages';

/**
 * Conversions between the core's execution types and the protocol's frames, in one place for
 * both ends: the orchestrator's session and the device agent.
 */

/** One attempt, named the same way on both ends: `runId/taskId#attempt`. */
export function runKey(runId: string, taskId: string, attempt: number): string {
  return `${runId}/${taskId}#${attempt}`;
}

/** The `task` frame of an attempt. */
export function taskFrame(r: ExecutionRequest, requestId: string): TaskMessage {
  return {
    type: 'task',
    requestId,
    runId: r.runId,
    taskId: r.taskId,
    attempt: r.attempt,
    name: r.name,
    description: r.description,
    tips: [...r.tips],
    ...(r.inputs !== undefined ? { inputs: r.inputs } : {}),
    ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs } : {}),
  };
}

/** What a device's executor is asked to run for a `task` frame. */
export function executionRequestOf(msg: TaskMessage, device: string): ExecutionRequest {
  return { runId: msg.runId, taskId: msg.taskId, attempt: msg.attempt, name: msg.name, description: msg.description, tips: msg.tips, inputs: msg.inputs, timeoutMs: msg.timeoutMs, device };
}

/** The identity of an attempt as every frame about it carries it. */
export interface AttemptRef {
  readonly requestId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
}

/** The `task_result` frame for an outcome. */
export function resultFrame(a: AttemptRef, outcome: ExecutionOutcome, durationMs: number): TaskResultMessage {
  const base = { type: 'task_result' as const, requestId: a.requestId, runId: a.runId, taskId: a.taskId, attempt: a.attempt, durationMs };
  if (outcome.status === 'completed') return { ...base, status: 'completed', result: outcome.result };
  if (outcome.status === 'failed') return { ...base, status: 'failed', error: outcome.error };
  return { ...base, status: 'cancelled', ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) };
}

/** Turns a device's `task_result` into the core's outcome. */
export function outcomeOf(msg: TaskResultMessage): ExecutionOutcome {
  if (msg.status === 'completed') return { status: 'completed', result: msg.result };
  if (msg.status === 'cancelled') return { status: 'cancelled', ...(msg.reason !== undefined ? { reason: msg.reason } : {}) };
  return { status: 'failed', error: msg.error ?? { code: 'device_error', message: 'the device reported a failure without an error' } };
}

/** Output as `task_output` frames of at most {@link MAX_OUTPUT_CHUNK} characters, numbered from `firstChunk`. */
export function outputFrames(a: Omit<AttemptRef, 'requestId'>, stream: OutputStream, data: string, firstChunk: number): FromDevice[] {
  const frames: FromDevice[] = [];
  for (let i = 0, chunk = firstChunk; i < data.length; i += MAX_OUTPUT_CHUNK, chunk++) {
    frames.push({ type: 'task_output', runId: a.runId, taskId: a.taskId, attempt: a.attempt, stream, data: data.slice(i, i + MAX_OUTPUT_CHUNK), chunk });
  }
  return frames;
}
