import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Compiled to out/test/unit: the CLI is out/src/cli/main.js, the sources are three levels up.
const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const ROOT = path.join(__dirname, '..', '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<Outcome>;
}

const children = new Set<ChildProcess>();
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'constellation-cli-'));
});

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(args: readonly string[], cwd = tmp): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Outcome>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

function cli(...args: string[]): Promise<Outcome> {
  return start(args).done;
}

async function waitFor(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Sim = { durationMs?: number; fail?: boolean | string; failTimes?: number; result?: unknown; output?: string[] };

function simTask(id: string, sim: Sim, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, inputs: { sim }, ...extra };
}

let planCount = 0;
function writePlan(tasks: unknown[], dependencies: unknown[] = [], id = 'p'): string {
  const file = path.join(tmp, `plan-${++planCount}.constellation.json`);
  fs.writeFileSync(file, JSON.stringify({ id, name: `Plan ${id}`, tasks, dependencies }, null, 2));
  return file;
}

interface JsonReport {
  runId: string;
  constellationId: string;
  state: string;
  reason?: { code: string; message: string };
  tasks: Record<string, { status: string; device: string | null; attempts: number; startedAt: string | null; endedAt: string | null; result: unknown; error: { code: string; message: string } | null }>;
  metrics: { durationMs: number };
}

function parseReport(out: Outcome): JsonReport {
  return JSON.parse(out.stdout) as JsonReport;
}

/** retry (fails once, then succeeds), a failure that skips its success_only dependant, a completion_only cleanup. */
function retryAndSkipPlan(): string {
  return writePlan(
    [
      simTask('fetch', { durationMs: 20, failTimes: 1, result: { rows: 3 } }, { retries: 2, retryBackoffMs: 10 }),
      simTask('broken', { durationMs: 10, fail: 'disk on fire' }),
      simTask('after-broken', { durationMs: 10 }),
      simTask('cleanup', { durationMs: 10, result: 'clean' }),
      simTask('report', { durationMs: 10, result: 'done' }),
    ],
    [
      { from: 'broken', to: 'after-broken', type: 'success_only' },
      { from: 'broken', to: 'cleanup', type: 'completion_only' },
      { from: 'fetch', to: 'report', type: 'success_only' },
    ],
    'mixed',
  );
}

describe('constellation CLI', () => {
  it('exits 0 when every task completed, 1 when one failed, 2 for invalid input', async () => {
    const good = writePlan([simTask('a', { durationMs: 5 }), simTask('b', { durationMs: 5 })], [{ from: 'a', to: 'b' }]);
    const bad = writePlan([simTask('a', { durationMs: 5, fail: true })]);
    const ok = await cli('run', good, '--devices', 'sim:2');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /completed/);
    const failed = await cli('run', bad);
    assert.equal(failed.code, 1, failed.stderr);
    const unknownOption = await cli('run', good, '--colour');
    assert.equal(unknownOption.code, 2);
    assert.match(unknownOption.stderr, /unknown option '--colour'/);
    const unknownCommand = await cli('rnu', good);
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /unknown command 'rnu'[\s\S]*did you mean 'run'/);
    const badDevices = await cli('run', good, '--devices', 'sim:a,a');
    assert.equal(badDevices.code, 2);
    assert.match(badDevices.stderr, /listed twice/);
  });

  it('--json prints only the report, with retries and skips visible', async () => {
    const out = await cli('run', retryAndSkipPlan(), '--devices', 'sim:2', '--json');
    assert.equal(out.code, 1, out.stderr);
    const report = parseReport(out); // throws if anything else is on stdout
    assert.equal(report.constellationId, 'mixed');
    assert.equal(report.state, 'partially_failed');
    assert.equal(report.reason?.code, 'failed');
    assert.deepEqual(Object.keys(report.tasks).sort(), ['after-broken', 'broken', 'cleanup', 'fetch', 'report']);
    const t = report.tasks;
    assert.deepEqual(
      { status: t.fetch!.status, attempts: t.fetch!.attempts, result: t.fetch!.result, error: t.fetch!.error },
      { status: 'completed', attempts: 2, result: { rows: 3 }, error: null },
    );
    assert.equal(t.broken!.status, 'failed');
    assert.deepEqual(t.broken!.error, { code: 'sim_failure', message: 'disk on fire' });
    assert.equal(t['after-broken']!.status, 'skipped');
    assert.equal(t['after-broken']!.attempts, 0);
    assert.equal(t['after-broken']!.error?.code, 'dependency_unsatisfied');
    assert.equal(t.cleanup!.status, 'completed');
    assert.equal(t.report!.result, 'done');
    for (const task of Object.values(t)) {
      assert.deepEqual(Object.keys(task).sort(), ['attempts', 'device', 'endedAt', 'error', 'result', 'startedAt', 'status']);
      if (task.status === 'completed') assert.match(task.device ?? '', /^sim-[12]$/);
    }
    assert.equal(typeof report.metrics.durationMs, 'number');
  });

  it('without a TTY, prints one line per event, task output with a [taskId] prefix, and a summary that explains the failure', async () => {
    const out = await cli('run', retryAndSkipPlan(), '--devices', 'sim:2');
    assert.equal(out.code, 1);
    const text = out.stdout;
    assert.ok(!text.includes('\u001b['), 'no ANSI escapes when stdout is not a TTY');
    assert.match(text, /retrying +fetch failed on sim-\d \(attempt 1 of 3\): simulated failure on attempt 1 \[sim_failure\]; will retry/);
    assert.match(text, /failed +broken on sim-\d \(attempt 1\): disk on fire \[sim_failure\]; no retries/);
    assert.match(text, /skipped +after-broken: upstream 'broken' failed \(success_only dependency\)/);
    assert.match(text, /completed +cleanup on sim-\d/);
    assert.match(text, /partially failed/);
    assert.match(text, /broken failed on sim-\d: disk on fire \[sim_failure\]\n +so 1 task never ran: after-broken/);
    assert.match(text, /still ran \(completion_only dependency\): cleanup/);

    const withOutput = writePlan([simTask('talker', { durationMs: 30, output: ['first line', 'second line'] })]);
    const talk = await cli('run', withOutput);
    assert.match(talk.stdout, /^\[talker\] first line$/m);
    assert.match(talk.stdout, /^\[talker\] second line$/m);
  });

  it('validate lists every problem with its path, and locates JSON syntax errors by line and column', async () => {
    const malformed = path.join(tmp, 'malformed.constellation.json');
    fs.writeFileSync(malformed, JSON.stringify({ tasks: [{ id: 'a', priority: 9 }, { id: 'b', retries: -1 }], dependencies: [{ from: 'a', to: 'nope' }] }));
    const out = await cli('validate', malformed);
    assert.equal(out.code, 2);
    const lines = out.stdout.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`${malformed}: tasks[0].priority: `) && l.endsWith('[invalid_field]')), out.stdout);
    assert.ok(lines.some((l) => l.startsWith(`${malformed}: tasks[1].retries: `)), out.stdout);

    const dangling = writePlan([{ id: 'a' }], [{ from: 'a', to: 'ghost' }, { from: 'a', to: 'a' }]);
    const json = await cli('validate', dangling, '--json');
    assert.equal(json.code, 2);
    const problems = JSON.parse(json.stdout) as { code: string; path: string; message: string }[];
    assert.deepEqual(
      problems.map((p) => [p.code, p.path]),
      [
        ['unknown_task', 'dependencies[0].to'],
        ['cycle', 'dependencies[1]'],
      ],
    );

    const syntax = path.join(tmp, 'syntax.constellation.json');
    fs.writeFileSync(syntax, '{\n  "tasks": [\n    { "id": "a", }\n  ]\n}\n');
    const bad = await cli('validate', syntax);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /syntax\.constellation\.json: line 3, column \d+: not valid JSON/);

    const fine = await cli('validate', path.join(EXAMPLES, 'demo.constellation.json'), '--devices', 'sim:linux-1,linux-2,windows-1');
    assert.equal(fine.code, 0, fine.stdout);
    assert.match(fine.stdout, /^ok: \d+ tasks, \d+ dependencies$/m);
    const wrongDevices = await cli('validate', path.join(EXAMPLES, 'demo.constellation.json'), '--devices', 'sim:2');
    assert.equal(wrongDevices.code, 2);
    assert.match(wrongDevices.stdout, /device 'linux-1' is not registered \[unknown_device\]/);
  });

  it('import then export round-trips the reference example', async () => {
    const source = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'reference', 'example.json'), 'utf8')) as RefFile;
    const planFile = path.join(tmp, 'imported.constellation.json');
    const imported = await cli('import', path.join(EXAMPLES, 'reference', 'example.json'), '-o', planFile);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, '');
    const validated = await cli('validate', planFile);
    assert.equal(validated.code, 0, validated.stdout);
    const exported = await cli('export', planFile);
    assert.equal(exported.code, 0, exported.stderr);
    const back = JSON.parse(exported.stdout) as RefFile;

    const PRIORITY: Record<string, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
    const tasks = (ref: RefFile) =>
      Object.values(ref.tasks)
        .map((t) => ({ id: t.task_id, name: t.name, priority: typeof t.priority === 'number' ? t.priority : PRIORITY[t.priority], device: t.target_device_id }))
        .sort((a, b) => a.id.localeCompare(b.id));
    const lines = (ref: RefFile) =>
      Object.values(ref.dependencies)
        .map((l) => `${l.from_task_id}->${l.to_task_id}:${l.dependency_type.toLowerCase()}`)
        .sort();
    assert.equal(Object.keys(source.tasks).length, 4);
    assert.deepEqual(tasks(back), tasks(source));
    assert.deepEqual(lines(back), lines(source));
    assert.ok(lines(source).includes('check-disk-build->prune-artifacts:conditional'));

    const notReference = path.join(tmp, 'not-reference.json');
    fs.writeFileSync(notReference, JSON.stringify({ tasks: { a: { priority: 'URGENT' } }, dependencies: { l: { from_task_id: 'a' } } }));
    const rejected = await cli('import', notReference);
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /not-reference\.json: dependencies\.l\.to_task_id: /);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} cancels the run cleanly: exit 1, state cancelled, nothing left running`, async () => {
      const slow = writePlan(
        [simTask('a', { durationMs: 30_000 }), simTask('b', { durationMs: 30_000 }), simTask('c', { durationMs: 5 }), simTask('d', { durationMs: 5 })],
        [{ from: 'a', to: 'c' }, { from: 'b', to: 'd' }],
      );
      const run = start(['run', slow, '--devices', 'sim:2', '--json']);
      await waitFor('both slow tasks to start', () => (run.stderr().match(/started +[ab] on/g) ?? []).length === 2);
      const sentAt = Date.now();
      run.child.kill(signal);
      const out = await run.done;
      assert.ok(Date.now() - sentAt < 5_000, 'the run stops promptly');
      assert.equal(out.code, 1, out.stderr);
      const report = parseReport(out);
      assert.equal(report.state, 'cancelled');
      assert.match(report.reason?.message ?? '', new RegExp(`interrupted by ${signal}`));
      assert.deepEqual(Object.values(report.tasks).map((t) => t.status).sort(), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
      assert.equal(report.tasks.a!.attempts, 1, 'a had started and was told to stop');
      assert.equal(report.tasks.c!.attempts, 0, 'c never started');
    });
  }

  it('resumes a run killed mid-way: finished tasks keep their results and are not run again', async () => {
    const journal = path.join(tmp, 'journal');
    const tasks = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => simTask(id, { durationMs: 250, result: { step: i, id } }));
    const chain = writePlan(tasks, ['a->b', 'b->c', 'c->d', 'd->e', 'e->f'].map((e) => ({ from: e.split('->')[0], to: e.split('->')[1] })), 'chain');
    const first = start(['run', chain, '--devices', 'sim:2', '--journal', journal]);
    let eventsFile = '';
    const events = () => (eventsFile && fs.existsSync(eventsFile) ? fs.readFileSync(eventsFile, 'utf8') : '');
    await waitFor('the journal', () => {
      const runs = fs.existsSync(journal) ? fs.readdirSync(journal) : [];
      if (runs.length === 1) eventsFile = path.join(journal, runs[0]!, 'events.jsonl');
      return runs.length === 1;
    });
    await waitFor('two completed tasks', () => (events().match(/"type":"task_completed"/g) ?? []).length >= 2);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const runId = path.basename(path.dirname(eventsFile));
    assert.match(first.stdout(), new RegExp(`run ${runId}`), 'the run id is printed');
    const before = parseEvents(events());
    const doneBefore = before.filter((e) => e.type === 'task_completed').map((e) => e.taskId!);
    assert.ok(doneBefore.length >= 2 && doneBefore.length < 6, `completed before the crash: ${doneBefore.join(', ')}`);

    const resumed = await cli('resume', runId, '--journal', journal, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = parseReport(resumed);
    assert.equal(report.runId, runId);
    assert.equal(report.state, 'completed');
    for (const [id, t] of Object.entries(report.tasks)) {
      assert.equal(t.status, 'completed', id);
      assert.deepEqual(t.result, { step: 'abcdef'.indexOf(id), id }, id);
    }
    const all = parseEvents(events());
    for (const id of doneBefore) {
      assert.equal(report.tasks[id]!.attempts, 1, `${id} ran once`);
      assert.equal(all.filter((e) => e.type === 'task_started' && e.taskId === id).length, 1, `${id} started once in the whole journal`);
    }
    const seqs = all.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'event numbering continues across the resume');
    assert.equal(new Set(seqs).size, seqs.length, 'no seq is used twice');

    const again = await cli('resume', runId, '--journal', journal);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already ended \(completed\)/);
    assert.equal(parseEvents(events()).length, all.length, 'an ended run is not run again');

    const unknown = await cli('resume', 'no-such-run', '--journal', journal);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`no run 'no-such-run'[\\s\\S]*${runId}`));
  });

  it('ids that are names of Object.prototype (__proto__, constructor, toString) are ordinary ids: validated, run, reported', async () => {
    const plan = writePlan(
      [simTask('__proto__', { durationMs: 5, result: { x: 1 } }), simTask('constructor', { durationMs: 5 }), simTask('toString', { durationMs: 5 }), simTask('b', { durationMs: 5 }, { description: 'got ${tasks.__proto__.result.x}' })],
      [{ from: '__proto__', to: 'b' }, { from: 'constructor', to: 'b' }, { from: 'toString', to: 'constructor' }],
      'protos',
    );
    const validated = await cli('validate', plan);
    assert.equal(validated.code, 0, validated.stdout);
    const out = await cli('run', plan, '--devices', 'sim:1', '--json');
    assert.equal(out.code, 0, out.stderr);
    const report = parseReport(out);
    assert.deepEqual(Object.keys(report.tasks).sort(), ['__proto__', 'b', 'constructor', 'toString']);
    assert.deepEqual(report.tasks.__proto__!.result, { x: 1 });
    assert.equal(Object.getPrototypeOf(report.tasks), Object.prototype);
  });

  it('a journal with a torn or garbage last line is cut back with a warning, then resumed, and stays resumable', async () => {
    const journal = path.join(tmp, 'journal-torn');
    const tasks = ['a', 'b', 'c', 'd'].map((id, i) => simTask(id, { durationMs: 300, result: i }));
    const chain = writePlan(tasks, ['a->b', 'b->c', 'c->d'].map((e) => ({ from: e.split('->')[0], to: e.split('->')[1] })), 'torn');
    for (const damage of ['{"type":"task_completed","taskId":"b","seq":9', 'this is not json\n']) {
      fs.rmSync(journal, { recursive: true, force: true });
      const first = start(['run', chain, '--devices', 'sim:1', '--journal', journal]);
      let eventsFile = '';
      await waitFor('the journal', () => {
        const runs = fs.existsSync(journal) ? fs.readdirSync(journal) : [];
        if (runs.length === 1) eventsFile = path.join(journal, runs[0]!, 'events.jsonl');
        return runs.length === 1 && fs.existsSync(eventsFile) && fs.readFileSync(eventsFile, 'utf8').includes('"task_completed"');
      });
      first.child.kill('SIGKILL');
      await first.done;
      fs.appendFileSync(eventsFile, damage);
      const runId = path.basename(path.dirname(eventsFile));
      const resumed = await cli('resume', runId, '--journal', journal, '--json');
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /its last line was torn or unreadable \(a crash mid-write\); cut \d+ byte\(s\) before appending/);
      assert.equal(parseReport(resumed).state, 'completed');
      assert.ok(!fs.readFileSync(eventsFile, 'utf8').includes(damage.trim()), 'the damage is gone from the log');
      const again = await cli('resume', runId, '--journal', journal);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /already ended \(completed\)/);
    }
  });

  it('--edits applies scripted rounds when their task finishes, and rejects a bad edits file', async () => {
    const plan = writePlan([simTask('a', { durationMs: 10, result: 7 }), simTask('b', { durationMs: 10 })], [{ from: 'a', to: 'b' }]);
    const edits = path.join(tmp, 'edits.json');
    fs.writeFileSync(
      edits,
      JSON.stringify({
        rounds: [
          {
            after: 'a',
            delayMs: 20,
            operations: [
              { op: 'add_task', task: { id: 'c', inputs: { sim: { durationMs: 5, result: 'added' } } } },
              { op: 'add_dependency', dependency: { from: 'a', to: 'c' } },
            ],
          },
        ],
      }),
    );
    const out = await cli('run', plan, '--edits', edits, '--json');
    assert.equal(out.code, 0, out.stderr);
    const report = parseReport(out);
    assert.equal(report.tasks.c?.status, 'completed');
    assert.equal(report.tasks.c?.result, 'added');
    assert.match(out.stderr, /edit applied \(agent round \d+ after a\): \+1 task, \+1 dependency/);

    fs.writeFileSync(edits, JSON.stringify({ rounds: [{ after: 'zzz', operations: [{ op: 'remove_task' }] }] }));
    const bad = await cli('run', plan, '--edits', edits, '--json');
    assert.equal(bad.code, 2);
    const problems = JSON.parse(bad.stdout) as { path: string }[];
    assert.deepEqual(problems.map((p) => p.path), ['rounds[0].operations[0].taskId']);
    fs.writeFileSync(edits, JSON.stringify({ rounds: [{ after: 'zzz', operations: [] }] }));
    const unknown = await cli('run', plan, '--edits', edits);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /rounds\[0\]\.after: no task 'zzz'/);
  });

  it('accepts a plan saved with a UTF-8 byte-order mark', async () => {
    const file = path.join(tmp, 'bom.constellation.json');
    fs.writeFileSync(file, `\uFEFF${JSON.stringify({ id: 'bom', tasks: [{ id: 'a', inputs: { sim: {} } }] })}`);
    const validated = await cli('validate', file);
    assert.equal(validated.code, 0, validated.stdout);
    assert.equal(validated.stdout, 'ok: 1 tasks, 0 dependencies\n');
    const ran = await cli('run', file, '--devices', 'sim:1', '--json');
    assert.equal(ran.code, 0, ran.stderr);
  });

  it('validate and run point a plan in the reference\'s format at `constellation import`', async () => {
    const ref = path.join(EXAMPLES, 'reference', 'example.json');
    for (const args of [['validate', ref], ['run', ref, '--devices', 'sim:1']]) {
      const out = await cli(...args);
      assert.equal(out.code, 2);
      const text = out.stdout + out.stderr;
      assert.match(text, /looks like a plan in the reference's \(UFO³ Galaxy\) format/);
      assert.match(text, /run `constellation import .*example\.json -o .*example\.constellation\.json`/);
      assert.doesNotMatch(text, /invalid_field/, 'no list of schema errors');
    }
  });

  it('export then import keeps every field, and export names what the reference has no field for', async () => {
    const plan = {
      id: 'full', name: 'Every field', request: 'Do it all', metadata: { owner: 'ops' },
      tasks: [
        { id: 'a', name: 'A', description: 'first', tips: ['tip'], device: 'd1', deviceType: 'linux', priority: 4, timeoutMs: 1500, retries: 2, retryBackoffMs: 250, inputs: { command: 'echo a' }, metadata: { expectedOutputType: 'text', team: 'x' } },
        { id: 'b', name: 'b', capabilities: ['gpu'], priority: 2, inputs: ['not', 'an', 'object'] },
      ],
      dependencies: [{ id: 'a->b', from: 'a', to: 'b', type: 'conditional', condition: 'when a finds something', when: 'result.count > 0' }, ],
    };
    const source = path.join(tmp, 'full.constellation.json');
    fs.writeFileSync(source, JSON.stringify(plan));
    const exportedFile = path.join(tmp, 'full.reference.json');
    const exported = await cli('export', source, '-o', exportedFile);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /no field for the request, retryBackoffMs \(1 task\), capabilities \(1 task\), metadata \(1 task\), inputs that are not an object \(1 task\)/);
    const back = path.join(tmp, 'full-back.constellation.json');
    const imported = await cli('import', exportedFile, '-o', back);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(back, 'utf8')), plan);
  });

  it('--help and --version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await cli('--version');
    assert.equal(version.stdout.trim(), pkg.version);
    const help = await cli('--help');
    assert.equal(help.code, 0);
    for (const cmd of ['run', 'resume', 'validate', 'import', 'export']) assert.match(help.stdout, new RegExp(`^  ${cmd} `, 'm'));
    const runHelp = await cli('run', '--help');
    assert.equal(runHelp.code, 0);
    assert.match(runHelp.stdout, /--devices SPEC/);
    // Every form of --devices, the default among them.
    for (const form of ['local:N', 'local:id1,id2', 'sim:N', 'sim:id1,id2', 'devices.json', 'default local:4']) assert.ok(runHelp.stdout.includes(form), `run --help names ${form}`);
  });
});

interface RefFile {
  tasks: Record<string, { task_id: string; name: string; priority: string | number; target_device_id: string }>;
  dependencies: Record<string, { from_task_id: string; to_task_id: string; dependency_type: string }>;
}

function parseEvents(text: string): { type: string; seq: number; taskId?: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { type: string; seq: number; taskId?: string }];
      } catch (err) {
        if (err instanceof SyntaxError) return []; // a line torn by the kill
        throw err;
      }
    });
}
