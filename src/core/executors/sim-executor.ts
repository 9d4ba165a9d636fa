import { z } from 'zod';
import type { Clock, TimerHandle } from '../clock';
import { systemClock } from '../clock';
import { formatPath } from '../model/json-path';
import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink, Executor } from './executor';

/** `inputs.sim`: how a simulated task behaves. */
export const simSpecSchema = z.strictObject({
  /** How long the task runs. 0 completes on the next turn of the event loop. */
  durationMs: z.number().min(0).max(86_400_000).optional(),
  /** Fail every attempt (true or a message). */
  fail: z.union([z.boolean(), z.string()]).optional(),
  /** Fail only the first n attempts. */
  failTimes: z.number().int().min(0).optional(),
  /** The result of a successful attempt (default `{ ok: true }`). */
  result: z.unknown().optional(),
  /** Output lines, spread over the duration. */
  output: z.union([z.string(), z.array(z.string())]).optional(),
  /** Echo what arrives on stdin to stdout, and finish when it receives `"EOF"`. */
  interactive: z.boolean().optional(),
});

export type SimSpec = z.output<typeof simSpecSchema>;

const NO_SPEC: SimSpec = Object.freeze({});
// Plans reuse the same inputs object for every attempt; validate it once.
const parsedSpecs = new WeakMap<object, SimSpec | { error: string }>();

/** Reads `inputs.sim`, or explains what is wrong with it. */
export function readSimSpec(inputs: unknown): SimSpec | { error: string } {
  if (typeof inputs !== 'object' || inputs === null || !('sim' in inputs) || inputs.sim === undefined) return NO_SPEC;
  const raw = inputs.sim;
  const key = typeof raw === 'object' && raw !== null ? raw : undefined;
  const cached = key && parsedSpecs.get(key);
  if (cached) return cached;
  const parsed = simSpecSchema.safeParse(raw);
  const issue = parsed.error?.issues[0];
  const spec = parsed.success ? parsed.data : { error: `inputs.sim${issue?.path.length ? `.${formatPath(issue.path)}` : ''}: ${issue?.message ?? 'invalid'}` };
  if (key) parsedSpecs.set(key, spec);
  return spec;
}

/**
 * An in-process executor that simulates work as `inputs.sim` describes: for demos, tests,
 * benchmarks and fault injection. Zero-duration tasks finish on the next turn (`setImmediate`, one for all of them), not a timer,
 * so a benchmark measures the orchestrator rather than timer granularity.
 */
export class SimExecutor implements Executor {
  /** Zero-duration finishes due on the next turn: one `setImmediate` serves them all. */
  private nextTurn: (() => void)[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  private onNextTurn(fn: () => void): void {
    if (this.nextTurn.push(fn) > 1) return;
    setImmediate(() => {
      const due = this.nextTurn;
      this.nextTurn = [];
      for (const f of due) f();
    });
  }

  start(request: ExecutionRequest, sink: ExecutionSink): Execution {
    const spec = readSimSpec(request.inputs);
    let settle!: (o: ExecutionOutcome) => void;
    let settled = false;
    const done = new Promise<ExecutionOutcome>((resolve) => (settle = resolve));
    const timers: TimerHandle[] = [];
    const finish = (outcome: ExecutionOutcome) => {
      if (settled) return;
      settled = true;
      for (const t of timers) t.cancel();
      settle(outcome);
    };
    if ('error' in spec) {
      finish({ status: 'failed', error: { code: 'bad_inputs', message: spec.error } });
      return { done, cancel: () => undefined };
    }

    const outcome = simOutcome(spec, request.attempt);
    const duration = spec.durationMs ?? 0;
    if (spec.output === undefined && !spec.interactive && duration === 0) {
      // The benchmark's hot path: no output, no timers, done on the next turn.
      this.onNextTurn(() => finish(outcome));
      return { done, cancel: (reason) => finish({ status: 'cancelled', reason: reason ?? 'cancelled' }) };
    }
    const lines = spec.output === undefined ? [] : Array.isArray(spec.output) ? spec.output : [spec.output];
    lines.forEach((line, i) => {
      const at = lines.length === 1 ? 0 : (duration * i) / lines.length;
      const emit = () => !settled && sink.output('stdout', line.endsWith('\n') ? line : `${line}\n`);
      if (at === 0) emit();
      else timers.push(this.clock.setTimer(at, emit));
    });
    if (!spec.interactive) {
      if (duration === 0) this.onNextTurn(() => finish(outcome));
      else timers.push(this.clock.setTimer(duration, () => finish(outcome)));
    }
    return {
      done,
      cancel: (reason) => finish({ status: 'cancelled', reason: reason ?? 'cancelled' }),
      sendInput: (data) => {
        if (settled || !spec.interactive) return;
        if (data.trim() === 'EOF') finish(outcome);
        else sink.output('stdout', data);
      },
    };
  }
}

const DEFAULT_SUCCESS: ExecutionOutcome = { status: 'completed', result: { ok: true } };

function simOutcome(spec: SimSpec, attempt: number): ExecutionOutcome {
  const failing = spec.fail !== undefined && spec.fail !== false ? true : spec.failTimes !== undefined && attempt <= spec.failTimes;
  if (failing) {
    const message = typeof spec.fail === 'string' ? spec.fail : `simulated failure on attempt ${attempt}`;
    return { status: 'failed', error: { code: 'sim_failure', message } };
  }
  return spec.result === undefined ? DEFAULT_SUCCESS : { status: 'completed', result: spec.result };
}
