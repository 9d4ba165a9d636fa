import type { Disposable } from '../../core/events/event-bus';
import type { Orchestrator } from '../../core/orchestrator/orchestrator';
import type { OutStream } from '../io';
import { describeEvent } from '../../core/report/event-text';
import { oneLine, plural } from '../../core/report/words';
import { toneColour, type Style } from './format';

const VERB_WIDTH = 11;

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
  private readonly partial = new Map<string, string>();
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
    for (const id of [...this.partial.keys()]) this.flushOutput(id);
    this.flushCancelled();
  }

  private output(taskId: string, data: string): void {
    const text = (this.partial.get(taskId) ?? '') + data;
    const lines = text.split('\n');
    this.partial.set(taskId, lines.pop()!);
    for (const line of lines) this.write(`${this.style.dim(`[${taskId}]`)} ${oneLine(line)}`);
  }

  private flushOutput(taskId: string): void {
    const rest = this.partial.get(taskId);
    this.partial.delete(taskId);
    if (rest) this.write(`${this.style.dim(`[${taskId}]`)} ${oneLine(rest)}`);
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
