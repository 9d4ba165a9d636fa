import * as vscode from 'vscode';
import type { RunEvent } from '../../core/events/event-map';
import { isTerminal } from '../../core/model/types';
import type { RunHandle } from '../run/run-service';
import { isActive, runStateOf } from '../run/run-handle';
import { runPaths } from '../../runtime/file-journal-store';
import { readOutputTail } from '../../runtime/output-files';
import { describeTaskStep } from '../../core/report/event-text';
import { formatDuration } from '../../core/report/words';

const CSI = '\x1b[';
const dim = (s: string) => `${CSI}2m${s}${CSI}0m`;
const red = (s: string) => `${CSI}31m${s}${CSI}0m`;
const green = (s: string) => `${CSI}32m${s}${CSI}0m`;
const yellow = (s: string) => `${CSI}33m${s}${CSI}0m`;
/** A task event as the terminal's line: icon and words from the one wording of task steps. */
const step = (e: RunEvent) => {
  const s = describeTaskStep(e);
  return s ? `${s.icon} ${s.text}` : '';
};
/** Output as the terminal shows it: stderr red, the device's own notes dim. */
const styled = (stream: string, data: string) => (stream === 'stderr' ? red(crlf(data)) : stream === 'log' ? dim(crlf(data)) : crlf(data));
/** Live output waiting for the next flush, at most; older parts of it are skipped. */
const MAX_PENDING = 64 * 1024;
/** Characters of what was written kept in `written`. */
const WRITTEN_KEPT = 1024 * 1024;
/** Terminals want CRLF; output from devices has LF. */
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/**
 * The terminal of one task of one run: its output so far and live, typed input forwarded to
 * its standard input, Ctrl+C cancels it, the exit status at the end, and `r` runs the
 * finished task again (in place if its run can retry it, else as a new run). Each instance owns
 * its emitters.
 */
export class TaskTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** Everything written, for tests and for a terminal reopened in the same session. */
  written = '';
  private sub: vscode.Disposable | undefined;
  private line = '';
  private rerunning = false;
  private pending: string[] = [];
  private pendingChars = 0;
  private skipped = 0;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private run: RunHandle,
    readonly taskId: string,
    private readonly events: vscode.Event<{ run: RunHandle; event: RunEvent }>,
    /** Runs the finished task again (in place or as a new run); a rejection is shown here. */
    private readonly again: (run: RunHandle, taskId: string) => Promise<unknown>,
  ) {}

  /** The run this terminal shows. */
  get runHandle(): RunHandle {
    return this.run;
  }

  open(): void {
    const task = this.run.constellation.tryTask(this.taskId);
    this.write(`${dim(`${this.run.name} › ${this.taskId}`)}${task?.name && task.name !== this.taskId ? ` ${task.name}` : ''}\r\n`);
    this.replay(task?.attempts ?? 0);
    if (task && isTerminal(task.status)) this.footer();
    else if (!isActive(this.run)) this.write(dim(`(this run is ${runStateOf(this.run)}, not running in this window: resume it to follow the task live)\r\n`));
    // Events of the run by its id: a past run resumed in this window is the same run.
    this.sub = this.events(({ run, event }) => {
      if (run.id !== this.run.id || !('taskId' in event) || event.taskId !== this.taskId) return;
      this.run = run;
      this.onEvent(event);
    });
  }

  /**
   * The output so far: a journaled run's from its output files (every attempt, the last MiB of
   * each: what an earlier window saw and what came while no window was attached), else what
   * this window kept.
   */
  private replay(attempts: number): void {
    const journal = this.run.journal;
    if (!journal) {
      const kept = this.run.outputs.of(this.taskId);
      if (kept.dropped > 0) this.write(dim(`[${kept.dropped} earlier characters not kept]\r\n`));
      for (const c of kept.chunks) this.write(styled(c.stream, c.data));
      return;
    }
    const dir = runPaths(journal.root, this.run.id).dir;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const tail = readOutputTail(dir, this.taskId, attempt, WRITTEN_KEPT);
      if (attempts > 1) this.write(dim(`── attempt ${attempt} ──\r\n`));
      if (!tail) continue;
      if (tail.skipped > 0) this.write(dim(`[${tail.skipped} earlier bytes are in ${vscode.workspace.asRelativePath(dir)}]\r\n`));
      for (const p of tail.pieces) this.write(styled(p.stream, p.data));
    }
  }

  private onEvent(e: RunEvent): void {
    // Status lines come after the output that preceded them.
    if (e.type !== 'task_output') this.flushOutput();
    switch (e.type) {
      case 'task_started':
      case 'task_adopted':
      case 'task_interrupted':
        this.write(dim(`${step(e)}\r\n`));
        return;
      case 'task_output':
        this.writeOutput(e.stream, e.data);
        return;
      case 'task_completed':
      case 'task_cancelled':
      case 'task_skipped':
        this.footer();
        return;
      case 'task_failed':
        if (e.willRetry) this.write(yellow(`${step(e)}\r\n`));
        else this.footer();
        return;
      default:
        return;
    }
  }

  private footer(): void {
    const t = this.run.constellation.tryTask(this.taskId);
    if (!t) return;
    const took = t.startedAt && t.endedAt ? ` in ${formatDuration(Date.parse(t.endedAt) - Date.parse(t.startedAt))}` : '';
    if (t.status === 'completed') this.write(green(`✔ completed${took}\r\n`));
    else if (t.status === 'skipped') this.write(dim(`↷ skipped: ${t.error?.message ?? ''}\r\n`));
    else this.write(red(`✖ ${t.status}${took}: ${t.error?.message ?? ''}${t.error ? ` [${t.error.code}]` : ''}\r\n`));
    this.write(dim('press r to run it again\r\n'));
  }

  handleInput(data: string): void {
    const t = this.run.constellation.tryTask(this.taskId);
    if (!t) return;
    if (t.status !== 'running') {
      if (data.toLowerCase() !== 'r' || !isTerminal(t.status) || this.rerunning) return;
      this.rerunning = true;
      this.write(dim('↻ running it again\r\n'));
      this.again(this.run, this.taskId).then(
        () => (this.rerunning = false),
        (err: unknown) => {
          this.rerunning = false;
          this.write(red(`✖ ${err instanceof Error ? err.message : String(err)}\r\n`));
        },
      );
      return;
    }
    if (data === '\x03') {
      this.write(yellow('^C\r\n'));
      if (!this.run.orchestrator?.cancelTask(this.taskId, 'cancelled with Ctrl+C in its terminal')) this.write(dim('(the task is not running in this window)\r\n'));
      return;
    }
    // Echo locally and send whole lines, as a line-buffered terminal would.
    for (const ch of data) {
      if (ch === '\r') {
        this.write('\r\n');
        this.run.orchestrator?.sendInput(this.taskId, `${this.line}\n`);
        this.line = '';
      } else if (ch === '\x7f') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.write('\b \b');
        }
      } else if (ch === '\x04') {
        this.run.orchestrator?.sendInput(this.taskId, '\x04');
      } else if (ch >= ' ') {
        this.line += ch;
        this.write(ch);
      }
    }
  }

  /**
   * Live output reaches the terminal at most every 50 ms, and at most the last 64 KiB of what
   * came meanwhile: a task that floods its output cannot flood the window (its whole output is
   * in the run's output files).
   */
  private writeOutput(stream: string, data: string): void {
    const text = styled(stream, data);
    this.pending.push(text);
    this.pendingChars += text.length;
    while (this.pendingChars > MAX_PENDING && this.pending.length > 1) {
      const first = this.pending.shift()!;
      this.pendingChars -= first.length;
      this.skipped += first.length;
    }
    this.flushTimer ??= setTimeout(() => this.flushOutput(), 50);
  }

  private flushOutput(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.skipped > 0) this.write(dim(`\r\n[… ${this.skipped} characters of output not shown here; the whole output is in the run's output files]\r\n`));
    this.skipped = 0;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (text) this.write(text);
  }

  private write(text: string): void {
    // What was written is kept for tests and reopening, the last MiB of it.
    this.written = (this.written + text).slice(-WRITTEN_KEPT);
    this.writeEmitter.fire(text);
  }

  close(): void {
    this.flushOutput();
    this.sub?.dispose();
    this.sub = undefined;
  }

  dispose(): void {
    this.close();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
