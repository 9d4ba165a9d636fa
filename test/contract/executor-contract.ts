import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputStream } from '../../src/core/events/event-map';
import type { Execution, ExecutionRequest, Executor } from '../../src/core/executors/executor';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { aConstellation, aDependency, aTask } from '../helpers/builders';

/** How a kind of executor is asked to do each thing the contract checks. */
export interface Dialect {
  readonly name: string;
  success: { inputs: unknown; result: unknown };
  failure: { inputs: unknown; code: string; message: RegExp };
  lines(n: number): { inputs: unknown; text: string };
  /** Prints `started` at once, then runs for a minute unless stopped. */
  long: unknown;
  /** Echoes standard input to standard output until `eof` arrives. */
  echo: { inputs: unknown; eof: string };
  /** Prints `text` (megabytes of it). */
  big(): { inputs: unknown; text: string };
}

/** An executor under test, and how to let go of it. */
export interface Subject {
  readonly executor: Executor;
  close(): Promise<void> | void;
}

let seq = 0;

function request(inputs: unknown, extra: Partial<ExecutionRequest> = {}): ExecutionRequest {
  seq++;
  return { runId: 'contract', taskId: `contract-${seq}`, attempt: 1, name: `contract ${seq}`, description: '', tips: [], inputs, device: 'd', ...extra };
}

/** Starts a task and collects its output. */
function run(executor: Executor, inputs: unknown) {
  const chunks: { stream: OutputStream; data: string }[] = [];
  const exec: Execution = executor.start(request(inputs), { output: (stream, data) => chunks.push({ stream, data }) });
  const text = (stream: OutputStream = 'stdout') => chunks.filter((c) => c.stream === stream).map((c) => c.data).join('');
  return { exec, chunks, text };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The executor contract: every executor (in-process or a WebSocket device) must pass the same
 * cases, so the orchestrator cannot tell them apart.
 */
export function executorContract(label: string, dialect: Dialect, make: () => Promise<Subject>): void {
  describe(`executor contract: ${label}`, () => {
    let subject: Subject;
    before(async () => {
      subject = await make();
    });
    after(async () => {
      await subject.close();
    });

    it('success: completes with the result', async () => {
      const { exec } = run(subject.executor, dialect.success.inputs);
      const outcome = await within(exec.done, 10_000, 'success');
      assert.deepEqual(outcome, { status: 'completed', result: dialect.success.result });
    });

    it('failure: fails with a coded error', async () => {
      const { exec } = run(subject.executor, dialect.failure.inputs);
      const outcome = await within(exec.done, 10_000, 'failure');
      assert.equal(outcome.status, 'failed');
      const error = outcome.error;
      assert.equal(error.code, dialect.failure.code);
      assert.match(error.message, dialect.failure.message);
    });

    it('output arrives complete and in order', async () => {
      const { inputs, text } = dialect.lines(300);
      const r = run(subject.executor, inputs);
      assert.equal((await within(r.exec.done, 10_000, 'lines')).status, 'completed');
      assert.equal(r.text(), text);
    });

    it('cancel stops a running task, which ends cancelled', async () => {
      const r = run(subject.executor, dialect.long);
      await until(() => r.text().includes('started'), 'the task to start');
      r.exec.cancel('stop it');
      const outcome = await within(r.exec.done, 10_000, 'cancel');
      assert.equal(outcome.status, 'cancelled');
    });

    it('a timeout fails the task with code timeout and frees the device for the next task', async () => {
      const c = aConstellation(
        [aTask('slow', { inputs: dialect.long, timeoutMs: 300 }), aTask('next', { inputs: dialect.success.inputs })],
        [aDependency('slow', 'next', 'completion_only')],
      );
      const o = new Orchestrator(c, { devices: [{ id: 'd', executor: subject.executor }] });
      const report = await within(o.run(), 15_000, 'timeout run');
      assert.equal(c.task('slow').status, 'failed');
      assert.equal(c.task('slow').error?.code, 'timeout');
      assert.equal(c.task('next').status, 'completed');
      assert.equal(report.state, 'partially_failed');
    });

    it('stdin reaches the task; end of input lets it finish', async () => {
      const r = run(subject.executor, dialect.echo.inputs);
      const send = (data: string) => r.exec.sendInput?.(data);
      assert.ok(r.exec.sendInput !== undefined, 'the execution takes input');
      send('hello device\n');
      await until(() => r.text().includes('hello device'), 'the echo');
      send(dialect.echo.eof);
      assert.equal((await within(r.exec.done, 10_000, 'stdin')).status, 'completed');
    });

    it('large output (megabytes) arrives intact and in order', async () => {
      const { inputs, text } = dialect.big();
      const r = run(subject.executor, inputs);
      assert.equal((await within(r.exec.done, 30_000, 'large output')).status, 'completed');
      const got = r.text();
      assert.equal(got.length, text.length);
      assert.ok(got === text, 'same text, same order');
    });
  });
}

/** `inputs.sim` versions of the cases. */
export const SIM_DIALECT: Dialect = {
  name: 'sim',
  success: { inputs: { sim: { result: { answer: 42 } } }, result: { answer: 42 } },
  failure: { inputs: { sim: { fail: 'disk on fire' } }, code: 'sim_failure', message: /disk on fire/ },
  lines: (n) => {
    const lines = Array.from({ length: n }, (_, i) => `line ${i + 1}`);
    return { inputs: { sim: { output: lines, durationMs: 50 } }, text: lines.map((l) => `${l}\n`).join('') };
  },
  long: { sim: { output: 'started', durationMs: 60_000 } },
  echo: { inputs: { sim: { interactive: true } }, eof: 'EOF' },
  big: () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(993)}`);
    return { inputs: { sim: { output: lines } }, text: lines.map((l) => `${l}\n`).join('') };
  },
};

/** `inputs.command` versions of the cases. */
export const SHELL_DIALECT: Dialect = {
  name: 'shell',
  success: { inputs: { command: ['sh', '-c', 'echo ok'] }, result: { exitCode: 0, stdout: 'ok' } },
  failure: { inputs: { command: 'echo broken >&2; exit 3' }, code: 'exit_code', message: /exited with code 3/ },
  lines: (n) => ({
    inputs: { command: `i=1; while [ $i -le ${n} ]; do echo "line $i"; i=$((i+1)); done` },
    text: Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join(''),
  }),
  long: { command: 'echo started; sleep 60' },
  echo: { inputs: { command: ['cat'] }, eof: '\u0004' },
  big: () => ({ inputs: { command: ['seq', '1', '400000'] }, text: Array.from({ length: 400_000 }, (_, i) => `${i + 1}\n`).join('') }),
};
