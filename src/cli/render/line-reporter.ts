import type { Disposable } from '../../core/events/event-bus';
import type { Orchestrator } from '../../core/orchestrator/orchestrator';
import type { OutStream } from '../io';
import { describeEvent } from '../../core/report/event-text';
import { OutputLines } from '../../core/report/output-lines';
import { oneLine, plural } from '../../core/report/words';
import { toneColour, type Style } from './format';

const VERB_WIDTH = 11;
/** Longest output line shown; the rest of it is counted. */
const MAX_LINE = 2_000;
/** Output lines shown per task per second; the rest are counted. */
const LINES_PER_SECOND = 200;

/** Shows a run while it goes; the session starts it before the run and stops it after. */
export interface ProgressView {
  /** A message from the session (e.g. "cancelling…"), kept visible. */
  note(text: string): void;
  stop(): void;
}

/**
 * Progress for logs and pipes: one plain line per notable event, with the time since the start,
 * and task output prefixed by `[taskId]`. Cancellations of tasks that had not started are
 * summed into one line rather than listed.
 */
export class LineReporter implements ProgressView {
  private readonly subscription: Disposable;
  private readonly lines = new Map<string, OutputLines>();
  /** Per task: output lines shown in the current second, and lines left out since the last note. */
  private readonly rate = new Map<string, { second: number; shown: number; skipped: number }>();
  private readonly startedAt = Date.now();
  private cancelledWaiting = 0;

  constructor(
    orchestrator: Orchestrator,
    private readonly stream: OutStream,
    private readonly style: Style,
    private readonly showOutput = true,
  ) {
    const c = orchestrator.constellation;
    this.subscription = orchestrator.events.onAny((e) => {
      if (e.type === 'task_output') {
        if (this.showOutput) this.output(e.taskId, e.data);
        return;
      }
      if (e.type === 'task_cancelled' && !e.wasRunning) {
        this.cancelledWaiting++;
        return;
      }
      if (e.type === 'task_completed' || e.type === 'task_failed' || e.type === 'task_cancelled') this.flushOutput(e.taskId);
      if (e.type === 'constellation_completed' || e.type === 'constellation_failed') this.flushCancelled();
      const line = describeEvent(e, c);
      if (!line) return;
      this.write(`${this.style.gray(this.elapsed())}  ${toneColour(this.style, line.tone)(line.verb.padEnd(VERB_WIDTH))} ${line.text}`);
    });
  }

  note(text: string): void {
    this.write(`${this.style.gray(this.elapsed())}  ${this.style.yellow(text)}`);
  }

  stop(): void {
    this.subscription.dispose();
    for (const id of [...this.lines.keys()]) this.flushOutput(id);
    this.flushCancelled();
  }

  private output(taskId: string, data: string): void {
    let split = this.lines.get(taskId);
    if (!split) {
      split = new OutputLines(MAX_LINE);
      this.lines.set(taskId, split);
    }
    for (const line of split.push(data)) this.outputLine(taskId, line);
  }

  /** A log is for reading: past a few hundred lines a second per task, lines are counted, not shown. */
  private outputLine(taskId: string, line: string): void {
    const second = Math.floor(Date.now() / 1000);
    let r = this.rate.get(taskId);
    if (!r) {
      r = { second, shown: 0, skipped: 0 };
      this.rate.set(taskId, r);
    }
    if (r.second !== second) {
      this.noteSkipped(taskId, r);
      r.second = second;
      r.shown = 0;
    }
    if (r.shown >= LINES_PER_SECOND) {
      r.skipped++;
      return;
    }
    r.shown++;
    this.write(`${this.style.dim(`[${taskId}]`)} ${oneLine(line)}`);
  }

  private noteSkipped(taskId: string, r: { skipped: number }): void {
    if (r.skipped === 0) return;
    this.write(`${this.style.dim(`[${taskId}]`)} ${this.style.gray(`… ${plural(r.skipped, 'line')} not shown here (the whole output is in the run's output file)`)}`);
    r.skipped = 0;
  }

  private flushOutput(taskId: string): void {
    const rest = this.lines.get(taskId)?.flush();
    this.lines.delete(taskId);
    if (rest !== undefined) this.outputLine(taskId, rest);
    const r = this.rate.get(taskId);
    if (r) this.noteSkipped(taskId, r);
    this.rate.delete(taskId);
  }

  private flushCancelled(): void {
    if (this.cancelledWaiting === 0) return;
    const n = this.cancelledWaiting;
    this.cancelledWaiting = 0;
    this.write(`${this.style.gray(this.elapsed())}  ${this.style.magenta('cancelled'.padEnd(VERB_WIDTH))} ${plural(n, 'task')} that had not started`);
  }

  private elapsed(): string {
    return `+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s`.padStart(7);
  }

  private write(line: string): void {
    this.stream.write(`${line}\n`);
  }
}
