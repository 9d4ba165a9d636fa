import assert from 'node:assert/strict';
import type { RunEvent } from '../../src/core/events/event-map';
import type { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import type { Journal } from '../../src/core/persistence/journal';
import { foldJournal, restoreRun } from '../../src/core/persistence/restore';
import type { MemoryJournalStore } from '../../src/core/persistence/store';
import type { Task } from '../../src/core/model/types';
import type { RunState } from '../../src/core/state/run-state';

function taskView(t: Task | undefined) {
  if (!t) return undefined;
  return { id: t.id, status: t.status, attempts: t.attempts, assignedDevice: t.assignedDevice, result: t.result, error: t.error, startedAt: t.startedAt, endedAt: t.endedAt };
}

/** Everything events decide about a run, in a comparable form. */
export function stateView(state: RunState) {
  const tasks = [...state.constellation.tasks()].map((t) => taskView(t)!).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { tasks, paused: state.paused, ended: state.ended, agent: state.agent };
}

/** What one event left of the live state: the task it is about, and the run's own state. */
function pointView(e: RunEvent, state: RunState) {
  const taskId = 'taskId' in e ? e.taskId : undefined;
  return { seq: e.seq, type: e.type, task: taskId !== undefined ? structuredClone(taskView(state.constellation.tryTask(taskId))) : undefined, paused: state.paused, ended: state.ended };
}

/** A live run, its journal (in memory, every snapshot kept) and what it looked like after each event. */
export interface JournaledRun {
  readonly label: string;
  readonly store: MemoryJournalStore;
  readonly journal: Journal;
  readonly runId: string;
  readonly live: RunState;
  readonly points: ReturnType<typeof pointView>[];
}

/** Journals a run in memory and records the live state after each of its events. */
export function journalRun(label: string, o: Orchestrator, store: MemoryJournalStore, journal: Journal): JournaledRun {
  const points: ReturnType<typeof pointView>[] = [];
  o.events.onAny((e) => points.push(pointView(e, o.state)));
  return { label, store, journal, runId: o.runId, live: o.state, points };
}

/**
 * Checks restore against the live run. From each snapshot, folding the journal's events up to
 * the next snapshot must give, after every event, the state the live run had after it (the task
 * it touched and the run's own state); folding from the last one must give exactly the live
 * state, and so must restoring the run.
 */
export function assertReplays(run: JournaledRun): void {
  run.journal.flush();
  const snapshots = run.store.snapshots(run.runId);
  if (snapshots.length === 0) return; // never started
  const events = run.store.read(run.runId, 'events') ?? '';
  const bySeq = new Map(run.points.map((p) => [p.seq, p]));
  const seqOf = (text: string) => (JSON.parse(text) as { seq: number }).seq;
  let last: RunState | undefined;
  snapshots.forEach((snapshot, k) => {
    const where = `${run.label}, from snapshot ${k + 1} of ${snapshots.length}`;
    const next = snapshots[k + 1];
    const { state } = foldJournal(snapshot, events, where, {
      untilSeq: next !== undefined ? seqOf(next) : undefined,
      onApplied: (e, s) => {
        const live = bySeq.get(e.seq);
        if (live) assert.deepEqual(pointView(e, s), live, `${where}: after event ${e.seq} (${e.type}) restore and the live run disagree`);
      },
    });
    last = state;
  });
  assert.deepEqual(stateView(last!), stateView(run.live), `${run.label}: the journal restores to a different state than the live run's`);
  const restored = restoreRun(run.store, run.runId, { takeOver: false });
  assert.deepEqual(stateView(restored.state), stateView(run.live), `${run.label}: restoring from the last snapshot gives a different state than the live run's`);
}
