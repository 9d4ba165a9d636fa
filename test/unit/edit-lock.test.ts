import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aConstellation, aDependency } from '../helpers/builders';
import { harness } from '../helpers/harness';
import { DeferredEditSource } from '../helpers/scripted-edit-source';

describe('safe assignment lock (scope all)', () => {
  it('no dispatch while a batch is pending; running tasks go on; dispatch resumes after', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b', 'c', 'x'], ['a->c']), { deviceIds: ['d1', 'd2'], editSource: src });
    await h.start();
    assert.deepEqual(h.exec.started.sort(), ['a', 'b']);
    h.exec.complete('a');
    await h.settle();
    assert.equal(src.requests.length, 1);
    assert.equal(h.c.task('c').status, 'ready');
    assert.equal(h.exec.started.length, 2, 'c and x wait for the batch although d1 is free');
    assert.equal(h.c.task('b').status, 'running', 'running tasks continue');
    src.answer();
    await h.settle();
    assert.deepEqual(h.exec.started.slice(2).sort(), ['c']);
  });

  it('completions during a pending batch join the next batch (one call for many)', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b', 'c', 'd']), { deviceIds: ['d1', 'd2', 'd3', 'd4'], editSource: src });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    h.exec.complete('b');
    h.exec.complete('c');
    h.exec.complete('d');
    await h.settle();
    assert.equal(src.requests.length, 1);
    assert.deepEqual(src.requests[0]!.completions.map((x) => x.taskId), ['a']);
    src.answer();
    await h.settle();
    assert.equal(src.requests.length, 2);
    assert.deepEqual(src.requests[1]!.completions.map((x) => x.taskId), ['b', 'c', 'd']);
    assert.equal(h.o.isEnded, false, 'the run waits for the last batch before it ends');
    src.answer();
    await h.settle();
    assert.equal(h.report?.state, 'completed');
    assert.equal(h.report?.metrics.editRounds, 2);
  });

  it('a batch applied by the source changes the rest of the plan before it runs', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: src });
    await h.start();
    h.exec.complete('a', { hosts: 2 });
    await h.settle();
    src.answer({ operations: [{ op: 'add_task', task: { id: 'notify' } }, { op: 'add_dependency', dependency: { from: 'a', to: 'notify' } }, { op: 'update_task', taskId: 'b', changes: { priority: 4 } }] });
    await h.settle();
    const modified = h.events.find((e) => e.type === 'constellation_modified');
    assert.ok(modified && modified.type === 'constellation_modified');
    assert.deepEqual(modified.triggeredBy, ['a']);
    assert.equal(h.exec.started[1], 'b', 'b was raised to critical and runs first');
    assert.equal(h.c.task('notify').status, 'ready');
  });

  it('the edit timeout releases the lock, drops the batch and tells why', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: src, editTimeoutMs: 1_000 });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    assert.equal(h.c.task('b').status, 'ready');
    await h.clock.advance(1_000);
    assert.equal(h.c.task('b').status, 'running');
    const rejected = h.events.find((e) => e.type === 'edit_rejected');
    assert.ok(rejected && rejected.type === 'edit_rejected' && rejected.code === 'timeout');
    assert.equal(src.requests[0]!.signal.aborted, true);
    // A late answer changes nothing.
    src.answer({ operations: [{ op: 'add_task', task: { id: 'late' } }] });
    await h.settle();
    assert.equal(h.c.hasTask('late'), false);
  });

  it('an invalid batch is sent back with its violations, then dropped after the repair rounds', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: src, editRepairRounds: 1 });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    const bad = { operations: [{ op: 'update_task', taskId: 'a', changes: { name: 'x' } }] };
    src.answer(bad);
    await h.settle();
    assert.equal(src.requests.length, 2);
    assert.equal(src.requests[1]!.rejected?.violations[0]?.code, 'not_modifiable');
    src.answer(bad);
    await h.settle();
    assert.equal(src.requests.length, 2, 'no third attempt');
    assert.equal(h.c.task('b').status, 'running', 'the run continues');
    const rejections = h.events.filter((e) => e.type === 'edit_rejected');
    assert.deepEqual(rejections.map((e) => (e.type === 'edit_rejected' ? e.willRepair : null)), [true, false]);
  });

  it('status fail cancels the run with the reason; finish is refused while work remains', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b', 'c'], ['a->b']), { editSource: src, deviceIds: ['d1', 'd2'] });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    src.answer({ status: 'finish', operations: [] });
    await h.settle();
    assert.ok(h.events.some((e) => e.type === 'edit_rejected' && e.code === 'finish_refused'));
    h.exec.complete('b');
    await h.settle();
    src.answer({ status: 'fail', operations: [], reason: 'the logs are unreadable' });
    await h.settle();
    assert.equal(h.report?.state, 'cancelled');
    assert.equal(h.report?.reason?.code, 'agent_failed');
    assert.match(h.report?.reason?.message ?? '', /unreadable/);
  });

  it('a conditional edge without predicate waits for the agent decision', async () => {
    const src = new DeferredEditSource();
    const c = aConstellation(['a', 'b'], [aDependency('a', 'b', 'conditional', { condition: 'only if errors were found' })]);
    const h = harness(c, { editSource: src });
    await h.start();
    h.exec.complete('a', { errors: 0 });
    await h.settle();
    assert.deepEqual(src.requests[0]!.decisionsNeeded.map((d) => d.id), ['a->b']);
    src.answer({ operations: [{ op: 'update_dependency', dependencyId: 'a->b', changes: { satisfied: false } }] });
    await h.settle();
    assert.equal(c.task('b').status, 'skipped');
  });

  it('on resume, a conditional edge out of a task finished before the crash is put to the agent', async () => {
    const src = new DeferredEditSource();
    const c = aConstellation(
      ['a', 'b', 'c'],
      [aDependency('a', 'b', 'conditional', { condition: 'only if errors were found' }), aDependency('a', 'c', 'conditional', { when: 'result.errors == 0' })],
    );
    c.task('a').result = { errors: 2 };
    c.transition('a', 'completed');
    const h = harness(c, { editSource: src, interrupted: [] });
    await h.start();
    assert.equal(c.task('c').status, 'skipped', 'a predicate decides without the agent');
    assert.equal(src.requests.length, 1, 'the agent is asked about the restored completion');
    assert.deepEqual(src.requests[0]!.decisionsNeeded.map((d) => d.id), ['a->b']);
    assert.equal(c.task('b').status, 'pending');
    src.answer({ operations: [{ op: 'update_dependency', dependencyId: 'a->b', changes: { satisfied: true } }] });
    await h.settle();
    assert.equal(c.task('b').status, 'running');
    h.exec.complete('b');
    await h.settle();
    src.answer(); // the round for b's completion
    await h.settle();
    assert.equal(h.report?.state, 'completed');
  });
});

describe('safe assignment lock (scope downstream)', () => {
  /** Two independent chains a → a2 and b → b2 on two devices, lock scope downstream. */
  async function twoChains() {
    const src = new DeferredEditSource();
    const c = aConstellation(['a', 'a2', 'b', 'b2'], ['a->a2', 'b->b2']);
    const h = harness(c, { deviceIds: ['d1', 'd2'], editSource: src, lockScope: 'downstream' });
    await h.start();
    return { src, c, h };
  }

  it('holds only tasks downstream of the batch; the rest keeps flowing', async () => {
    const { src, c, h } = await twoChains();
    h.exec.complete('a');
    await h.settle();
    assert.equal(c.task('a2').status, 'ready', 'downstream of a: held');
    h.exec.complete('b');
    await h.settle();
    // b's completion waits for the next round, but b2 is not downstream of the pending batch (a).
    assert.equal(c.task('b2').status, 'running');
    assert.equal(c.task('a2').status, 'ready');
    src.answer();
    await h.settle();
    assert.equal(c.task('a2').status, 'running');
  });

  it('an edit for a task that started meanwhile is rejected as not modifiable and sent back', async () => {
    const { src, h } = await twoChains();
    h.exec.complete('a');
    await h.settle();
    h.exec.complete('b');
    await h.settle();
    src.answer({ operations: [{ op: 'update_task', taskId: 'b2', changes: { priority: 4 } }] });
    await h.settle();
    assert.equal(src.requests[1]?.rejected?.violations[0]?.code, 'not_modifiable');
  });
});
