import type { DeviceSpec } from '../core/orchestrator/device-pool';
import { Orchestrator, type OrchestratorOptions } from '../core/orchestrator/orchestrator';
import type { Constellation } from '../core/model/constellation';
import { Journal } from '../core/persistence/journal';
import type { JournalStore } from '../core/persistence/store';
import { ConstellationError } from '../core/model/errors';
import { newRunId } from './run-id';
import { RunInUseError } from './run-lock';

/** Everything a run needs, whichever front end starts it (the CLI, the extension). */
export interface RunSetup
  extends Pick<OrchestratorOptions, 'strategy' | 'editSource' | 'lockScope' | 'editTimeoutMs' | 'editRepairRounds' | 'maxConcurrent' | 'startSeq' | 'interrupted' | 'agentTimeline' | 'logger'> {
  readonly constellation: Constellation;
  readonly devices: readonly DeviceSpec[];
  /** Given when a run is resumed; a new run gets a fresh sortable id. */
  readonly runId?: string | undefined;
  /** Where the run is journaled, and the facts written once beside it (what started it). */
  readonly journal?: { readonly store: JournalStore; readonly meta?: Record<string, unknown> | undefined } | undefined;
}

/** A run ready to start: its orchestrator and, if journaled, its journal. */
export interface PreparedRun {
  readonly orchestrator: Orchestrator;
  readonly journal?: Journal | undefined;
  /** Stops journaling (after the run ended, or when the process lets go of it). */
  close(): void;
}

/** Thrown when a run's journal cannot be opened; nothing has started then. */
export class JournalUnavailableError extends ConstellationError {
  constructor(
    readonly location: string,
    message: string,
  ) {
    super('journal_unavailable', message);
  }
}

/** Builds a run the same way for both front ends: one id scheme, the journal attached before the first event. */
export function prepareRun(setup: RunSetup): PreparedRun {
  const { constellation, journal: journalSetup, ...options } = setup;
  const orchestrator = new Orchestrator(constellation, { ...options, runId: setup.runId ?? newRunId() });
  let journal: Journal | undefined;
  if (journalSetup) {
    const { store, meta } = journalSetup;
    try {
      journal = new Journal(store, orchestrator.runId, meta);
    } catch (err) {
      if (err instanceof RunInUseError) throw err;
      throw new JournalUnavailableError(store.location(orchestrator.runId), `cannot write the journal: ${err instanceof Error ? err.message : String(err)}`);
    }
    const cut = journal.repaired;
    if (cut) {
      const shown = JSON.stringify(cut.dropped.length > 80 ? `${cut.dropped.slice(0, 80)}…` : cut.dropped);
      setup.logger?.warn(`journal ${journal.location}: its last line was torn or unreadable (a crash mid-write); cut ${cut.bytes} byte(s) before appending: ${shown}`);
    }
    journal.attach(orchestrator);
  }
  return { orchestrator, journal, close: () => journal?.close() };
}
