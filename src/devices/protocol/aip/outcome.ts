import type { ExecutionOutcome } from '../../../core/executors/executor';
import { encodeServerFrame, type AipServerFrame } from './frames';

/** Error codes of tasks on AIP devices. */
export const AIP_ERRORS = {
  /** The device (a UFO agent, or ours) ended the task as failed. */
  taskFailed: 'aip_task_failed',
  /** The server answered the task with an `error` frame (it carries no session: it is the attempt's socket). */
  refused: 'aip_error',
} as const;

/**
 * What a `task_end` from a UFO agent server means for the task: completed with UFO's result
 * (whatever shape it has: a list of `{request, result}`, an object, nothing), or failed with the
 * server's error, or, when it gave none (`error: null` is common), a message that says so. The
 * server's words are kept whole: the session takes the key out of them, then bounds them (a text
 * clipped first could keep the start of a key cut at the edge).
 */
export function outcomeOfTaskEnd(frame: AipServerFrame): Extract<ExecutionOutcome, { status: 'completed' | 'failed' }> {
  if (frame.status === 'completed') return { status: 'completed', result: frame.result ?? null };
  const said = typeof frame.error === 'string' && frame.error.trim() !== '' ? frame.error : undefined;
  const detail = said ?? failureDetail(frame.result);
  return {
    status: 'failed',
    error: { code: AIP_ERRORS.taskFailed, message: detail ? `the AIP device failed the task: ${detail}` : `the AIP device ended the task as ${frame.status} without saying why (its task_end had no error)` },
  };
}

/** A failure's words from UFO's result, when it has some (`{"failure": …}`). */
function failureDetail(result: unknown): string | undefined {
  if (typeof result === 'object' && result !== null && !Array.isArray(result) && 'failure' in result) {
    const f = (result).failure;
    return (typeof f === 'string' ? f : JSON.stringify(f) ?? '') || undefined;
  }
  return undefined;
}

/**
 * The `task_end` Constellation's device sends Galaxy: UFO's own result shape, one
 * `{request, result}` entry with Galaxy's text and our executor's result as a JSON value, and
 * our error message when the task did not complete.
 */
export function encodeTaskEnd(sessionId: string, request: string, outcome: ExecutionOutcome): string {
  if (outcome.status === 'completed') {
    return encodeServerFrame({ type: 'task_end', status: 'completed', session_id: sessionId, result: [{ request, result: outcome.result ?? null }] });
  }
  const error = outcome.status === 'failed' ? `[${outcome.error.code}] ${outcome.error.message}` : `cancelled${outcome.reason ? `: ${outcome.reason}` : ''}`;
  return encodeServerFrame({ type: 'task_end', status: 'failed', session_id: sessionId, result: [{ request, result: null }], error });
}
