import { fork } from 'node:child_process';
import { findCase, LOCK_CAP_MS } from './cases';
import { measureCase, type Sample } from './measure';

/** Backstop for a child that neither reports nor exits (the LOCK cap is enforced inside). */
const KILL_AFTER_MS = LOCK_CAP_MS + 60_000;

function isSample(value: unknown): value is Sample {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.case === 'string' && typeof v.state === 'string' && typeof v.metrics === 'object';
}

function failed(name: string, error: string, timedOut = false): Sample {
  return { case: name, state: 'failed', timedOut, metrics: {}, error };
}

/**
 * Measures one case in a fresh Node process (a fork of this bundle), so peak RSS and CPU
 * belong to that case alone and no JIT or heap state leaks from one case into the next.
 */
export function runInChild(name: string, warmup: number): Promise<Sample> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--case', name, '--warmup', String(warmup)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Sample | undefined;
    const killer = setTimeout(() => {
      result ??= failed(name, `no result within ${KILL_AFTER_MS} ms; killed`, true);
      child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    child.on('message', (msg: unknown) => {
      if (isSample(msg)) result = msg;
    });
    child.on('error', (err) => {
      result ??= failed(name, `could not start: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(result ?? failed(name, `child exited with ${signal ?? `code ${String(code)}`} before reporting`));
    });
  });
}

/**
 * Child side: measures `name` and hands the sample to the parent over IPC, or prints it when
 * run by hand (`node --cpu-prof dist/bench.js --case W3`).
 */
export async function childMain(name: string, warmup: number): Promise<void> {
  const c = findCase(name);
  if (!c) throw new Error(`unknown case '${name}'`);
  let sample: Sample;
  try {
    sample = await measureCase(c, warmup);
  } catch (err) {
    sample = failed(name, err instanceof Error ? err.message : String(err));
  }
  const send = process.send?.bind(process);
  if (send) {
    // Exit once the message is flushed: leftover timers of a cancelled run must not linger.
    send(sample, undefined, {}, () => process.exit(0));
  } else {
    process.stdout.write(`${JSON.stringify(sample, null, 2)}\n`);
    process.exitCode = sample.error ? 1 : 0;
  }
}
