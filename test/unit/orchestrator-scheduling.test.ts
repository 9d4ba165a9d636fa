import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aConstellation, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';

describe('dispatch order', () => {
  it('higher priority runs first', async () => {
    const h = harness(aConstellation([aTask('low', { priority: 1 }), aTask('crit', { priority: 'critical' }), aTask('mid'), aTask('high', { priority: 3 })]));
    await h.start();
    for (let i = 0; i < 3; i++) {
      h.exec.complete(h.exec.started.at(-1)!);
      await h.settle();
    }
    assert.deepEqual(h.exec.started, ['crit', 'high', 'mid', 'low']);
  });

  it('at equal priority, the longest path below runs first (critical path), then more dependants, then id', async () => {
    // Children are low priority so they never overtake the roots whose order is under test.
    const low = (id: string) => aTask(id, { priority: 1 });
    const c = aConstellation(
      ['w', 'v', 'x', 'y', 'z', low('x1'), low('y1'), low('y2'), low('z1'), low('z2'), low('z3')],
      ['x->x1', 'y->y1', 'y->y2', 'z->z1', 'z1->z2', 'z2->z3'],
    );
    const h = harness(c);
    await h.start();
    while (h.c.statusCounts().running > 0) {
      h.exec.complete(h.exec.started.at(-1)!);
      await h.settle();
    }
    const roots = h.exec.started.filter((id) => id.length === 1);
    // z: path of 3 below; y and x: 1 below, y has 2 dependants; v and w: nothing, by id.
    assert.deepEqual(roots, ['z', 'y', 'x', 'v', 'w']);
    assert.equal(h.report?.state, 'completed');
  });

  it('never starts more tasks on a device than its slots, and fills free slots at once', async () => {
    const h = harness(aConstellation(['a', 'b', 'c', 'd', 'e']), { concurrency: 2 });
    await h.start();
    assert.equal(h.exec.started.length, 2);
    h.exec.complete(h.exec.started[0]!);
    await h.settle();
    assert.equal(h.exec.started.length, 3);
    let maxRunning = 0;
    let running = 0;
    h.o.events.on('task_started', () => (maxRunning = Math.max(maxRunning, ++running)));
    h.o.events.on('task_completed', () => running--);
    running = 2;
    while (h.c.statusCounts().running > 0) {
      h.exec.complete(h.exec.runs.find((r) => h.c.task(r.request.taskId).status === 'running')!.request.taskId);
      await h.settle();
    }
    assert.ok(maxRunning <= 2);
    assert.equal(h.report?.state, 'completed');
  });

  it('a global cap limits tasks running over all devices', async () => {
    const h = harness(aConstellation(['a', 'b', 'c', 'd']), { deviceIds: ['d1', 'd2', 'd3'], maxConcurrent: 2 });
    await h.start();
    assert.equal(h.c.statusCounts().running, 2);
    h.exec.complete(h.exec.started[0]!);
    await h.settle();
    assert.equal(h.c.statusCounts().running, 2);
  });

  it('a task pinned to a device runs there, even if others are idle', async () => {
    const h = harness(aConstellation([aTask('a', { device: 'd2' }), aTask('b', { device: 'd2' })]), { deviceIds: ['d1', 'd2'] });
    await h.start();
    assert.deepEqual(h.exec.runs.map((r) => [r.request.taskId, r.request.device]), [['a', 'd2']]);
  });
});

describe('placement strategies', () => {
  const caps = { d1: ['linux'], d2: ['linux', 'gpu', 'docker'], d3: ['linux', 'gpu'] };
  const devices = ['d1', 'd2', 'd3'];

  it('round_robin: rotates over able devices regardless of load', async () => {
    const h = harness(aConstellation(['a', 'b', 'c', 'd', 'e', 'f']), { deviceIds: devices, capabilities: caps, strategy: 'round_robin' });
    await h.start();
    assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => h.c.task(id).assignedDevice), ['d1', 'd2', 'd3', 'd1', 'd2', 'd3']);
  });

  it('capability_match: only devices with every required capability, tightest fit first', async () => {
    const c = aConstellation([aTask('g1', { capabilities: ['gpu'] }), aTask('g2', { capabilities: ['gpu'] }), aTask('l', { capabilities: ['linux'] }), aTask('k', { capabilities: ['docker'] })]);
    const h = harness(c, { deviceIds: devices, capabilities: caps, strategy: 'capability_match' });
    await h.start();
    assert.equal(h.c.task('l').assignedDevice, 'd1');
    assert.equal(h.c.task('k').assignedDevice, 'd2');
    // Tightest fit for gpu is d3 (1 extra) before d2 (2 extra); the second gpu task goes to d3's queue
    // unless load makes d2 cheaper: fit wins over load.
    assert.equal(h.c.task('g1').assignedDevice, 'd3');
    assert.equal(h.c.task('g2').assignedDevice, 'd3');
  });

  it('load_balance: the least outstanding work per slot', async () => {
    const c = aConstellation(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const h = harness(c, {
      strategy: 'load_balance',
      devices: [
        { id: 'big', executor: undefined as never, concurrency: 4 },
        { id: 'small', executor: undefined as never, concurrency: 1 },
      ].map((d) => ({ ...d, executor: harness(aConstellation([])).exec })),
    });
    await h.start();
    const placed = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => h.c.task(id).assignedDevice);
    assert.equal(placed.filter((d) => d === 'big').length, 5, placed.join(','));
    assert.equal(placed.filter((d) => d === 'small').length, 2, placed.join(','));
  });

  it('a task no device can run waits, and the run ends as stalled naming it', async () => {
    const h = harness(aConstellation([aTask('a'), aTask('needs-gpu', { capabilities: ['gpu'] })]), { deviceIds: ['d1'] });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    assert.equal(h.report?.state, 'failed');
    assert.equal(h.report?.reason?.code, 'stalled');
    assert.deepEqual(h.report?.reason?.blocked, [{ taskId: 'needs-gpu', why: 'no registered device offers capabilities [gpu]' }]);
  });
});
