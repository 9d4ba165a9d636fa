import { spawn, type ChildProcess } from 'node:child_process';
import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink, Executor } from '../../core/executors/executor';

/** How long a cancelled process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** `inputs.command` as argv, or an explanation of what is wrong with it. */
export function readCommand(inputs: unknown): { argv: string[]; shell: boolean } | { error: string } {
  const command = typeof inputs === 'object' && inputs !== null ? (inputs as Record<string, unknown>).command : undefined;
  if (typeof command === 'string') {
    return command.trim() === '' ? { error: 'inputs.command is empty' } : { argv: [command], shell: true };
  }
  if (Array.isArray(command)) {
    if (command.length === 0) return { error: 'inputs.command is an empty array' };
    const bad = command.findIndex((a) => typeof a !== 'string');
    if (bad >= 0) return { error: `inputs.command[${bad}] must be a string` };
    return { argv: command as string[], shell: false };
  }
  return { error: "inputs.command is missing: give a string (run by /bin/sh) or an argv array, e.g. ['ls', '-l']" };
}

/**
 * Runs `inputs.command` in a working directory: a string through `/bin/sh -c` (`cmd.exe /d /s /c`
 * on Windows), an array as
 * argv. Output is streamed as it comes, stdin is forwarded, cancel stops the whole process
 * group (SIGTERM, then SIGKILL). The result is the exit code and the tail of stdout; a non-zero
 * exit fails the task with the last line of stderr in the message.
 */
export class ShellExecutor implements Executor {
  constructor(private readonly workdir: string) {}

  start(request: ExecutionRequest, sink: ExecutionSink): Execution {
    const cmd = readCommand(request.inputs);
    if ('error' in cmd) return settled({ status: 'failed', error: { code: 'bad_inputs', message: cmd.error } });
    let child: ChildProcess;
    try {
      const options = { cwd: this.workdir, detached: true, stdio: ['pipe', 'pipe', 'pipe'] as ('pipe')[] };
      if (!cmd.shell) child = spawn(cmd.argv[0]!, cmd.argv.slice(1), options);
      // The shells the orchestrator quotes substituted values for: /bin/sh, or cmd.exe on Windows.
      else if (process.platform === 'win32') child = spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${cmd.argv[0]!}"`], { ...options, windowsVerbatimArguments: true });
      else child = spawn('/bin/sh', ['-c', cmd.argv[0]!], options);
    } catch (err) {
      return settled({ status: 'failed', error: { code: 'spawn_failed', message: err instanceof Error ? err.message : String(err) } });
    }
    let cancelReason: string | undefined;
    let killer: NodeJS.Timeout | undefined;
    // The tail of each stream is kept for the result (stdout) and the error (stderr).
    let stdoutTail = '';
    let stderrTail = '';
    // While the consumer is behind, both pipes pause: the child blocks on a full pipe instead of
    // its output piling up in memory.
    let waiting = false;
    const slowDown = () => {
      const wait = waiting ? undefined : sink.backlog?.();
      if (!wait) return;
      waiting = true;
      child.stdout?.pause();
      child.stderr?.pause();
      void wait.then(() => {
        waiting = false;
        child.stdout?.resume();
        child.stderr?.resume();
      });
    };
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdoutTail = keepTail(stdoutTail + d);
      sink.output('stdout', d);
      slowDown();
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderrTail = keepTail(stderrTail + d);
      sink.output('stderr', d);
      slowDown();
    });
    child.stdin?.on('error', () => undefined); // a process that exits before reading its input is not an error
    const done = new Promise<ExecutionOutcome>((resolve) => {
      child.once('error', (err) => resolve({ status: 'failed', error: { code: 'spawn_failed', message: `${cmd.argv[0]!}: ${err.message}` } }));
      child.once('close', (code, signal) => {
        if (killer) clearTimeout(killer);
        if (cancelReason !== undefined) resolve({ status: 'cancelled', reason: cancelReason });
        else if (code === 0) resolve({ status: 'completed', result: { exitCode: 0, stdout: stdoutTail.trimEnd() } });
        else if (code !== null) resolve({ status: 'failed', error: { code: 'exit_code', message: `exited with code ${code}${lastLine(stderrTail)}` } });
        else resolve({ status: 'failed', error: { code: 'signal', message: `killed by ${signal ?? 'a signal'}` } });
      });
    });
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // the group is already gone
      }
    };
    return {
      done,
      cancel: (reason) => {
        if (cancelReason !== undefined || child.exitCode !== null) return;
        cancelReason = reason ?? 'cancelled';
        signalGroup('SIGTERM');
        killer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
        killer.unref();
      },
      sendInput: (data) => {
        if (!child.stdin?.writable) return;
        // Ctrl+D from a terminal closes standard input, as a shell would.
        if (data === '\u0004') child.stdin.end();
        else child.stdin.write(data);
      },
    };
  }
}

function settled(outcome: ExecutionOutcome): Execution {
  return { done: Promise.resolve(outcome), cancel: () => undefined };
}

/** Characters of each stream kept for the result and the error message. */
const TAIL_CHARS = 4096;

function keepTail(s: string): string {
  return s.length > TAIL_CHARS ? s.slice(s.length - TAIL_CHARS) : s;
}

/** `: <last non-empty line of stderr>`, or nothing. */
function lastLine(stderr: string): string {
  const line = stderr.trimEnd().split('\n').pop()?.trim() ?? '';
  return line === '' ? '' : `: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`;
}
