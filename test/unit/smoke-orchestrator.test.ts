import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import { aConstellation } from '../helpers/builders';

describe('orchestrator with the sim executor', () => {
  it('runs a diamond to completion in dependency order', async () => {
    const c = aConstellation(['a', 'b', 'c', 'd'], ['a->b', 'a->c', 'b->d', 'c->d']);
    const sim = new SimExecutor();
    const o = new Orchestrator(c, { devices: [{ id: 'd1', executor: sim }, { id: 'd2', executor: sim }] });
    const order: string[] = [];
    o.events.on('task_started', (e) => order.push(e.taskId));
    const report = await o.run();
    assert.equal(report.state, 'completed');
    assert.equal(order[0], 'a');
    assert.equal(order[3], 'd');
    assert.deepEqual(report.counts.completed, 4);
  });
});
