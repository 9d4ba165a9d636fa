import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aConstellation, aDependency, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';

describe('skips and dependency types in a run', () => {
  it('a failed task skips its success_only subtree, unconditional dependants still run', async () => {
    const c = aConstellation(
      ['a', 'b', 'c', 'd', 'cleanup'],
      [aDependency('a', 'b', 'success_only'), aDependency('b', 'c', 'unconditional'), aDependency('c', 'd', 'success_only'), aDependency('a', 'cleanup', 'completion_only')],
    );
    const h = harness(c, { concurrency: 4 });
    await h.start();
    h.exec.fail('a', 'disk full');
    await h.settle();
    assert.equal(c.task('b').status, 'skipped');
    // c depends on b unconditionally: a skipped upstream satisfies it.
    assert.equal(c.task('c').status, 'running');
    assert.equal(c.task('cleanup').status, 'running');
    h.exec.fail('c');
    h.exec.complete('cleanup');
    await h.settle();
    assert.equal(c.task('d').status, 'skipped');
    assert.deepEqual(h.historyOf('b'), ['task_skipped']);
    assert.equal(h.report?.state, 'partially_failed');
  });

  it('skip propagates down a long success_only chain without recursion limits', async () => {
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => `t${i}`);
    const deps = ids.slice(1).map((id, i) => aDependency(ids[i]!, id, 'success_only'));
    const h = harness(aConstellation(ids, deps));
    await h.start();
    h.exec.fail('t0');
    await h.settle();
    assert.equal(h.c.statusCounts().skipped, n - 1);
    assert.equal(h.report?.state, 'failed');
  });

  it('conditional edges follow their predicate on the result', async () => {
    const c = aConstellation(['check', 'fix', 'report'], [aDependency('check', 'fix', 'conditional', { when: 'result.errors > 0' }), aDependency('check', 'report', 'conditional', { when: 'result.errors == 0' })]);
    const h = harness(c, { concurrency: 2 });
    await h.start();
    h.exec.complete('check', { errors: 3 });
    await h.settle();
    assert.equal(c.task('fix').status, 'running');
    assert.equal(c.task('report').status, 'skipped');
    assert.equal(c.task('report').error?.message, "condition of dependency 'check->report' is false: result.errors == 0");
  });

  it('a skip says why: the upstream outcome, the false condition, or the agent decision', async () => {
    const c = aConstellation(
      ['a', 'b', 'ok', 'by-when', 'by-agent'],
      [aDependency('a', 'b', 'success_only'), aDependency('ok', 'by-when', 'conditional', { when: 'result.go' }), aDependency('ok', 'by-agent', 'conditional', { satisfied: false })],
    );
    const h = harness(c, { concurrency: 2 });
    await h.start();
    h.exec.fail('a', 'disk full');
    h.exec.complete('ok', { go: false });
    await h.settle();
    assert.equal(c.task('b').error?.message, "upstream 'a' failed (success_only dependency)");
    assert.equal(c.task('by-when').error?.message, "condition of dependency 'ok->by-when' is false: result.go");
    assert.equal(c.task('by-agent').error?.message, "the agent decided dependency 'ok->by-agent' is not satisfied");
    const skipped = h.events.filter((e) => e.type === 'task_skipped');
    assert.deepEqual(skipped.map((e) => e.type === 'task_skipped' && e.upstream).sort(), ['a', 'ok', 'ok']);
  });

  it('resolves ${tasks.<id>.result} references at dispatch', async () => {
    const c = aConstellation(['fetch', aTask('use', { description: 'summarise ${tasks.fetch.result.count} errors', inputs: { files: '${tasks.fetch.result.files}' } })], ['fetch->use']);
    const h = harness(c);
    await h.start();
    h.exec.complete('fetch', { count: 2, files: ['a.log', 'b.log'] });
    await h.settle();
    const req = h.exec.run('use').request;
    assert.equal(req.description, 'summarise 2 errors');
    assert.deepEqual(req.inputs, { files: ['a.log', 'b.log'] });
    assert.equal(c.task('use').description, 'summarise ${tasks.fetch.result.count} errors', 'the plan keeps the reference');
  });
});

describe('timeouts and retries', () => {
  it('a task that overruns its timeout is cancelled on the device and fails with code timeout', async () => {
    const h = harness(aConstellation([aTask('slow', { timeoutMs: 5_000 })]));
    await h.start();
    await h.clock.advance(4_999);
    assert.equal(h.c.task('slow').status, 'running');
    await h.clock.advance(1);
    assert.equal(h.c.task('slow').status, 'failed');
    assert.equal(h.c.task('slow').error?.code, 'timeout');
    assert.equal(h.exec.run('slow').cancelled, 'timeout');
    // A late result from the device is ignored.
    h.exec.complete('slow');
    await h.settle();
    assert.equal(h.c.task('slow').status, 'failed');
  });

  it('retries with exponential backoff, then succeeds', async () => {
    const h = harness(aConstellation([aTask('flaky', { retries: 3, retryBackoffMs: 100 })]));
    await h.start();
    h.exec.fail('flaky');
    await h.settle();
    assert.equal(h.c.task('flaky').status, 'pending');
    await h.clock.advance(99);
    assert.equal(h.exec.runs.length, 1, 'not before the first backoff (100 ms)');
    await h.clock.advance(1);
    assert.equal(h.exec.runs.length, 2);
    assert.equal(h.exec.run('flaky').request.attempt, 2);
    h.exec.fail('flaky');
    await h.settle();
    await h.clock.advance(199);
    assert.equal(h.exec.runs.length, 2, 'second backoff is 200 ms');
    await h.clock.advance(1);
    assert.equal(h.exec.runs.length, 3);
    h.exec.complete('flaky', 'fine');
    await h.settle();
    assert.equal(h.c.task('flaky').status, 'completed');
    assert.equal(h.c.task('flaky').attempts, 3);
    const failed = h.events.filter((e) => e.type === 'task_failed');
    assert.deepEqual(failed.map((e) => (e.type === 'task_failed' ? [e.willRetry, e.retryInMs] : [])), [[true, 100], [true, 200]]);
  });

  it('gives up after the last retry', async () => {
    const h = harness(aConstellation([aTask('bad', { retries: 1, retryBackoffMs: 10 })]));
    await h.start();
    h.exec.fail('bad');
    await h.settle();
    await h.clock.advance(10);
    h.exec.fail('bad', 'still broken');
    await h.settle();
    assert.equal(h.c.task('bad').status, 'failed');
    assert.equal(h.c.task('bad').error?.message, 'still broken');
    assert.equal(h.report?.state, 'failed');
  });
});

describe('cancel, pause and resume', () => {
  it('cancelling a running task tells the device, frees the slot, and follows the dependency rules', async () => {
    const c = aConstellation(['a', 'b', 'c'], [aDependency('a', 'b', 'success_only')]);
    const h = harness(c);
    await h.start();
    assert.equal(h.o.cancelTask('a'), true);
    await h.settle();
    assert.equal(c.task('a').status, 'cancelled');
    assert.equal(h.exec.run('a').cancelled, 'cancelled by the user');
    assert.equal(c.task('b').status, 'skipped');
    assert.equal(c.task('c').status, 'running', 'the freed slot is used at once');
  });

  it('cancelling the run leaves nothing running, emits events, ends cancelled, and can be done twice', async () => {
    const c = aConstellation(['a', 'b', 'c', 'd'], ['a->d']);
    const h = harness(c, { deviceIds: ['d1', 'd2'] });
    await h.start();
    h.o.cancel('stop');
    h.o.cancel('again');
    await h.settle();
    assert.equal(h.report?.state, 'cancelled');
    assert.equal(c.statusCounts().running, 0);
    assert.equal(c.statusCounts().cancelled, 4);
    assert.equal(h.exec.runs.filter((r) => r.cancelled === 'stop').length, 2);
    assert.equal(h.events.filter((e) => e.type === 'task_cancelled').length, 4);
    assert.equal(h.types().at(-1), 'constellation_failed');
  });

  it('pause holds new dispatch while running tasks finish; resume continues', async () => {
    const h = harness(aConstellation(['a', 'b'], ['a->b']));
    await h.start();
    h.o.pause();
    h.exec.complete('a');
    await h.settle();
    assert.equal(h.c.task('b').status, 'ready');
    assert.equal(h.exec.runs.length, 1);
    assert.equal(h.o.isEnded, false, 'a paused run is not a stalled run');
    h.o.resume();
    await h.settle();
    assert.equal(h.c.task('b').status, 'running');
  });

  it('retryTask re-runs a failed task and reopens what was skipped because of it', async () => {
    const c = aConstellation(['a', 'b', 'c', 'other'], [aDependency('a', 'b', 'success_only'), aDependency('b', 'c', 'success_only')]);
    const h = harness(c);
    await h.start();
    h.exec.fail('a');
    await h.settle();
    assert.deepEqual([c.task('b').status, c.task('c').status], ['skipped', 'skipped']);
    assert.equal(c.task('other').status, 'running');
    assert.equal(h.o.retryTask('other'), false, 'only finished tasks can be retried');
    assert.equal(h.o.retryTask('a'), true);
    assert.deepEqual([c.task('a').status, c.task('b').status, c.task('c').status], ['ready', 'pending', 'pending']);
    h.exec.complete('other');
    await h.settle();
    h.exec.complete('a');
    await h.settle();
    h.exec.complete('b');
    await h.settle();
    h.exec.complete('c');
    await h.settle();
    assert.equal(h.report?.state, 'completed');
    assert.equal(c.task('a').attempts, 2);
  });
});

describe('stalls, events and the final report', () => {
  it('a task waiting for a device that is gone ends the run with a reason instead of hanging', async () => {
    const h = harness(aConstellation([aTask('a', { device: 'd2' })]), { deviceIds: ['d1', 'd2'] });
    h.o.setDeviceAvailability('d2', 'unavailable');
    await h.start();
    assert.equal(h.report?.reason?.code, 'stalled');
    assert.match(h.report?.reason?.blocked?.[0]?.why ?? '', /queued on device 'd2', which is unavailable/);
  });

  it('every event carries runId and a strictly increasing seq; a throwing observer is isolated', async () => {
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { runId: 'run-1' });
    h.o.events.on('task_started', () => {
      throw new Error('observer bug');
    });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    h.exec.complete('b');
    await h.settle();
    assert.equal(h.report?.state, 'completed');
    assert.ok(h.errors.length >= 2, 'the errors were logged');
    assert.ok(h.events.every((e, i) => e.runId === 'run-1' && e.seq === i + 1));
    assert.deepEqual(h.o.events.since(h.events.length - 2)?.map((e) => e.type), ['task_completed', 'constellation_completed']);
  });

  it('the final report describes the DAG as edited during the run', async () => {
    const h = harness(aConstellation(['a']));
    await h.start();
    assert.ok(h.o.applyEdit([{ op: 'add_task', task: { id: 'late' } }, { op: 'add_dependency', dependency: { from: 'a', to: 'late' } }]).ok);
    h.exec.complete('a');
    await h.settle();
    h.exec.complete('late', 42);
    await h.settle();
    assert.deepEqual(Object.keys(h.report?.tasks ?? {}).sort(), ['a', 'late']);
    assert.equal(h.report?.tasks.late?.result, 42);
  });
});
