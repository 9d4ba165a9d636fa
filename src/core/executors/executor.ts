import type { OutputStream } from '../events/event-map';
import type { TaskError } from '../model/types';

/** What a device is asked to run: the task with its references already resolved. */
export interface ExecutionRequest {
  /** The run the task belongs to: the same task id in another run is another task. */
  readonly runId: string;
  readonly taskId: string;
  /** 1 for the first attempt; retries count up. With `runId` and `taskId`, the idempotency key. */
  readonly attempt: number;
  readonly name: string;
  readonly description: string;
  readonly tips: readonly string[];
  readonly inputs: unknown;
  readonly timeoutMs?: number | undefined;
  readonly device: string;
}

/** How an attempt ended. */
export type ExecutionOutcome =
  | { readonly status: 'completed'; readonly result: unknown }
  | { readonly status: 'failed'; readonly error: TaskError }
  | { readonly status: 'cancelled'; readonly reason?: string };

/** Callbacks an execution reports through while it runs. */
export interface ExecutionSink {
  /** One chunk of output, in order. */
  output(stream: OutputStream, data: string): void;
  /**
   * Backpressure, where the consumer can fall behind (a socket): a promise to wait on before
   * producing more output, or undefined to go on. An executor that can pause its source does.
   */
  backlog?(): Promise<void> | undefined;
}

/** A running attempt. `done` settles exactly once and never rejects. */
export interface Execution {
  readonly done: Promise<ExecutionOutcome>;
  /** Asks the device to stop; `done` then settles with `cancelled` (or whatever came first). */
  cancel(reason?: string): void;
  /** Sends text to the task's standard input, if it has one. */
  sendInput?(data: string): void;
}

/**
 * Runs tasks on one device. In-process simulation, a shell, or a WebSocket device agent all
 * implement this, so the orchestrator does not know which it talks to.
 */
export interface Executor {
  start(request: ExecutionRequest, sink: ExecutionSink): Execution;
  /**
   * Takes over an attempt an earlier process started, if this device still holds it (running,
   * or finished with its result kept): its output and outcome come to `sink` and the execution
   * as if this process had started it (output held meanwhile is replayed to `sink` after this
   * returns, never from inside the call). Undefined when the device does not hold it.
   */
  adopt?(request: ExecutionRequest, sink: ExecutionSink): Execution | undefined;
}

/** Turns anything thrown into a {@link TaskError}. */
export function toTaskError(err: unknown, code = 'executor_error'): TaskError {
  if (typeof err === 'object' && err !== null && 'code' in err && 'message' in err && typeof err.message === 'string') {
    return { code: String(err.code), message: err.message };
  }
  return { code, message: err instanceof Error ? err.message : String(err) };
}
