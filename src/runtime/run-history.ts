import { restoreRun } from '../core/persistence/restore';
import type { JournalStore } from '../core/persistence/store';
import type { StatusCounts } from '../core/model/state';
import type { ConstellationState } from '../core/model/types';

/** Where a journaled run stands, seen from outside any process. */
export type HistoryState = ConstellationState | 'detached' | 'interrupted';

/** One journaled run, for lists (the CLI's `runs`, the extension's history). */
export interface RunSummary {
  readonly runId: string;
  readonly name: string;
  readonly constellationId: string;
  /** The plan file it was started from, if known. */
  readonly plan?: string | undefined;
  readonly startedAt?: string | undefined;
  readonly durationMs?: number | undefined;
  /**
   * How it ended; `detached` when a process let go of it (to be resumed); `interrupted` when the
   * process that ran it stopped without a word (a crash, a kill): resumable too.
   */
  readonly state: HistoryState;
  readonly reason?: string | undefined;
  readonly counts: Readonly<StatusCounts>;
  readonly tasks: number;
  /** The run it continues (a rerun). */
  readonly continues?: string | undefined;
}

/** Reads one run's summary from its journal. */
export function summarizeRun(store: JournalStore, runId: string): RunSummary {
  const r = restoreRun(store, runId, { takeOver: false });
  const meta = r.meta;
  const str = (k: string) => (typeof meta[k] === 'string' ? (meta[k]) : undefined);
  const c = r.constellation;
  const state: HistoryState = r.ended ? r.ended.state : r.state.detached ? 'detached' : 'interrupted';
  const startedAt = str('startedAt');
  const durationMs = r.ended?.durationMs ?? (r.state.detached && startedAt ? r.state.detached.at - Date.parse(startedAt) : undefined);
  return {
    runId,
    name: c.info.name,
    constellationId: c.id,
    plan: str('plan'),
    startedAt,
    durationMs,
    state,
    reason: r.ended?.reason?.message ?? r.state.detached?.reason,
    counts: { ...c.statusCounts() },
    tasks: c.size,
    continues: str('continues'),
  };
}

/**
 * Every run of a journal, newest first; a run whose journal cannot be read is listed with the
 * reason instead of hiding the others.
 */
export function listRuns(store: JournalStore): (RunSummary | { readonly runId: string; readonly error: string })[] {
  const out = store.runIds().map((id) => {
    try {
      return summarizeRun(store, id);
    } catch (err) {
      return { runId: id, error: err instanceof Error ? err.message : String(err) };
    }
  });
  const key = (r: { runId: string; startedAt?: string | undefined }) => r.startedAt ?? r.runId;
  return out.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}
