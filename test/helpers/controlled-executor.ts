import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink, Executor } from '../../src/core/executors/executor';

/** One attempt the test controls by hand. */
export interface ControlledRun {
  readonly request: ExecutionRequest;
  readonly sink: ExecutionSink;
  readonly inputs: string[];
  cancelled?: string;
  finish(outcome: ExecutionOutcome): void;
}

/** An executor whose tasks finish only when the test finishes them; records every start. */
export class ControlledExecutor implements Executor {
  readonly runs: ControlledRun[] = [];

  constructor(readonly name = 'controlled') {}

  /** Attempts this "device" still holds for a later process (`taskId#attempt` → output written meanwhile). */
  private readonly heldOutput = new Map<string, readonly string[]>();
  /** Tasks taken over through {@link adopt}, in order. */
  readonly adopted: string[] = [];

  /** Holds an attempt for a later process, as a device agent keeps the tasks of a detached run. */
  hold(taskId: string, attempt: number, meanwhile: readonly string[] = []): void {
    this.heldOutput.set(`${taskId}#${attempt}`, meanwhile);
  }

  /** Takes over a held attempt: a new controlled run (finish it as any other), the output meanwhile replayed first. */
  adopt(request: ExecutionRequest, sink: ExecutionSink): Execution | undefined {
    const key = `${request.taskId}#${request.attempt}`;
    const meanwhile = this.heldOutput.get(key);
    if (!meanwhile) return undefined;
    this.heldOutput.delete(key);
    this.adopted.push(request.taskId);
    const execution = this.start(request, sink);
    queueMicrotask(() => {
      for (const d of meanwhile) sink.output('stdout', d);
    });
    return execution;
  }

  start(request: ExecutionRequest, sink: ExecutionSink): Execution {
    let resolve!: (o: ExecutionOutcome) => void;
    let settled = false;
    const done = new Promise<ExecutionOutcome>((r) => (resolve = r));
    const run: ControlledRun = {
      request,
      sink,
      inputs: [],
      finish: (o) => {
        if (settled) return;
        settled = true;
        resolve(o);
      },
    };
    this.runs.push(run);
    return {
      done,
      cancel: (reason) => {
        run.cancelled = reason ?? 'cancelled';
        run.finish({ status: 'cancelled', reason: run.cancelled });
      },
      sendInput: (data) => run.inputs.push(data),
    };
  }

  /** Ids in start order. */
  get started(): string[] {
    return this.runs.map((r) => r.request.taskId);
  }

  /** The latest attempt of a task. */
  run(taskId: string): ControlledRun {
    const r = [...this.runs].reverse().find((x) => x.request.taskId === taskId);
    if (!r) throw new Error(`task ${taskId} was never started; started: ${this.started.join(', ')}`);
    return r;
  }

  complete(taskId: string, result: unknown = { ok: true }): void {
    this.run(taskId).finish({ status: 'completed', result });
  }

  fail(taskId: string, message = 'boom', code = 'failed'): void {
    this.run(taskId).finish({ status: 'failed', error: { code, message } });
  }
}
