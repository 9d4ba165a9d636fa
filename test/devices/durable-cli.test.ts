import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import { AGENT_COMMAND, eventually, startAgents } from '../helpers/ws-devices';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-cli-'));
const journal = path.join(tmp, 'journal');
let agents: LocalAgents;
let devicesFile: string;

before(async () => {
  // A device agent of its own, as on another machine: it outlives every CLI process below.
  agents = await startAgents(['box'], { concurrency: 4 });
  devicesFile = path.join(tmp, 'devices.json');
  fs.writeFileSync(devicesFile, JSON.stringify({ devices: agents.devices }));
});
after(async () => {
  await agents.stop();
  if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Cli {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(...args: string[]): Cli {
  const child = spawn(AGENT_COMMAND.execPath, [AGENT_COMMAND.script, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

const cli = (...args: string[]) => start(...args).done;

function writePlan(name: string, plan: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  return file;
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

interface JournalEvent {
  readonly type: string;
  readonly taskId?: string;
  readonly [k: string]: unknown;
}

function runIdsIn(): string[] {
  return fs.existsSync(journal) ? fs.readdirSync(journal).filter((d) => fs.existsSync(path.join(journal, d, 'events.jsonl'))) : [];
}

function events(runId: string): JournalEvent[] {
  return lines(path.join(journal, runId, 'events.jsonl')).map((l) => JSON.parse(l) as JournalEvent);
}

function completedSet(runId: string): string[] {
  return events(runId)
    .filter((e) => e.type === 'task_completed')
    .map((e) => e.taskId!)
    .sort();
}

/** The one run that appeared in the journal since `before` was taken. */
async function newRun(before: readonly string[]): Promise<string> {
  let id: string | undefined;
  await eventually(() => (id = runIdsIn().find((r) => !before.includes(r))) !== undefined, 'the run to be journaled');
  return id!;
}

describe('durable runs from the command line', () => {
  it('SIGTERM detaches; the device finishes the task meanwhile; resume collects it without running it again', async () => {
    const side = path.join(tmp, 'long-side.txt');
    const finished = path.join(tmp, 'long-finished.txt');
    const plan = writePlan('long.json', {
      id: 'long-plan',
      name: 'Long plan',
      tasks: [
        { id: 'quick', device: 'box', inputs: { command: 'echo quick' } },
        { id: 'long', device: 'box', inputs: { command: `echo ran >> '${side}'; echo working; sleep 3; echo finished > '${finished}'; echo all done` } },
        { id: 'after', device: 'box', description: 'after ${tasks.long.result.exitCode}', inputs: { command: 'echo after' } },
      ],
      dependencies: [{ from: 'long', to: 'after' }],
    });
    const known = runIdsIn();
    const run = start('run', plan, '--devices', devicesFile, '--journal', journal);
    const runId = await newRun(known);
    await eventually(() => lines(side).length === 1, 'the long task to start', 20_000);
    await eventually(() => completedSet(runId).includes('quick'), 'the quick task to complete', 20_000);
    run.child.kill('SIGTERM');
    const detached = await run.done;
    assert.equal(detached.code, 3, `SIGTERM exits 3 (detached)\n${detached.stderr}`);
    assert.match(detached.stdout, /SIGTERM: detaching from the run; resume it with: constellation resume /);
    const afterTerm = events(runId);
    const last = afterTerm.at(-1)!;
    assert.equal(last.type, 'run_detached', `the journal ends with run_detached, not ${last.type}`);
    assert.ok(!afterTerm.some((e) => e.type === 'task_cancelled' || e.type === 'constellation_cancelled'), 'nothing was cancelled');
    assert.ok(!fs.existsSync(finished), 'the long task was still running when the CLI let go');

    // No orchestrator is attached; the device finishes the task on its own.
    await eventually(() => fs.existsSync(finished), 'the long task to finish on the device', 20_000);
    assert.deepEqual(completedSet(runId), ['quick'], 'nothing was recorded while detached');

    const history = JSON.parse((await cli('runs', '--journal', journal, '--json')).stdout) as { runs: { runId: string; state: string }[] };
    assert.equal(history.runs.find((r) => r.runId === runId)?.state, 'detached');

    const resumed = await cli('resume', runId, '--devices', devicesFile, '--journal', journal, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = JSON.parse(resumed.stdout) as { state: string; tasks: Record<string, { status: string; result: { stdout: string } }> };
    assert.equal(report.state, 'completed');
    assert.match(report.tasks.long!.result.stdout, /working\n(.|\n)*all done/, 'the result the device kept was collected');
    assert.deepEqual(lines(side), ['ran'], 'the long task ran once');
    const all = events(runId);
    assert.equal(all.filter((e) => e.type === 'task_started' && e.taskId === 'long').length, 1, 'started once');
    assert.equal(all.filter((e) => e.type === 'task_started' && e.taskId === 'quick').length, 1, 'the completed task was not run again');
    assert.ok(all.some((e) => e.type === 'task_adopted' && e.taskId === 'long'), 'the resumed run took the attempt over');
    assert.deepEqual(completedSet(runId), ['after', 'long', 'quick'], 'nothing completed is lost');
    const output = fs.readFileSync(path.join(journal, runId, 'output', 'long.1.log'), 'utf8');
    assert.match(output, /working\n(.|\n)*all done/, "the output written while detached is in the task's output file");
  });

  it('resume adopts a task that is still running, and it is not started twice; a run another process runs is refused', async () => {
    const side = path.join(tmp, 'still-side.txt');
    const plan = writePlan('still.json', {
      id: 'still-plan',
      tasks: [
        { id: 'slow', device: 'box', inputs: { command: `echo ran >> '${side}'; sleep 4; echo slow done` } },
        { id: 'next', device: 'box', inputs: { command: 'echo next' } },
      ],
      dependencies: [{ from: 'slow', to: 'next' }],
    });
    const known = runIdsIn();
    const run = start('run', plan, '--devices', devicesFile, '--journal', journal);
    const runId = await newRun(known);
    await eventually(() => lines(side).length === 1, 'the slow task to start', 20_000);
    // While this process runs it, another one cannot take it over.
    const twice = await cli('resume', runId, '--devices', devicesFile, '--journal', journal);
    assert.equal(twice.code, 2, twice.stderr);
    assert.match(twice.stderr, new RegExp(`run ${runId} is being run by process ${run.child.pid}`));
    const listed = await cli('runs', '--journal', journal);
    assert.match(listed.stdout, new RegExp(`${runId} .*running \\(process ${run.child.pid}\\)`));
    run.child.kill('SIGHUP');
    assert.equal((await run.done).code, 3, 'SIGHUP detaches too');
    const resumed = await cli('resume', runId, '--devices', devicesFile, '--journal', journal, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as { state: string }).state, 'completed');
    assert.deepEqual(lines(side), ['ran']);
    assert.equal(events(runId).filter((e) => e.type === 'task_started' && e.taskId === 'slow').length, 1);
    assert.deepEqual(completedSet(runId), ['next', 'slow']);
  });

  it('SIGINT still cancels: the device is told to stop the task, and the journal says cancelled', async () => {
    const finished = path.join(tmp, 'cancelled-finished.txt');
    const started = path.join(tmp, 'cancelled-started.txt');
    const plan = writePlan('cancel.json', { id: 'cancel-plan', tasks: [{ id: 'long', device: 'box', inputs: { command: `echo > '${started}'; sleep 2; echo > '${finished}'` } }] });
    const known = runIdsIn();
    const run = start('run', plan, '--devices', devicesFile, '--journal', journal);
    const runId = await newRun(known);
    await eventually(() => fs.existsSync(started), 'the task to start', 20_000);
    run.child.kill('SIGINT');
    const out = await run.done;
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stdout, /SIGINT: cancelling the run/);
    const types = events(runId).map((e) => e.type);
    assert.ok(types.includes('task_cancelled'), types.join(' '));
    assert.ok(!types.includes('run_detached'));
    await new Promise((r) => setTimeout(r, 3_000));
    assert.ok(!fs.existsSync(finished), 'the device stopped the task');
    const history = JSON.parse((await cli('runs', '--journal', journal, '--json')).stdout) as { runs: { runId: string; state: string }[] };
    assert.equal(history.runs.find((r) => r.runId === runId)?.state, 'cancelled');
  });

  it('runs lists the journal; rerun --from-failure runs the failed task and its dependants only, reusing completed results', async () => {
    const count = (name: string) => `echo x >> '${path.join(tmp, `rr-${name}.txt`)}'`;
    const gate = path.join(tmp, 'rr-gate');
    const plan = writePlan('rerun.json', {
      id: 'rerun-plan',
      name: 'Rerun plan',
      tasks: [
        { id: 'a', device: 'box', inputs: { command: `${count('a')}; echo alpha` } },
        { id: 'side', device: 'box', inputs: { command: `${count('side')}` } },
        { id: 'b', device: 'box', inputs: { command: `${count('b')}; test -f '${gate}'` } },
        { id: 'c', device: 'box', inputs: { command: `${count('c')}; echo 'a said \${tasks.a.result.stdout}'` } },
      ],
      dependencies: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c', type: 'success_only' },
      ],
    });
    const known = runIdsIn();
    const first = await cli('run', plan, '--devices', devicesFile, '--journal', journal);
    assert.equal(first.code, 1, 'b fails without the gate file');
    const firstId = await newRun(known);
    assert.deepEqual(completedSet(firstId), ['a', 'side']);

    const listed = await cli('runs', '--journal', journal);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^RUN +PLAN +STARTED +DURATION +STATE +DONE/);
    const firstRow = listed.stdout.split('\n').find((l) => l.startsWith(firstId))!;
    assert.match(firstRow, /Rerun plan +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ms +partially failed +2\/4/, 'partially failed: a and side completed');

    fs.writeFileSync(gate, '');
    const known2 = runIdsIn();
    const again = await cli('rerun', firstId, '--from-failure', '--devices', devicesFile, '--journal', journal, '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`rerun of ${firstId} from failure: 2 task\\(s\\) again, 2 completed result\\(s\\) reused`));
    const secondId = await newRun(known2);
    const report = JSON.parse(again.stdout) as { state: string; tasks: Record<string, { status: string; result: { stdout: string } }> };
    assert.equal(report.state, 'completed');
    assert.match(report.tasks.c!.result.stdout, /a said alpha/, "c read a's result from the earlier run");
    assert.deepEqual([lines(path.join(tmp, 'rr-a.txt')).length, lines(path.join(tmp, 'rr-side.txt')).length], [1, 1], 'completed tasks did not run again');
    assert.deepEqual([lines(path.join(tmp, 'rr-b.txt')).length, lines(path.join(tmp, 'rr-c.txt')).length], [2, 1], 'b ran again, c ran for the first time');
    const started = events(secondId).filter((e) => e.type === 'task_started').map((e) => e.taskId).sort();
    assert.deepEqual(started, ['b', 'c']);
    assert.deepEqual(completedSet(secondId), ['b', 'c'], 'the new run completed what it ran');
    const meta = JSON.parse(fs.readFileSync(path.join(journal, secondId, 'run.json'), 'utf8')) as { continues?: string };
    assert.equal(meta.continues, firstId, 'the new run records which run it continues');

    const json = JSON.parse((await cli('runs', '--journal', journal, '--json')).stdout) as { runs: { runId: string; state: string; continues?: string; counts: { completed: number } }[] };
    assert.equal(json.runs[0]!.runId, secondId, 'newest first');
    assert.equal(json.runs[0]!.continues, firstId);
    assert.equal(json.runs[0]!.state, 'completed');
    assert.equal(json.runs[0]!.counts.completed, 4);
    assert.equal(json.runs.find((r) => r.runId === firstId)?.state, 'partially_failed');
  });

  it('rerun names an unknown run and says how to list them', async () => {
    const out = await cli('rerun', 'no-such-run', '--journal', journal);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /no run 'no-such-run' in .*journal/);
    assert.match(out.stderr, /constellation runs/);
  });
});
