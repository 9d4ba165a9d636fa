import { restoreRun, type RestoredRun } from '../core/persistence/restore';
import { MetricsRecorder } from '../core/orchestrator/metrics';
import { buildReport, type RunReport } from '../core/report/run-report';
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
  /** Another live process runs it now (its id): not to be resumed from here. */
  readonly heldBy?: number | undefined;
  /** What started it: `vscode`, or the CLI's version. */
  readonly from?: string | undefined;
}

/** One run as its journal left it (nothing taken over), with its summary. */
export function readRun(store: JournalStore, runId: string): { summary: RunSummary; restored: RestoredRun } {
  const r = restoreRun(store, runId, { takeOver: false });
  return { summary: summaryOf(store, r), restored: r };
}

/** The report of a run that ended, as its journal recorded it (no timings beyond its duration). */
export function endedReport(r: RestoredRun): RunReport | undefined {
  return r.ended ? buildReport(r.runId, r.constellation, r.ended.state, r.ended.reason, new MetricsRecorder().summary(r.ended.durationMs, 0), r.state.agent) : undefined;
}

function summaryOf(store: JournalStore, r: RestoredRun): RunSummary {
  const runId = r.runId;
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
    heldBy: r.ended ? undefined : store.holder?.(runId),
    from: str('from') ?? (str('cli') !== undefined ? 'cli' : undefined),
  };
}

/** A run whose journal cannot be read, listed with the reason instead of hiding the others. */
export interface UnreadableRun {
  readonly runId: string;
  readonly error: string;
}

/**
 * The newest `limit` runs of a journal, each read once (summary and restored state), newest
 * first; runs `skip` names are left unread (a process's own runs, being written).
 */
export function readRuns(store: JournalStore, limit = Infinity, skip: (runId: string) => boolean = () => false): ({ summary: RunSummary; restored: RestoredRun } | UnreadableRun)[] {
  // Run ids begin with their start time: the newest are read first, and only `limit` of them.
  const ids = store.runIds().sort().reverse().slice(0, limit).filter((id) => !skip(id));
  const out = ids.map((id) => {
    try {
      return readRun(store, id);
    } catch (err) {
      return { runId: id, error: err instanceof Error ? err.message : String(err) };
    }
  });
  const key = (r: (typeof out)[number]) => ('error' in r ? r.runId : (r.summary.startedAt ?? r.summary.runId));
  return out.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

/** Every run of a journal as a summary, newest first (see {@link readRuns}). */
export function listRuns(store: JournalStore, limit = Infinity): (RunSummary | UnreadableRun)[] {
  return readRuns(store, limit).map((r) => ('error' in r ? r : r.summary));
}
