import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink } from '../executors/executor';
import { toTaskError } from '../executors/executor';
import { resolveReferences } from '../expr/references';
import type { Task, TaskError } from '../model/types';
import type { DeviceSlot } from './device-pool';
import type { RunContext, TaskRuntime } from './run-context';

/**
 * Attempts of tasks on devices: hands a task to its device's executor (references resolved),
 * times it out, turns its outcome into events, schedules retries with exponential backoff, and
 * cancels running attempts. Outcomes of an attempt that is no longer current are ignored.
 */
export class Attempts {
  /** Retry timers waiting to fire (a run with one is not stalled). */
  private pendingRetries = 0;

  constructor(private readonly run: RunContext) {}

  get retriesWaiting(): number {
    return this.pendingRetries;
  }

  start(task: Task, slot: DeviceSlot, rt: TaskRuntime): void {
    const { run } = this;
    const c = run.constellation;
    const now = run.clock.monotonic();
    run.metrics.recordDispatch(rt.readyAt, slot.slotFreedAt, now);
    run.placements.start(rt, slot);
    const token = this.begin(rt, now);
    const attempt = task.attempts + 1;
    run.scheduling.announce(task, rt);
    run.emit('task_started', { taskId: task.id, device: slot.id, attempt });

    let fields: { description: string; tips: readonly string[]; inputs?: unknown } = task;
    let execution: Execution;
    try {
      if (rt.hasReferences) fields = resolveReferences({ description: task.description, tips: task.tips, inputs: task.inputs }, { getTask: (id) => c.tryTask(id) }, { shell: slot.spec.shell });
      execution = slot.spec.executor.start(this.request(task, slot, attempt, fields), this.sink(task, rt, token, attempt));
    } catch (err) {
      const error = toTaskError(err, 'dispatch_failed');
      execution = { done: Promise.resolve({ status: 'failed', error }), cancel: () => undefined };
    }
    this.follow(task, rt, token, execution);
  }

  /**
   * Takes over an attempt an earlier process started, if its device still holds it: the task
   * runs on (or its kept result is collected) instead of running again. False if the device
   * does not hold it.
   */
  adopt(task: Task, slot: DeviceSlot, attempt: number): boolean {
    const { run } = this;
    const rt = run.runtime(task.id);
    const executor = slot.spec.executor;
    if (!rt || !executor.adopt) return false;
    // Its duration counts from when the earlier process started it.
    const since = task.startedAt !== undefined ? Math.max(0, run.clock.now() - Date.parse(task.startedAt)) : 0;
    const token = this.begin(rt, run.clock.monotonic() - (Number.isFinite(since) ? since : 0));
    const execution = executor.adopt(this.request(task, slot, attempt, task), this.sink(task, rt, token, attempt));
    if (!execution) return false;
    run.placements.start(rt, slot);
    run.emit('task_adopted', { taskId: task.id, device: slot.id, attempt });
    this.follow(task, rt, token, execution);
    return true;
  }

  /** A new attempt's runtime: a fresh token (older attempts' words are ignored from now on). */
  private begin(rt: TaskRuntime, now: number): number {
    rt.startedAt = now;
    rt.chunk = 0;
    rt.outputChars = 0;
    return ++rt.token;
  }

  private request(task: Task, slot: DeviceSlot, attempt: number, fields: { description: string; tips: readonly string[]; inputs?: unknown }): ExecutionRequest {
    return { runId: this.run.runId, taskId: task.id, attempt, name: task.name, description: fields.description, tips: fields.tips, inputs: fields.inputs, timeoutMs: task.timeoutMs, device: slot.id };
  }

  private sink(task: Task, rt: TaskRuntime, token: number, attempt: number): ExecutionSink {
    return {
      output: (stream, data) => {
        if (rt.token !== token || task.status !== 'running') return;
        rt.outputChars += data.length;
        this.run.emit('task_output', { taskId: task.id, attempt, stream, data, chunk: rt.chunk++ });
      },
    };
  }

  /** Times the attempt out and turns its outcome into events. */
  private follow(task: Task, rt: TaskRuntime, token: number, execution: Execution): void {
    rt.execution = execution;
    if (task.timeoutMs !== undefined) {
      const ms = task.timeoutMs;
      rt.timeout = this.run.clock.setTimer(ms, () => {
        if (rt.token !== token || task.status !== 'running') return;
        execution.cancel('timeout');
        this.onOutcome(task.id, token, { status: 'failed', error: { code: 'timeout', message: `no result within ${ms} ms` } });
      });
    }
    void execution.done.then(
      (outcome) => this.onOutcome(task.id, token, outcome),
      (err: unknown) => this.onOutcome(task.id, token, { status: 'failed', error: toTaskError(err) }),
    );
  }

  /** Frees the device of a running attempt; anything the attempt still says is ignored. */
  private release(rt: TaskRuntime): void {
    rt.timeout?.cancel();
    rt.timeout = undefined;
    rt.execution = undefined;
    const slot = this.run.placements.release(rt);
    if (slot) slot.slotFreedAt = this.run.clock.monotonic();
    rt.token++;
  }

  private onOutcome(taskId: string, token: number, outcome: ExecutionOutcome): void {
    const { run } = this;
    const task = run.constellation.tryTask(taskId);
    const rt = run.runtime(taskId);
    if (!task || !rt || rt.token !== token || task.status !== 'running' || run.isEnded) return;
    const device = run.placements.runningOn(rt)?.id ?? task.assignedDevice ?? '';
    const durationMs = run.clock.monotonic() - rt.startedAt;
    const outputChars = rt.outputChars || undefined;
    this.release(rt);
    if (outcome.status === 'completed') {
      run.emit('task_completed', { taskId, device, attempt: task.attempts, result: outcome.result, durationMs, outputChars });
      this.finished(task);
    } else if (outcome.status === 'failed') {
      this.failAttempt(task, outcome.error, device, outputChars);
    } else {
      run.emit('task_cancelled', { taskId, reason: outcome.reason ?? 'cancelled on the device', wasRunning: true, outputChars });
      this.finished(task);
    }
    run.lifecycle.afterChange();
  }

  private failAttempt(task: Task, error: TaskError, device: string, outputChars?: number): void {
    const { run } = this;
    const rt = run.runtime(task.id)!;
    if (task.attempts <= task.retries) {
      const retryInMs = task.retryBackoffMs * 2 ** (task.attempts - 1);
      run.emit('task_failed', { taskId: task.id, device, attempt: task.attempts, error, willRetry: true, retryInMs, outputChars });
      this.pendingRetries++;
      rt.retry = run.clock.setTimer(retryInMs, () => {
        rt.retry = undefined;
        this.pendingRetries--;
        if (run.isEnded || task.status !== 'pending') return;
        run.scheduling.apply(task.id, run.scheduling.readiness.recount(task.id));
        run.lifecycle.afterChange();
      });
      return;
    }
    run.emit('task_failed', { taskId: task.id, device, attempt: task.attempts, error, willRetry: false, outputChars });
    this.finished(task);
  }

  /** A task reached a final status: the edit rounds hear of it, then its dependants settle. */
  private finished(task: Task): void {
    // Take the edit lock first: tasks this completion readies are dispatched while settling.
    if (this.run.edits && (task.status === 'completed' || task.status === 'failed')) this.run.edits.noteCompletion(task.id);
    this.run.scheduling.settle(task.id);
  }

  /** Cancels one unfinished task: a running attempt is told to stop, a waiting retry is dropped. */
  cancel(task: Task, reason: string): void {
    const rt = this.run.runtime(task.id);
    const wasRunning = task.status === 'running';
    const outputChars = wasRunning ? rt?.outputChars || undefined : undefined;
    if (rt) {
      this.dropRetry(rt);
      if (wasRunning) {
        const exec = rt.execution;
        this.release(rt);
        exec?.cancel(reason);
      }
    }
    this.run.scheduling.dequeue(task);
    this.run.emit('task_cancelled', { taskId: task.id, reason, wasRunning, outputChars });
  }

  /** Stops a task's timers (the run ended, or the task was removed). */
  stopTimers(rt: TaskRuntime): void {
    this.dropRetry(rt);
    rt.timeout?.cancel();
  }

  private dropRetry(rt: TaskRuntime): void {
    if (!rt.retry) return;
    rt.retry.cancel();
    rt.retry = undefined;
    this.pendingRetries--;
  }

  /** Sends text to a running task's standard input. */
  sendInput(taskId: string, data: string): boolean {
    const exec = this.run.runtime(taskId)?.execution;
    if (!exec?.sendInput) return false;
    exec.sendInput(data);
    return true;
  }
}
