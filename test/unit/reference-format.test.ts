import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportReference, importReference } from '../../src/core/io/reference-format';
import { planFromJson } from '../../src/core/io/plan-file';
import { InvalidInputError } from '../../src/core/model/errors';

/** Shaped like the reference's own test fixture (upper-case enum names, string priority, maps keyed by id). */
const referenceExample = {
  constellation_id: 'log_triage',
  name: 'Log triage',
  state: 'CREATED',
  tasks: {
    collect: {
      task_id: 'collect', name: 'Collect logs', description: 'Gather /var/log/app/*.log', tips: null, target_device_id: 'linux-1',
      device_type: 'LINUX', priority: 'HIGH', status: 'PENDING', result: null, error: null, timeout: 30.5, retry_count: 2, current_retry: 0,
      task_data: { path: '/var/log/app' }, expected_output_type: 'text', created_at: '2025-09-29T06:58:36.713140+00:00', updated_at: '2025-09-29T06:58:36.713140+00:00',
      execution_start_time: null, execution_end_time: null, execution_duration: null, dependencies: [], dependents: ['summarise'],
    },
    summarise: {
      task_id: 'summarise', name: 'Summarise', description: 'Summarise the errors', tips: ['Group by error code'], target_device_id: null,
      device_type: null, priority: 'MEDIUM', status: 'PENDING', result: null, error: null, timeout: null, retry_count: 0, current_retry: 0,
      task_data: {}, expected_output_type: null, created_at: null, updated_at: null, execution_start_time: null, execution_end_time: null,
      execution_duration: null, dependencies: ['collect'], dependents: ['ticket'],
    },
    ticket: { task_id: 'ticket', name: 'Open ticket', description: 'File it', priority: 1, status: 'pending' },
  },
  dependencies: {
    'fa37dc62-d6db-4888-ad5d-c9eb0fb3556f': {
      line_id: 'fa37dc62-d6db-4888-ad5d-c9eb0fb3556f', from_task_id: 'collect', to_task_id: 'summarise', dependency_type: 'SUCCESS_ONLY',
      condition_description: '', metadata: {}, is_satisfied: false, last_evaluation_result: null, last_evaluation_time: null,
      created_at: '2025-09-29T06:58:36.713140+00:00', updated_at: '2025-09-29T06:58:36.713140+00:00',
    },
    l2: { line_id: 'l2', from_task_id: 'summarise', to_task_id: 'ticket', dependency_type: 'conditional', condition_description: 'only if errors were found' },
  },
  metadata: {},
  enable_visualization: true,
  created_at: '2025-09-29T06:58:36.712112+00:00',
};

describe('reference format', () => {
  it('imports the reference layout into a valid native plan', () => {
    const plan = importReference(referenceExample);
    const c = planFromJson(plan);
    assert.equal(c.id, 'log_triage');
    const collect = c.task('collect');
    assert.deepEqual([collect.device, collect.deviceType, collect.priority, collect.timeoutMs, collect.retries], ['linux-1', 'linux', 3, 30_500, 2]);
    assert.deepEqual(collect.inputs, { path: '/var/log/app' });
    assert.equal(c.task('ticket').priority, 1);
    assert.equal(c.dependency('fa37dc62-d6db-4888-ad5d-c9eb0fb3556f').type, 'success_only');
    assert.equal(c.dependency('l2').type, 'conditional');
    assert.equal(c.dependency('l2').condition, 'only if errors were found');
  });

  it('export writes the to_dict layout and round-trips', () => {
    const c = planFromJson(importReference(referenceExample));
    const out = exportReference(c) as { tasks: Record<string, Record<string, unknown>>; dependencies: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(out.tasks), ['collect', 'summarise', 'ticket']);
    assert.equal(out.tasks.collect!.priority, 3);
    assert.equal(out.tasks.collect!.status, 'pending');
    assert.equal(out.tasks.collect!.timeout, 30.5);
    assert.deepEqual(out.tasks.summarise!.dependencies, ['collect']);
    assert.equal(out.dependencies.l2!.dependency_type, 'conditional');
    const back = planFromJson(importReference(JSON.parse(JSON.stringify(out))));
    for (const t of c.tasks()) {
      const b = back.task(t.id);
      assert.deepEqual([b.name, b.description, b.priority, b.device, b.timeoutMs, b.retries, b.inputs], [t.name, t.description, t.priority, t.device, t.timeoutMs, t.retries, t.inputs]);
    }
    assert.deepEqual([...back.dependencies()].map((d) => [d.id, d.type]), [...c.dependencies()].map((d) => [d.id, d.type]));
  });

  it("--aip-inputs: each task's inputs also travel as a constellation-inputs tip, which import reads back as inputs (not a tip)", () => {
    const c = planFromJson({ id: 'p', tasks: [{ id: 'a', tips: ['be quick'], inputs: { command: 'echo hi' } }, { id: 'b', inputs: { sim: { durationMs: 5 } } }, { id: 'c' }] });
    const out = exportReference(c, new Date(), { aipInputs: true }) as { tasks: Record<string, { tips: string[]; task_data: unknown }>; metadata: Record<string, unknown> };
    assert.deepEqual(out.tasks.a!.tips, ['be quick', 'constellation-inputs: {"command":"echo hi"}']);
    assert.deepEqual(out.tasks.c!.tips, [], 'a task without inputs gets no tip');
    // Galaxy, reading only the words, still carries the inputs: without task_data or our metadata, import finds them in the tip.
    const wordsOnly = JSON.parse(JSON.stringify(out)) as typeof out;
    delete wordsOnly.metadata._constellation;
    for (const t of Object.values(wordsOnly.tasks)) t.task_data = {};
    const back = planFromJson(importReference(wordsOnly));
    assert.deepEqual(back.task('a').inputs, { command: 'echo hi' });
    assert.deepEqual(back.task('a').tips, ['be quick'], 'the inputs tip is not kept as a tip');
    assert.deepEqual(back.task('b').inputs, { sim: { durationMs: 5 } });
    const now = new Date();
    assert.deepEqual(exportReference(c, now).tasks, exportReference(c, now, { aipInputs: false }).tasks, 'without the flag, export is as before');
    const broken = JSON.parse(JSON.stringify(out)) as typeof out;
    broken.tasks.a!.tips = ['constellation-inputs: {oops'];
    assert.throws(() => importReference(broken), (e: InvalidInputError) => e.problems.some((p) => p.path === 'tasks.a.tips' && /not JSON/.test(p.message)));
  });

  it('rejects lines without endpoints and unknown enum values, naming where', () => {
    assert.throws(
      () => importReference({ tasks: { a: { task_id: 'a', priority: 'URGENT' } }, dependencies: { l: { line_id: 'l', from_task_id: 'a' } } }),
      (err: unknown) => err instanceof InvalidInputError && err.problems.some((p) => p.path === 'dependencies.l.to_task_id'),
    );
    assert.throws(
      () => importReference({ tasks: { a: { task_id: 'a', priority: 'URGENT' } } }),
      (err: unknown) => err instanceof InvalidInputError && err.problems[0]?.path === 'tasks.a.priority',
    );
  });
});
