import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/events/event-map';
import { planFromJson } from '../../src/core/io/plan-file';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { Journal } from '../../src/core/persistence/journal';
import { FileJournalStore } from '../../src/runtime/file-journal-store';
import { connectFleet, startAgents } from '../helpers/ws-devices';

const TASKS = 1_000;
const AGENTS = 8;
const KILL_EVERY_MS = 2_000;
const BACK_AFTER_MS = 500;

/** Ten layers of a hundred tasks, each after one task of the layer before; placed by strategy. */
function chaosPlan() {
  const tasks = Array.from({ length: TASKS }, (_, i) => ({ id: `t${i}`, retries: 20, retryBackoffMs: 20, inputs: { sim: { durationMs: 60, result: { n: i } } } }));
  const dependencies = tasks.slice(100).map((t, i) => ({ from: `t${(i * 7) % 100 + Math.floor(i / 100) * 100}`, to: t.id }));
  return planFromJson({ id: 'chaos', name: 'chaos', tasks, dependencies }, { source: 'chaos' });
}

describe('chaos: agents killed and restarted while a large run goes on', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-journal-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`${TASKS} tasks over ${AGENTS} agents, one killed every ${KILL_EVERY_MS / 1000} s: all complete, none runs twice at once, no result lost`, async (t) => {
    const ids = Array.from({ length: AGENTS }, (_, i) => `chaos-${i + 1}`);
    const agents = await startAgents(ids, { executor: 'sim' });
    const fleet = await connectFleet(agents, { graceMs: 30_000 });
    const c = chaosPlan();
    const o = new Orchestrator(c, { devices: fleet.specs(), runId: 'chaos-run' });
    fleet.attach(o);
    const journal = new Journal(new FileJournalStore(dir), o.runId, { test: 'chaos' });
    journal.attach(o);

    let kills = 0;
    let random = 12345;
    const nextRandom = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const restarts = new Set<NodeJS.Timeout>();
    const driver = setInterval(() => {
      const victim = ids[Math.floor(nextRandom() * ids.length)]!;
      kills++;
      void agents.kill(victim).then(() => {
        const t = setTimeout(() => {
          restarts.delete(t);
          void agents.restart(victim);
        }, BACK_AFTER_MS);
        restarts.add(t);
      });
    }, KILL_EVERY_MS);
    let report;
    try {
      report = await o.run();
    } finally {
      clearInterval(driver);
      for (const t of restarts) clearTimeout(t);
      journal.close();
      fleet.close();
      await agents.stop();
    }

    assert.ok(kills >= 3, `the driver killed ${kills} agent(s); the run was too short to test anything`);
    assert.equal(report.state, 'completed', report.reason?.message);
    for (let i = 0; i < TASKS; i++) assert.deepEqual(c.task(`t${i}`).result, { n: i }, `t${i} kept its result`);

    // The journal, read back from disk: no task is ever running on two devices at once.
    const events = fs
      .readFileSync(path.join(dir, o.runId, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunEvent);
    const running = new Map<string, string>();
    let lost = 0;
    for (const e of events) {
      if (e.type === 'task_started') {
        assert.ok(!running.has(e.taskId), `${e.taskId} started on ${e.device} while still running on ${running.get(e.taskId)}`);
        running.set(e.taskId, e.device);
      } else if (e.type === 'task_completed' || e.type === 'task_failed' || e.type === 'task_cancelled') {
        if (e.type === 'task_failed' && e.error.code === 'device_lost') lost++;
        running.delete(e.taskId);
      }
    }
    assert.equal(running.size, 0, 'nothing left running');
    assert.equal(events.filter((e) => e.type === 'task_completed').length, TASKS, 'each task completed exactly once');
    assert.ok(lost > 0, 'some attempts were lost with their device (otherwise the chaos missed)');
    t.diagnostic(`${kills} kills, ${lost} attempts lost with their device and retried, run took ${report.metrics.durationMs.toFixed(0)} ms`);
  });
});
