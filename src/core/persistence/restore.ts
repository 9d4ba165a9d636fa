import type { RunEvent } from '../events/event-map';
import { parseJsonText } from '../io/json-text';
import { planFromJson } from '../io/plan-file';
import type { Constellation } from '../model/constellation';
import { ConstellationError } from '../model/errors';
import { applyEvent, takeOver } from '../state/apply-event';
import { cutOpenRounds, foldAgentEvent, isAgentEvent } from '../state/agent-timeline';
import { newRunState, type RunEnd, type RunState } from '../state/run-state';
import type { JournalStore } from './store';

/** A run rebuilt from its journal. */
export interface RestoredRun {
  readonly runId: string;
  readonly constellation: Constellation;
  /** The run's state as its events left it (before a new process takes it over). */
  readonly state: RunState;
  readonly lastSeq: number;
  /** Tasks that were running when the process stopped; they are pending again. */
  readonly interrupted: { taskId: string; device?: string | undefined; attempt: number }[];
  /** Set if the run had already ended. */
  readonly ended?: RunEnd | undefined;
  readonly meta: Record<string, unknown>;
}

/** The events of a journal's log, in order; a torn last line (a crash mid-write) is left out. */
export function readEvents(text: string, where: string): RunEvent[] {
  const lines = text.split('\n');
  const events: RunEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseJsonText(line);
    if ('problem' in parsed) {
      if (i >= lines.length - 2) return; // torn final write
      throw new ConstellationError('corrupt_journal', `${where}:${i + 1}: ${parsed.problem.message}`);
    }
    events.push(parsed.value as RunEvent);
  });
  return events;
}

/**
 * Restores a run from its journal: the last snapshot (the run's state as of one event), then
 * every later event folded in with `applyEvent`, the same function the live run used. With
 * `takeOver`, running and queued tasks become pending again (a new process continues the run)
 * and the ones that were running are listed as interrupted; without, the state is exactly what
 * the events made it.
 */
export function restoreRun(store: JournalStore, runId: string, options: { takeOver?: boolean } = {}): RestoredRun {
  const where = store.location(runId);
  const snapshotText = store.read(runId, 'snapshot');
  if (snapshotText === undefined) throw new ConstellationError('unknown_run', `no journal for run '${runId}' in ${where}`);
  const { state, lastSeq } = foldJournal(snapshotText, store.read(runId, 'events') ?? '', where);
  const metaText = store.read(runId, 'meta');
  const meta = metaText !== undefined ? (JSON.parse(metaText) as Record<string, unknown>) : {};
  const interrupted = options.takeOver === false ? [] : takeOver(state);
  return { runId, constellation: state.constellation, state, lastSeq, interrupted, ended: state.ended, meta };
}

/**
 * The fold behind {@link restoreRun}: a snapshot's state, then every later event of the log
 * through `applyEvent` (the agent's timeline from every edit event of the log, before and after). `onApplied` sees the state after each event (tests compare it with the
 * live run's at the same event).
 */
export function foldJournal(
  snapshotText: string,
  eventsText: string,
  where: string,
  options: { readonly onApplied?: ((event: RunEvent, state: RunState) => void) | undefined; readonly untilSeq?: number | undefined } = {},
): { state: RunState; lastSeq: number } {
  const snap = parseJsonText(snapshotText);
  if ('problem' in snap) throw new ConstellationError('corrupt_journal', `${where}: snapshot: ${snap.problem.message}`);
  const snapshot = snap.value as { version?: number; seq?: unknown; plan?: unknown; run?: { paused?: boolean; ended?: RunEnd } };
  if (typeof snapshot.seq !== 'number') throw new ConstellationError('corrupt_journal', `${where}: snapshot: no event number`);
  const state = newRunState(planFromJson(snapshot.plan, { source: `${where} (snapshot)` }), snapshot.seq);
  state.paused = snapshot.run?.paused ?? false;
  state.ended = snapshot.run?.ended;
  let lastSeq = snapshot.seq;
  for (const event of readEvents(eventsText, where)) {
    if (options.untilSeq !== undefined && event.seq >= options.untilSeq) break;
    lastSeq = Math.max(lastSeq, event.seq);
    if (event.seq <= snapshot.seq) {
      // Snapshots of the first format did not record how the run ended: the log says.
      if (snapshot.version === 1) foldRunEnd(state, event);
      // The agent's timeline is not in snapshots: the whole log tells it.
      if (isAgentEvent(event)) foldAgentEvent(state.agent, event);
      else if (event.type === 'constellation_started') cutOpenRounds(state.agent, event.timestamp);
      continue;
    }
    if (event.type === 'constellation_modified') {
      throw new ConstellationError('corrupt_journal', `${where}: event ${event.seq} edits the plan after the last snapshot (${snapshot.seq}); the snapshot of that edit is missing`);
    }
    applyEvent(state, event);
    options.onApplied?.(event, state);
  }
  state.seq = lastSeq;
  return { state, lastSeq };
}

function foldRunEnd(state: RunState, e: RunEvent): void {
  if (e.type === 'constellation_started') state.ended = undefined;
  else if (e.type === 'constellation_completed') state.ended = { state: e.state, durationMs: e.durationMs };
  else if (e.type === 'constellation_failed') state.ended = { state: e.state, durationMs: e.durationMs, reason: e.reason };
}
