import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../src/core/events/event-map';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { DeviceFleet } from '../../src/devices/fleet';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import { aConstellation, aTask } from '../helpers/builders';
import { CuttableProxy, connectFleet, eventually, startAgents } from '../helpers/ws-devices';

const sim = (durationMs: number, result: unknown = { ok: true }) => ({ sim: { durationMs, result, output: 'working' } });

/** Cleans up whatever a test started, even when it fails. */
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function agentsFor(ids: string[], extraArgs: string[] = []): Promise<LocalAgents> {
  const agents = await startAgents(ids, { executor: 'sim', concurrency: 1, extraArgs });
  cleanup.push(() => agents.stop());
  return agents;
}

function orchestrate(c: ReturnType<typeof aConstellation>, fleet: DeviceFleet) {
  const o = new Orchestrator(c, { devices: fleet.specs() });
  fleet.attach(o);
  cleanup.push(() => fleet.close());
  const events: RunEvent[] = [];
  o.events.onAny((e) => events.push(e));
  return { o, events, of: (taskId: string) => events.filter((e) => 'taskId' in e && e.taskId === taskId) };
}

/** Checks no task had two attempts running at once. */
function assertNoOverlap(events: readonly RunEvent[]): void {
  const running = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'task_started') {
      assert.ok(!running.has(e.taskId), `${e.taskId} started again while attempt ${running.get(e.taskId)} still ran`);
      running.set(e.taskId, e.attempt);
    } else if (e.type === 'task_completed' || e.type === 'task_failed' || e.type === 'task_cancelled') running.delete(e.taskId);
  }
}

describe('device faults, with real agent processes', () => {
  it('an agent killed mid-task and restarted: the task fails as device_lost, is retried there, and completes once', async () => {
    const agents = await agentsFor(['a']);
    const fleet = await connectFleet(agents);
    const c = aConstellation([aTask('t1', { device: 'a', retries: 2, retryBackoffMs: 50, inputs: sim(600, 'done') })]);
    const { o, events, of } = orchestrate(c, fleet);
    const report = o.run();
    await eventually(() => c.task('t1').status === 'running', 't1 to run');
    await agents.kill('a');
    await eventually(() => fleet.sessions[0]!.state === 'backoff', 'the session to notice');
    assert.equal(c.task('t1').status, 'running', 'within the grace, the task waits for its device');
    await agents.restart('a');
    const r = await report;
    assert.equal(r.state, 'completed');
    assert.equal(c.task('t1').attempts, 2);
    assert.equal(c.task('t1').result, 'done');
    const failed = of('t1').find((e) => e.type === 'task_failed');
    assert.ok(failed?.type === 'task_failed' && failed.error.code === 'device_lost' && failed.willRetry);
    assert.deepEqual(events.filter((e) => e.type === 'device_status_changed').map((e) => e.type === 'device_status_changed' && e.status), ['recovering', 'available']);
    assertNoOverlap(events);
  });

  it('a socket dropped while the device keeps working: the result is collected after reconnecting, no re-run', async () => {
    const agents = await agentsFor(['a']);
    const proxy = new CuttableProxy(Number(new URL(agents.devices[0]!.url).port));
    const proxied = await proxy.listen();
    cleanup.push(() => proxy.close());
    const fleet = new DeviceFleet([{ ...agents.devices[0]!, url: proxied }], { orchestratorId: 'drop-test', backoff: { initialMs: 300, maxMs: 300 }, graceMs: 10_000 });
    await fleet.connect(5_000);
    const c = aConstellation([aTask('t1', { device: 'a', inputs: sim(150, 42) })]);
    const { o, events } = orchestrate(c, fleet);
    const report = o.run();
    await eventually(() => events.some((e) => e.type === 'task_output' && e.taskId === 't1'), 't1 to be running on the device');
    proxy.cut(); // the task finishes on the device (150 ms) while we are away (300 ms)
    const r = await report;
    assert.equal(r.state, 'completed', JSON.stringify(c.task('t1').error));
    assert.equal(c.task('t1').attempts, 1, 'collected, not run again');
    assert.equal(c.task('t1').result, 42);
    assert.ok(events.some((e) => e.type === 'device_status_changed' && e.status === 'recovering'));
  });

  it('a device gone for good: its running task fails as device_lost after the grace, and the run ends with a report naming what is blocked', async () => {
    const agents = await agentsFor(['a', 'b']);
    const fleet = await connectFleet(agents, { graceMs: 400 });
    const c = aConstellation([aTask('t1', { device: 'a', inputs: sim(5_000) }), aTask('t2', { device: 'a', inputs: sim(10) }), aTask('t3', { device: 'b', inputs: sim(10) })]);
    const { o } = orchestrate(c, fleet);
    const report = o.run();
    await eventually(() => c.task('t1').status === 'running', 't1 to run');
    await agents.kill('a');
    const r = await report;
    assert.equal(c.task('t1').status, 'failed');
    assert.equal(c.task('t1').error?.code, 'device_lost');
    assert.match(c.task('t1').error?.message ?? '', /did not come back within 400 ms/);
    assert.equal(c.task('t3').status, 'completed');
    assert.equal(r.state, 'failed');
    assert.equal(r.reason?.code, 'stalled');
    assert.deepEqual(r.reason?.blocked?.map((b) => b.taskId), ['t2']);
    assert.match(r.reason?.blocked?.[0]?.why ?? '', /device 'a', which is unavailable/);
  });

  it('the same task id in a second run on the same connection is a new task, not the old result', async () => {
    const agents = await agentsFor(['a']);
    const fleet = await connectFleet(agents);
    cleanup.push(() => fleet.close());
    const first = aConstellation([aTask('t1', { device: 'a', inputs: sim(10, 'first') })]);
    await new Orchestrator(first, { devices: fleet.specs() }).run();
    const second = aConstellation([aTask('t1', { device: 'a', inputs: sim(10, 'second') })]);
    const r = await new Orchestrator(second, { devices: fleet.specs() }).run();
    assert.equal(r.state, 'completed');
    assert.equal(first.task('t1').result, 'first');
    assert.equal(second.task('t1').result, 'second');
  });
});
