import type { Disposable } from '../lifecycle/disposable';
import type { RunEvent } from '../events/event-map';
import { toPlanFile } from '../io/plan-file';
import type { Orchestrator } from '../orchestrator/orchestrator';
import type { RunState } from '../state/run-state';
import type { JournalStore, RunJournalFiles } from './store';

/** Events whose loss would lose work: written through at once. The rest are batched. */
const WRITE_THROUGH = new Set<string>(['task_started', 'task_completed', 'task_failed', 'task_cancelled', 'task_skipped', 'task_reset', 'constellation_modified', 'constellation_completed', 'constellation_failed']);

/** Events the snapshot is taken at: the start, every graph edit, the end. */
const SNAPSHOT_AT = new Set<string>(['constellation_started', 'constellation_modified', 'constellation_completed', 'constellation_failed']);

/** What a snapshot holds: the run's state (the constellation with task states, and the run's own) as of event `seq`. */
export interface SnapshotFile {
  readonly version: 2;
  readonly runId: string;
  readonly seq: number;
  readonly plan: unknown;
  readonly run: { readonly paused: boolean; readonly ended?: RunState['ended'] };
}

/**
 * Appends a run's events to its journal and keeps a snapshot of its state current at the start,
 * at every graph edit and at the end. The snapshot is written before the event it is taken at,
 * so an edit is never in the log without being in a snapshot. Events that carry results are
 * written through before the next event is handled, so a crash loses at most output chunks,
 * never a completed result.
 */
export class Journal {
  private readonly files: RunJournalFiles;
  private buffer: string[] = [];
  private flushScheduled = false;
  private subscription: Disposable | undefined;
  /** Set when the log ended in a torn or unreadable last line (a crash mid-write), cut before anything was appended. */
  readonly repaired: { readonly dropped: string; readonly bytes: number } | undefined;

  constructor(
    private readonly store: JournalStore,
    readonly runId: string,
    meta?: Record<string, unknown>,
  ) {
    this.files = store.open(runId, meta);
    const text = store.read(runId, 'events') ?? '';
    const keep = wholeLines(text);
    if (keep < text.length) {
      const encoder = new TextEncoder();
      const dropped = text.slice(keep);
      this.files.cutEvents(encoder.encode(text.slice(0, keep)).length);
      this.repaired = { dropped, bytes: encoder.encode(dropped).length };
    }
  }

  /** Where the journal is (a directory for files). */
  get location(): string {
    return this.store.location(this.runId);
  }

  /** Records everything the orchestrator emits from now on. */
  attach(orchestrator: Orchestrator): void {
    this.subscription = orchestrator.events.onAny((event) => {
      // Output goes to the attempt's output file; the log records its size when the attempt ends.
      if (event.type === 'task_output') return this.files.appendOutput(event.taskId, event.attempt, event.stream, event.data);
      if (SNAPSHOT_AT.has(event.type)) this.snapshot(orchestrator.state);
      this.append(event);
      if (event.type === 'task_completed' || event.type === 'task_failed' || event.type === 'task_cancelled') this.files.endOutput(event.taskId);
    });
  }

  append(event: RunEvent): void {
    this.buffer.push(JSON.stringify(event));
    if (WRITE_THROUGH.has(event.type)) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.files.appendEvents(text);
  }

  snapshot(state: RunState): void {
    this.flush();
    const file: SnapshotFile = { version: 2, runId: this.runId, seq: state.seq, plan: toPlanFile(state.constellation, true), run: { paused: state.paused, ...(state.ended ? { ended: state.ended } : {}) } };
    this.files.writeSnapshot(JSON.stringify(file));
  }

  close(): void {
    this.subscription?.dispose();
    this.flush();
    this.files.close();
  }
}

/**
 * How much of an event log is whole: everything up to its last complete line that reads as an
 * event. A tail after that (half a line, or a last line that is not JSON) is what a crash
 * mid-write leaves; damage further back is not cut here (restore reports it with its line).
 */
export function wholeLines(text: string): number {
  let end = text.length;
  if (end > 0 && !text.endsWith('\n')) end = text.lastIndexOf('\n') + 1;
  const lastStart = text.lastIndexOf('\n', end - 2) + 1;
  if (end > lastStart) {
    try {
      JSON.parse(text.slice(lastStart, end));
    } catch {
      return lastStart;
    }
  }
  return end;
}
