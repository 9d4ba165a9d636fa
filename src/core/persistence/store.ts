import type { OutputStream } from '../events/event-map';

/**
 * Where journals are kept, behind a small interface so the core never touches a file system:
 * per run, an append-only event log, a snapshot replaced atomically, the run's facts (what
 * started it), written once, and each attempt's whole output (kept out of the log, so a chatty
 * task cannot bloat it). The CLI and the extension use files (`FileJournalStore`); tests
 * can keep journals in memory ({@link MemoryJournalStore}).
 */
export interface JournalStore {
  /** Opens a run's journal for writing, creating it; `meta` is written if the run has none yet. */
  open(runId: string, meta?: Record<string, unknown>): RunJournalFiles;
  /** The text of one of a run's parts, or undefined if it has none. */
  read(runId: string, part: JournalPart): string | undefined;
  /** Runs that have a snapshot (in no particular order). */
  runIds(): string[];
  /** Where a run's journal is, for messages (a directory for files). */
  location(runId: string): string;
  /** The whole output of one attempt of a task, in the order it was written, or undefined if it wrote none. */
  readOutput(runId: string, taskId: string, attempt: number): OutputPiece[] | undefined;
  /** The id of another live process that has the run open now, if the store can tell. */
  holder?(runId: string): number | undefined;
}

/** A stretch of output from one stream. */
export interface OutputPiece {
  readonly stream: OutputStream;
  readonly data: string;
}

export type JournalPart = 'events' | 'snapshot' | 'meta';

/** One run's journal, open for writing. */
export interface RunJournalFiles {
  /** Appends text to the event log, durably before it returns. */
  appendEvents(text: string): void;
  /** Replaces the snapshot: a reader sees the old one or the new one, never half of either. */
  writeSnapshot(text: string): void;
  /** Cuts the event log back to its first `bytes` bytes (a torn tail, before anything is appended). */
  cutEvents(bytes: number): void;
  /** Appends output of one attempt of a task to its output file (every byte is kept). */
  appendOutput(taskId: string, attempt: number, stream: OutputStream, data: string): void;
  /** The task's attempt ended: its output file is complete. */
  endOutput(taskId: string): void;
  close(): void;
}

/** Journals in memory: for tests, and anything that needs a journal without a disk. */
export class MemoryJournalStore implements JournalStore {
  private readonly runs = new Map<string, Map<JournalPart, string>>();
  private readonly outputs = new Map<string, OutputPiece[]>();
  private readonly history = new Map<string, string[]>();

  /** With `keepSnapshots`, every snapshot ever written is kept ({@link MemoryJournalStore.snapshots}). */
  constructor(private readonly keepSnapshots = false) {}

  /** Every snapshot written for a run, oldest first (when kept). */
  snapshots(runId: string): readonly string[] {
    return this.history.get(runId) ?? [];
  }

  open(runId: string, meta?: Record<string, unknown>): RunJournalFiles {
    let parts = this.runs.get(runId);
    if (!parts) {
      parts = new Map();
      this.runs.set(runId, parts);
    }
    const p = parts;
    if (meta && !p.has('meta')) p.set('meta', JSON.stringify({ runId, ...meta }, null, 2));
    return {
      appendEvents: (text) => p.set('events', (p.get('events') ?? '') + text),
      cutEvents: (bytes) => p.set('events', new TextDecoder().decode(new TextEncoder().encode(p.get('events') ?? '').slice(0, bytes))),
      appendOutput: (taskId, attempt, stream, data) => {
        const key = JSON.stringify([runId, taskId, attempt]);
        const pieces = this.outputs.get(key) ?? [];
        const last = pieces[pieces.length - 1];
        if (last?.stream === stream) pieces[pieces.length - 1] = { stream, data: last.data + data };
        else pieces.push({ stream, data });
        this.outputs.set(key, pieces);
      },
      endOutput: () => undefined,
      writeSnapshot: (text) => {
        p.set('snapshot', text);
        if (this.keepSnapshots) this.history.set(runId, [...(this.history.get(runId) ?? []), text]);
      },
      close: () => undefined,
    };
  }

  read(runId: string, part: JournalPart): string | undefined {
    return this.runs.get(runId)?.get(part);
  }

  runIds(): string[] {
    return [...this.runs.entries()].filter(([, p]) => p.has('snapshot')).map(([id]) => id);
  }

  location(runId: string): string {
    return `memory:${runId}`;
  }

  readOutput(runId: string, taskId: string, attempt: number): OutputPiece[] | undefined {
    return this.outputs.get(JSON.stringify([runId, taskId, attempt]));
  }

  /** Replaces a part's text (tests that damage a journal on purpose). */
  write(runId: string, part: JournalPart, text: string): void {
    this.open(runId).close();
    this.runs.get(runId)!.set(part, text);
  }
}
