import type { Disposable } from '../../core/events/event-bus';
import type { Orchestrator } from '../../core/orchestrator/orchestrator';
import type { OutStream } from '../io';
import { describeEvent } from '../../core/report/event-text';
import { OutputLines } from '../../core/report/output-lines';
import { formatDuration, oneLine } from '../../core/report/words';
import { pad, statusColour, toneColour, truncate, type Style } from './format';
import type { ProgressView } from './line-reporter';

interface RunningTask {
  readonly device: string;
  readonly attempt: number;
  readonly since: number;
  readonly lines: string[];
  readonly split: OutputLines;
}

const FRAME_MS = 100;
const RECENT = 5;
const OUTPUT_LINES = 2;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/**
 * A progress display redrawn in place on a terminal, at most ten times a second: a bar with
 * counts per status, running tasks with device, elapsed time and their last output lines,
 * and the most recent notable events. Drawn on a timer, never from inside an event, so the
 * scheduler never waits for the terminal.
 */
export class LiveDisplay implements ProgressView {
  private readonly subscription: Disposable;
  private readonly running = new Map<string, RunningTask>();
  private readonly recent: { text: string; routine: boolean }[] = [];
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  private drawnLines = 0;
  private dirty = true;
  private stopped = false;
  private readonly restoreCursor = () => this.stream.write(SHOW_CURSOR);

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly stream: OutStream,
    private readonly style: Style,
  ) {
    const c = orchestrator.constellation;
    this.subscription = orchestrator.events.onAny((e) => {
      this.dirty = true;
      if (e.type === 'task_started') this.running.set(e.taskId, { device: e.device, attempt: e.attempt, since: Date.now(), lines: [], split: new OutputLines(300) });
      else if (e.type === 'task_output') this.output(e.taskId, e.data);
      else if (e.type === 'task_completed' || e.type === 'task_failed' || e.type === 'task_cancelled') this.running.delete(e.taskId);
      if (e.type === 'task_started' || e.type === 'task_cancelled') return; // the running list shows these
      const line = describeEvent(e, c);
      if (line) this.remember(toneColour(this.style, line.tone)(`${line.icon} ${line.text}`), e.type === 'task_completed');
    });
    this.stream.write(HIDE_CURSOR);
    process.once('exit', this.restoreCursor);
    this.timer = setInterval(() => this.tick(), FRAME_MS);
    this.timer.unref();
  }

  note(text: string): void {
    this.remember(this.style.yellow(`! ${text}`));
    this.draw();
  }

  /** Erases the display, so the final summary takes its place. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.subscription.dispose();
    this.stream.write(this.erase() + SHOW_CURSOR);
    this.drawnLines = 0;
    process.off('exit', this.restoreCursor);
  }

  /** Keeps the last few events; routine ones (completions) make room first, so failures stay in view. */
  private remember(text: string, routine = false): void {
    this.recent.push({ text, routine });
    if (this.recent.length <= RECENT) return;
    const oldestRoutine = this.recent.findIndex((r) => r.routine);
    this.recent.splice(oldestRoutine >= 0 && oldestRoutine < this.recent.length - 1 ? oldestRoutine : 0, 1);
  }

  private output(taskId: string, data: string): void {
    const t = this.running.get(taskId);
    if (!t) return;
    // Only the last lines are shown: a flood costs a scan of each chunk, nothing more.
    const fresh = t.split.push(data);
    for (const p of fresh.slice(-OUTPUT_LINES)) if (oneLine(p) !== '') t.lines.push(oneLine(p));
    if (t.lines.length > OUTPUT_LINES) t.lines.splice(0, t.lines.length - OUTPUT_LINES);
  }

  private tick(): void {
    // Elapsed times move while anything runs; otherwise redraw only on change.
    if (this.dirty || this.running.size > 0) this.draw();
  }

  private draw(): void {
    if (this.stopped) return;
    this.dirty = false;
    // A terminal that reports no size (0, as some pseudo-terminals do) is taken as 80×24.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const height = Math.max(6, (this.stream.rows || 24) - 1);
    const lines = this.frame(width, height).map((l) => `${truncate(l, width)}\x1b[K`);
    // Each line is overwritten in place and cleared to its end; only what is left below the new
    // frame is erased. No erase-from-the-top: some terminals (tmux) push a cleared screen into
    // the scrollback, which would fill it with old frames.
    this.stream.write(`${this.toTop()}${lines.join('\n')}\n\x1b[J`);
    this.drawnLines = lines.length;
  }

  /** Moves to the first line of the previous frame. */
  private toTop(): string {
    return this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r` : '\r';
  }

  /** Blanks the previous frame line by line and returns to its first line. */
  private erase(): string {
    if (this.drawnLines === 0) return '\r';
    return `${this.toTop()}${'\x1b[2K\n'.repeat(this.drawnLines)}\x1b[${this.drawnLines}A\r`;
  }

  private frame(width: number, height: number): string[] {
    const s = this.style;
    const c = this.orchestrator.constellation;
    const n = c.statusCounts();
    const total = c.size;
    const done = n.completed + n.failed + n.cancelled + n.skipped;
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    const barWidth = Math.max(10, Math.min(40, width - 50));
    const filled = total === 0 ? barWidth : Math.round((done * barWidth) / total);
    const bar = s.green('█'.repeat(filled)) + s.gray('░'.repeat(barWidth - filled));
    const elapsed = formatDuration(Date.now() - this.startedAt);
    const paused = this.orchestrator.isPaused ? s.yellow('  paused') : '';
    const out = [`${s.bold(c.info.name)}  ${bar}  ${done}/${total}  ${pct}%  ${s.gray(elapsed)}${paused}`];

    const counts = (['completed', 'running', 'ready', 'pending', 'failed', 'skipped', 'cancelled'] as const)
      .filter((k) => n[k] > 0 || k === 'completed' || k === 'running')
      .map((k) => statusColour(s, k)(`${n[k]} ${k === 'ready' ? 'queued' : k}`));
    out.push(`  ${counts.join(s.gray(' · '))}`);

    const recent = this.recent.length > 0 ? ['', s.gray('  recent'), ...this.recent.map((r) => `  ${r.text}`)] : [];
    const budget = height - out.length - recent.length - 1;
    const running = [...this.running.entries()];
    const rows: string[] = [];
    const idWidth = Math.min(32, Math.max(8, ...running.map(([id]) => id.length)));
    const deviceWidth = Math.min(16, Math.max(6, ...running.map(([, t]) => t.device.length)));
    for (let i = 0; i < running.length; i++) {
      const [id, t] = running[i]!;
      const lines = t.lines.slice(-OUTPUT_LINES).map((l) => s.gray(`      │ ${l}`));
      const left = running.length - i;
      if (rows.length + 1 + lines.length > budget - (left > 1 ? 1 : 0)) {
        rows.push(s.gray(`    … ${left} more running`));
        break;
      }
      const attempt = t.attempt > 1 ? s.yellow(` attempt ${t.attempt}`) : '';
      rows.push(`  ${s.cyan('▶')} ${pad(id, idWidth)}  ${pad(t.device, deviceWidth)}  ${s.gray(formatDuration(Date.now() - t.since).padStart(6))}${attempt}`);
      rows.push(...lines);
    }
    if (rows.length > 0) out.push('', ...rows);
    return [...out, ...recent];
  }
}
