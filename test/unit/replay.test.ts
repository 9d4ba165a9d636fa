import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_TYPES, type EventType } from '../../src/core/events/event-map';
import { Journal } from '../../src/core/persistence/journal';
import { foldJournal, restoreRun } from '../../src/core/persistence/restore';
import type { RunState } from '../../src/core/state/run-state';
import { MemoryJournalStore } from '../../src/core/persistence/store';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { FileJournalStore } from '../../src/runtime/file-journal-store';
import { aConstellation, aDependency, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';
import { DeferredEditSource } from '../helpers/scripted-edit-source';
import { ManualClock, settle } from '../helpers/manual-clock';
import { ControlledExecutor } from '../helpers/controlled-executor';
import { assertReplays, journalRun, stateView } from '../helpers/replay-check';

// Every harness run is journaled and replayed when the file ends (test/helpers/harness.ts);
// the scenarios here make sure that, between them, every event type is replayed.
const seen = new Set<EventType>();
const track = (h: ReturnType<typeof harness>) => h.o.events.onAny((e) => seen.add(e.type));

after(() => {
  const missing = EVENT_TYPES.filter((t) => !seen.has(t));
  assert.deepEqual(missing, [], 'every event type occurs in a replayed scenario');
});

describe('restore replays a journal to exactly the live state', () => {
  it('retries, a timeout, failures, skips, completion_only and conditional edges, output', async () => {
    const c = aConstellation(
      [aTask('flaky', { retries: 2, retryBackoffMs: 100 }), aTask('slow', { timeoutMs: 50 }), 'broken', 'after', 'cleanup', 'check', 'fix', 'report'],
      [aDependency('broken', 'after', 'success_only'), aDependency('broken', 'cleanup', 'completion_only'), aDependency('check', 'fix', 'conditional', { when: 'result.errors > 0' }), aDependency('check', 'report', 'conditional', { when: 'result.errors == 0' })],
    );
    const h = harness(c, { concurrency: 8 });
    track(h);
    await h.start();
    h.exec.run('flaky').sink.output('stdout', 'trying\n');
    h.exec.fail('flaky', 'network');
    h.exec.fail('broken', 'disk full');
    h.exec.complete('check', { errors: 2 });
    await h.settle();
    await h.clock.advance(60); // slow times out
    await h.clock.advance(100); // flaky is retried
    h.exec.complete('flaky', { ok: 1 });
    h.exec.complete('cleanup');
    h.exec.complete('fix');
    await h.settle();
    assert.equal(h.report?.state, 'partially_failed');
  });

  it('pause and resume, a cancelled task, a device that goes away and comes back, a cancelled run', async () => {
    const h = harness(aConstellation(['a', 'b', 'c', 'd'], [aDependency('a', 'd')]), { deviceIds: ['d1', 'd2'], concurrency: 1 });
    track(h);
    await h.start();
    h.o.pause();
    h.exec.complete('a');
    await h.settle();
    h.o.resume();
    await h.settle();
    h.o.cancelTask('b', 'not needed');
    h.o.setDeviceAvailability('d2', 'recovering');
    h.o.setDeviceAvailability('d2', 'available');
    await h.settle();
    h.o.cancel('the user stopped it');
    await h.settle();
    assert.equal(h.report?.state, 'cancelled');
  });

  it('edits: a new task, a ready task edited (it waits again), a batch refused then reviewed, a retry that reopens skipped tasks', async () => {
    const source = new DeferredEditSource();
    const c = aConstellation(['a', 'b', 'c', 'late'], [aDependency('a', 'b', 'success_only'), aDependency('b', 'c', 'success_only')]);
    const h = harness(c, { editSource: source, concurrency: 1, deviceIds: ['d1'] });
    track(h);
    await h.start();
    // d1 runs 'a'; 'late' is ready and queued behind it.
    assert.equal(c.task('late').status, 'ready');
    h.exec.fail('a', 'first try');
    await h.settle();
    source.answer({ operations: [{ op: 'add_dependency', dependency: { from: 'nope', to: 'late' } }] }); // refused
    await h.settle();
    source.answer({ operations: [{ op: 'update_task', taskId: 'late', changes: { priority: 4 } }, { op: 'add_task', task: { id: 'extra' } }], review: { decision: 'partial', proposed: 3, accepted: [0, 2] } });
    await h.settle();
    assert.ok(h.types().includes('task_waiting'), 'the edited ready task waited again');
    assert.equal(c.task('c').status, 'skipped');
    assert.ok(h.o.retryTask('a'));
    await h.settle();
    // Then let it finish: every round answered with nothing, every running task completed.
    for (let i = 0; i < 50 && !h.report; i++) {
      while (source.open > 0) source.answer();
      for (const t of [...c.tasks()].filter((x) => x.status === 'running')) h.exec.complete(t.id);
      await h.settle();
    }
    assert.equal(h.report?.state, 'completed');
  });

  it('a stalled run ends failed, naming what is blocked', async () => {
    const h = harness(aConstellation([aTask('a'), aTask('gpu', { capabilities: ['gpu'] })]), { deviceIds: ['d1'] });
    track(h);
    await h.start();
    h.exec.complete('a');
    await h.settle();
    assert.equal(h.report?.reason?.code, 'stalled');
  });

  it('a run taken over by a new process: the interrupted task runs again and the rest is kept', async () => {
    const store = new MemoryJournalStore(true);
    const exec = new ControlledExecutor();
    const clock = new ManualClock();
    const first = new Orchestrator(aConstellation(['a', 'b', 'c'], [aDependency('a', 'c'), aDependency('b', 'c')]), { devices: [{ id: 'd1', executor: exec, concurrency: 2 }], clock });
    const journal = new Journal(store, first.runId);
    journal.attach(first);
    void first.run();
    await settle();
    exec.complete('a', 42);
    await settle();
    journal.close(); // the process dies with 'b' running
    const restored = restoreRun(store, first.runId);
    assert.deepEqual(restored.interrupted.map((i) => i.taskId), ['b']);
    const second = new Orchestrator(restored.constellation, { devices: [{ id: 'd1', executor: exec, concurrency: 2 }], clock, runId: first.runId, startSeq: restored.lastSeq, interrupted: restored.interrupted });
    second.events.onAny((e) => seen.add(e.type));
    const journal2 = new Journal(store, second.runId);
    journal2.attach(second);
    const journaled = journalRun('taken over', second, store, journal2);
    void second.run();
    await settle();
    exec.complete('b');
    await settle();
    exec.complete('c');
    await settle();
    assert.equal(second.isEnded, true);
    assert.equal(second.constellation.task('a').result, 42, 'completed before the crash, kept');
    assertReplays(journaled);
  });

  it('a run detached and taken over: a held task is adopted with its output, one finished meanwhile is collected, a lost one runs again', async () => {
    const store = new MemoryJournalStore(true);
    const exec = new ControlledExecutor();
    const clock = new ManualClock();
    const plan = aConstellation(['a', 'held', 'done', 'lost', 'next'], [aDependency('a', 'next'), aDependency('held', 'next'), aDependency('done', 'next'), aDependency('lost', 'next')]);
    const first = new Orchestrator(plan, { devices: [{ id: 'd1', executor: exec, concurrency: 4 }], clock });
    const journal = new Journal(store, first.runId);
    journal.attach(first);
    first.events.onAny((e) => seen.add(e.type));
    const journaledFirst = journalRun('detached', first, store, journal);
    const firstReport = first.run();
    await settle();
    exec.complete('a', 1);
    exec.run('held').sink.output('stdout', 'before\n');
    await settle();
    first.detach('the window reloads');
    const report = await firstReport;
    assert.equal(report.reason?.code, 'detached');
    assert.equal(exec.runs.filter((r) => r.cancelled !== undefined).length, 0, 'detaching cancels nothing');
    assertReplays(journaledFirst);
    journal.close();
    // Meanwhile the device goes on: 'held' still runs, 'done' finished; 'lost' it forgot.
    exec.hold('held', 1, ['meanwhile\n']);
    exec.hold('done', 1);
    const restored = restoreRun(store, first.runId);
    assert.equal(restored.state.detached?.reason, 'the window reloads');
    assert.deepEqual(restored.interrupted.map((i) => i.taskId).sort(), ['done', 'held', 'lost']);
    const second = new Orchestrator(restored.constellation, { devices: [{ id: 'd1', executor: exec, concurrency: 4 }], clock, runId: first.runId, startSeq: restored.lastSeq, interrupted: restored.interrupted });
    second.events.onAny((e) => seen.add(e.type));
    const journal2 = new Journal(store, second.runId);
    journal2.attach(second);
    const journaled = journalRun('detached and taken over', second, store, journal2);
    const output: string[] = [];
    second.events.on('task_output', (e) => void output.push(e.data));
    void second.run();
    exec.complete('done', 'kept');
    await settle();
    assert.deepEqual(exec.adopted.sort(), ['done', 'held']);
    assert.deepEqual(output, ['meanwhile\n'], "what the held task wrote meanwhile reaches the run");
    assert.equal(exec.runs.filter((r) => r.request.taskId === 'lost').length, 2, 'the lost task runs again');
    exec.complete('held');
    exec.complete('lost');
    await settle();
    exec.complete('next');
    await settle();
    assert.equal(second.isEnded, true);
    assert.equal(second.constellation.task('done').result, 'kept');
    assert.equal(second.constellation.task('held').attempts, 1, 'adopted, not run again');
    assert.equal(second.constellation.task('lost').attempts, 2);
    assertReplays(journaled);
  });
});

/** Journals recorded by hand from real CLI runs, with the report each run printed (`--json`). */
const RECORDED = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'journals');

describe('recorded journals restore to the state their run reported', () => {
  for (const name of fs.existsSync(RECORDED) ? fs.readdirSync(RECORDED) : []) {
    it(name, () => {
      const dir = path.join(RECORDED, name);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { runId: string; state: string; tasks: Record<string, { status: string; device: string | null; attempts: number; startedAt: string | null; endedAt: string | null; result: unknown; error: unknown }> };
      const store = new FileJournalStore(dir);
      const check = (state: RunState, how: string) => {
        assert.equal(state.ended?.state, report.state, `${name} (${how})`);
        const view = stateView(state);
        for (const t of view.tasks) {
          const r = report.tasks[t.id]!;
          assert.deepEqual(
            { status: t.status, device: t.assignedDevice ?? state.constellation.task(t.id).device ?? null, attempts: t.attempts, startedAt: t.startedAt ?? null, endedAt: t.endedAt ?? null, result: t.result ?? null, error: t.error ?? null },
            { status: r.status, device: r.device, attempts: r.attempts, startedAt: r.startedAt, endedAt: r.endedAt, result: r.result, error: r.error },
            `${name} (${how}): task ${t.id}`,
          );
        }
        assert.equal(view.tasks.length, Object.keys(report.tasks).length);
      };
      check(restoreRun(store, report.runId, { takeOver: false }).state, 'from its last snapshot');
      // With the plan it ran, every event of the log is folded in from the start.
      const planFile = path.join(dir, 'plan.json');
      if (fs.existsSync(planFile)) {
        const start = JSON.stringify({ version: 2, runId: report.runId, seq: 0, plan: JSON.parse(fs.readFileSync(planFile, 'utf8')) as unknown, run: { paused: false } });
        check(foldJournal(start, store.read(report.runId, 'events') ?? '', name).state, 'every event from the plan');
      }
    });
  }
});
