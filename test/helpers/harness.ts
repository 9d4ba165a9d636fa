import { after } from 'node:test';
import type { RunEvent } from '../../src/core/events/event-map';
import { Journal } from '../../src/core/persistence/journal';
import { MemoryJournalStore } from '../../src/core/persistence/store';
import { assertReplays, journalRun, type JournaledRun } from './replay-check';
import { Orchestrator, type OrchestratorOptions } from '../../src/core/orchestrator/orchestrator';
import type { Constellation } from '../../src/core/model/constellation';
import { ControlledExecutor } from './controlled-executor';
import { ManualClock, settle } from './manual-clock';

/** Every run a harness made in this test file: each is replayed from its journal at the end. */
const journaled: JournaledRun[] = [];
after(() => {
  for (const run of journaled.splice(0)) assertReplays(run);
});

/**
 * An orchestrator on a manual clock with controlled devices, recording every event. Its journal
 * (in memory) is restored when the test file ends and must give exactly the live state.
 */
export function harness(c: Constellation, opts: Partial<OrchestratorOptions> & { deviceIds?: string[]; concurrency?: number; capabilities?: Record<string, string[]> } = {}) {
  const clock = new ManualClock();
  const exec = new ControlledExecutor();
  const ids = opts.deviceIds ?? ['d1'];
  const devices = opts.devices ?? ids.map((id) => ({ id, executor: exec, concurrency: opts.concurrency ?? 1, capabilities: opts.capabilities?.[id] ?? [] }));
  const errors: unknown[] = [];
  const o = new Orchestrator(c, {
    ...opts,
    devices,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error: (_m: string, e?: unknown) => errors.push(e) },
  });
  const events: RunEvent[] = [];
  o.events.onAny((e) => events.push(e));
  const store = new MemoryJournalStore(true);
  const journal = new Journal(store, o.runId);
  journal.attach(o);
  journaled.push(journalRun(`run ${journaled.length + 1} of this file (${c.size} tasks)`, o, store, journal));
  let report: Awaited<ReturnType<Orchestrator['run']>> | undefined;
  const start = async () => {
    void o.run().then((r) => (report = r));
    await settle();
  };
  return {
    o,
    c,
    clock,
    exec,
    events,
    errors,
    start,
    settle,
    get report() {
      return report;
    },
    /** Event types for one task, in order. */
    historyOf: (taskId: string) => events.filter((e) => 'taskId' in e && e.taskId === taskId).map((e) => e.type),
    types: () => events.map((e) => e.type),
  };
}
