import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/constants';
import type { ConstellationApi } from '../../src/extension/extension';
import type { RunEvent } from '../../src/core/events/event-map';
import type { RunHandle } from '../../src/extension/run/run-service';
import { REVIEW_SCHEME } from '../../src/extension/agent/edit-review';
import { selectModel } from '../../src/extension/agent/lm-model';

// The agent through the real vscode.lm path: a test-only extension (test/fixtures/scripted-lm)
// registers a language-model provider whose answers each test scripts, and records the prompts.

interface ScriptedLm {
  received: { role: string; text: string }[][];
  script(answers: (string | ((req: { role: string; text: string }[]) => string))[], otherwise?: string): void;
  setGate(fn: ((req: unknown, token: vscode.CancellationToken) => Promise<void>) | undefined): void;
}

const CONTINUE = '{"status":"continue","operations":[]}';

async function api(): Promise<ConstellationApi> {
  return vscode.extensions.getExtension<ConstellationApi>('constellation-dev.constellation')!.activate();
}

async function lm(): Promise<ScriptedLm> {
  const ext = vscode.extensions.getExtension<ScriptedLm>('constellation-test.scripted-lm');
  assert.ok(ext, 'the scripted language-model extension is loaded');
  return ext.activate();
}

const settings = () => vscode.workspace.getConfiguration('constellation');
async function set(key: string, value: unknown): Promise<void> {
  await settings().update(key, value, vscode.ConfigurationTarget.Global);
}

function writePlan(name: string, plan: unknown): vscode.Uri {
  const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, `${name}.constellation.json`);
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  return vscode.Uri.file(file);
}

const sim = (durationMs: number) => ({ sim: { durationMs } });

async function start(a: ConstellationApi, name: string, plan: unknown): Promise<{ run: RunHandle; events: RunEvent[] }> {
  const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, writePlan(name, plan));
  const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
  const events: RunEvent[] = [];
  run.orchestrator!.events.onAny((e) => events.push(e));
  return { run, events };
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lastUser = (req: { role: string; text: string }[] | undefined) => [...(req ?? [])].reverse().find((m) => m.role === 'user')?.text ?? '';

describe('agent: plans from a request through vscode.lm', () => {
  before(async () => {
    await set('agent.vendor', 'constellation-test');
    await set('dag.autoOpen', false);
  });

  it('invalid JSON, a schema error and a cycle are each repaired from the errors sent back; the plan runs', async function () {
    this.timeout(60_000);
    const a = await api();
    const model = await lm();
    const good = { id: 'fetch-and-sum', name: 'Fetch and sum', tasks: [{ id: 'fetch', device: 'local', inputs: sim(50) }, { id: 'sum', device: 'local', inputs: sim(50) }], dependencies: [{ from: 'fetch', to: 'sum' }] };
    model.script([
      'Here is the plan: {"id": "x", "tasks": [}',
      JSON.stringify({ ...good, tasks: [{ id: 'fetch', device: 'local', priority: 'urgent' }] }),
      JSON.stringify({ ...good, dependencies: [{ from: 'fetch', to: 'sum' }, { from: 'sum', to: 'fetch' }] }),
      '```json\n' + JSON.stringify(good) + '\n```',
    ]);
    await set('agent.repairRounds', 3); // three different mistakes, each repaired in turn
    const file = await vscode.commands.executeCommand<string>(COMMANDS.planFromRequest, 'fetch the numbers, then add them up').then(
      (f) => f,
      (err: unknown) => assert.fail(String(err)),
    );
    await set('agent.repairRounds', undefined);
    assert.equal(model.received.length, 4, 'three repairs, then a valid plan');
    assert.match(model.received[0]!.map((m) => m.text).join('\n'), /fetch the numbers, then add them up/);
    assert.match(model.received[0]!.map((m) => m.text).join('\n'), /\blocal\b/, 'the prompt lists the local device');
    assert.match(lastUser(model.received[1]), /line 1, column \d+/, 'the JSON error, with its place, went back');
    assert.match(lastUser(model.received[2]), /tasks\[0\]\.priority/, 'the schema error, with its path, went back');
    assert.match(lastUser(model.received[3]), /cycle/, 'the cycle went back');
    assert.equal(path.basename(file), 'fetch-and-sum.constellation.json', 'the file is named after the plan');
    const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as { request: string; tasks: unknown[] };
    assert.equal(plan.tasks.length, 2);
    assert.equal(plan.request, 'fetch the numbers, then add them up');
    model.script([], CONTINUE);
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, vscode.Uri.file(file));
    const report = await a.ctx.runs.runs.find((r) => r.id === runId)!.orchestrator!.run();
    assert.equal(report.state, 'completed');
    fs.rmSync(file);
  });

  it('with no model for the settings, Plan from Request says what to do and nothing else breaks', async () => {
    await set('agent.vendor', 'no-such-vendor');
    try {
      // What the user is told: which setting matched nothing, and which models there are.
      await assert.rejects(selectModel(), /No language model matches vendor 'no-such-vendor'.*Available: constellation-test\/scripted/);
      // The command wrapper shows that message and resolves; no plan is written.
      const before = fs.readdirSync(vscode.workspace.workspaceFolders![0]!.uri.fsPath).filter((f) => f.endsWith('.constellation.json')).length;
      assert.equal(await vscode.commands.executeCommand(COMMANDS.planFromRequest, 'anything'), undefined);
      assert.equal(fs.readdirSync(vscode.workspace.workspaceFolders![0]!.uri.fsPath).filter((f) => f.endsWith('.constellation.json')).length, before);
    } finally {
      await set('agent.vendor', 'constellation-test');
    }
  });
});

describe('agent: edits while a run goes on', () => {
  before(async () => {
    await set('agent.vendor', 'constellation-test');
    await set('dag.autoOpen', false);
  });
  afterEach(async () => {
    (await lm()).setGate(undefined);
    await set('agent.autoAccept', undefined);
    await set('edits.timeoutSeconds', undefined);
  });

  it('auto-accept: an edit to a running task is rejected as not_modifiable and repaired; finish while tasks run is refused', async function () {
    this.timeout(60_000);
    await set('agent.autoAccept', true);
    const a = await api();
    const model = await lm();
    model.script([
      '{"status":"continue","operations":[{"op":"update_task","taskId":"long","changes":{"name":"renamed"}}]}',
      '{"status":"continue","operations":[{"op":"add_task","task":{"id":"extra","device":"local","inputs":{"sim":{"durationMs":50}}}},{"op":"add_dependency","dependency":{"from":"short","to":"extra"}}]}',
      '{"status":"finish","operations":[]}',
    ], CONTINUE);
    const { run, events } = await start(a, 'agent-auto', { id: 'agent-auto', request: 'do the work', tasks: [{ id: 'long', device: 'local', inputs: sim(2500) }, { id: 'short', device: 'local', inputs: sim(100) }] });
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    const rejected = events.filter((e): e is Extract<RunEvent, { type: 'edit_rejected' }> => e.type === 'edit_rejected');
    assert.ok(rejected.some((e) => e.violations.some((v) => v.code === 'not_modifiable') && e.willRepair), 'the edit to the running task was rejected for repair');
    assert.match(lastUser(model.received[1]), /not_modifiable/, 'the repair prompt carried the violation');
    assert.equal(run.constellation.task('extra').status, 'completed', 'the repaired batch was applied and ran');
    assert.ok(rejected.some((e) => e.code === 'finish_refused'), 'finish was refused while a task ran');
    assert.ok(events.some((e) => e.type === 'edit_reviewed' && e.decision === 'auto_accepted'), 'the auto-accepted batch is journaled as such');
    assert.ok(run.orchestrator!.state.agent.some((r) => r.outcome === 'auto_accepted' && r.applied === 2), 'and is on the timeline as auto-accepted');
    assert.ok(events.some((e) => e.type === 'edit_outcome' && e.outcome === 'auto_accepted'), 'with its outcome journaled');
    assert.ok(run.agent && run.agent.stats.calls >= 3 && run.agent.stats.inputTokens > 0, 'calls and tokens are counted per run');
    assert.match(String(a.ctx.runsTree.getTreeItem(a.ctx.runsTree.runNode(run)).description), /agent \d+ calls, [\d.]+k? tokens/, 'and shown on the run in the tree');
  });

  it('a batch still invalid after every repair round is dropped, and the run completes', async function () {
    this.timeout(60_000);
    await set('agent.autoAccept', true);
    const a = await api();
    const model = await lm();
    const bad = '{"status":"continue","operations":[{"op":"add_dependency","dependency":{"from":"b","to":"nowhere"}}]}';
    model.script([bad, bad, bad], CONTINUE);
    const { run, events } = await start(a, 'agent-drop', { id: 'agent-drop', request: 'r', tasks: [{ id: 'a', device: 'local', inputs: sim(100) }, { id: 'b', device: 'local', inputs: sim(600) }] });
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    const rounds = events.filter((e): e is Extract<RunEvent, { type: 'edit_rejected' }> => e.type === 'edit_rejected' && e.round === 1);
    assert.deepEqual(rounds.map((e) => e.willRepair), [true, true, false]);
  });

  it('review in the editor: a diff opens; partial, rejected and accepted batches; new tasks wait; completions meanwhile join the next batch', async function () {
    this.timeout(90_000);
    const a = await api();
    const model = await lm();
    const add = (id: string) => `{"op":"add_task","task":{"id":"${id}","device":"local","inputs":{"sim":{"durationMs":50}}}}`;
    model.script([
      `{"status":"continue","operations":[${add('p1')},${add('p2')}]}`,
      `{"status":"continue","operations":[${add('rejected1')}]}`,
      `{"status":"continue","operations":[${add('accepted1')}]}`,
    ], CONTINUE);
    const { run, events } = await start(a, 'agent-review', {
      id: 'agent-review', request: 'r',
      tasks: [{ id: 'slow', device: 'local', inputs: sim(6000) }, { id: 'first', device: 'local', inputs: sim(100) }, { id: 'side', device: 'local', inputs: sim(900) }, { id: 'after-first', device: 'local', inputs: sim(100) }],
      dependencies: [{ from: 'first', to: 'after-first' }],
    });
    // Round 1 (after `first`): the review opens as a diff.
    await until('the first review', () => a.ctx.reviews.pending.length === 1);
    const review = a.ctx.reviews.pending[0]!;
    await until('the diff editor', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === REVIEW_SCHEME));
    const after = (await vscode.workspace.openTextDocument(review.after)).getText();
    assert.match(after, /"p1"/);
    assert.doesNotMatch((await vscode.workspace.openTextDocument(review.before)).getText(), /"p1"/);
    // While it waits, nothing new starts; `side` finishes meanwhile.
    await until('side to finish during the review', () => run.constellation.task('side').status === 'completed');
    assert.equal(run.constellation.task('after-first').status !== 'running' && run.constellation.task('after-first').status !== 'completed', true, 'the lock holds new dispatch');
    await vscode.commands.executeCommand(COMMANDS.chooseEdits, review.after, [1]);
    await until('p2 to run', () => run.constellation.hasTask('p2') && run.constellation.task('p2').status === 'completed');
    assert.equal(run.constellation.hasTask('p1'), false, 'the operation left out was not applied');
    // Round 2 covers `side`, which finished during round 1's review.
    await until('the second review', () => a.ctx.reviews.pending.length === 1);
    assert.match(lastUser(model.received[1]), /side[^\n]*just finished/, 'a completion during the review joined the next batch');
    await vscode.commands.executeCommand(COMMANDS.rejectEdit, undefined, '');
    await until('the third review', () => a.ctx.reviews.pending.length === 1 && model.received.length >= 3);
    assert.equal(run.constellation.hasTask('rejected1'), false, 'a rejected batch changes nothing');
    await vscode.commands.executeCommand(COMMANDS.acceptEdit);
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    assert.equal(run.constellation.task('accepted1').status, 'completed');
    const decisions = events.filter((e): e is Extract<RunEvent, { type: 'edit_reviewed' }> => e.type === 'edit_reviewed').map((e) => `${e.decision}:${e.accepted.join('+')}`);
    assert.deepEqual(decisions.slice(0, 3), ['partial:1', 'rejected:', 'accepted:0']);
    assert.deepEqual(run.orchestrator!.state.agent.slice(0, 3).map((r) => r.outcome), ['partially_accepted', 'rejected_by_user', 'applied'], 'the timeline');
    const journal = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.constellation', 'runs', run.id, 'events.jsonl');
    await until('the journal to hold the decisions', () => fs.existsSync(journal) && (fs.readFileSync(journal, 'utf8').match(/"edit_reviewed"/g) ?? []).length >= 3);
    await until('the journal to hold the outcomes', () => /"type":"edit_outcome"[^\n]*"outcome":"partially_accepted"/.test(fs.readFileSync(journal, 'utf8')));
    await until('decided reviews to close their diff', () => !vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === REVIEW_SCHEME), 5_000);
  });

  it('the edit timeout releases the lock: the batch is dropped and the run goes on', async function () {
    this.timeout(60_000);
    await set('edits.timeoutSeconds', 5);
    const a = await api();
    const model = await lm();
    model.script([], CONTINUE);
    // The model never answers the first round; the timeout cancels the request.
    let held = 0;
    model.setGate(async (_req, token) => {
      if (held++ > 0) return;
      await new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
    });
    const { run, events } = await start(a, 'agent-timeout', { id: 'agent-timeout', request: 'r', tasks: [{ id: 'a', device: 'local', inputs: sim(50) }, { id: 'b', device: 'local', inputs: sim(50) }], dependencies: [{ from: 'a', to: 'b' }] });
    const t0 = Date.now();
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    assert.ok(events.some((e) => e.type === 'edit_rejected' && e.code === 'timeout'), 'the round timed out');
    assert.equal(run.orchestrator!.state.agent[0]?.outcome, 'timed_out', 'the timeline says so');
    assert.ok(a.ctx.agentNotices.raised.some((m) => m.includes(`'${run.name}'`) && /round 1 .*timed out, dropped/.test(m)), 'and so does a notification');
    const journal = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.constellation', 'runs', run.id, 'events.jsonl');
    await until('the journal to hold the outcome', () => fs.existsSync(journal) && /"type":"edit_outcome"[^\n]*"outcome":"timed_out"/.test(fs.readFileSync(journal, 'utf8')));
    const bStarted = events.find((e) => e.type === 'task_started' && e.taskId === 'b');
    assert.ok(bStarted && bStarted.timestamp - t0 >= 4000, 'b waited for the round (the lock), then ran after the timeout');
  });
});

describe('agent: language-model tools for chat agents', () => {
  const textOf = (r: vscode.LanguageModelToolResult) => r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');

  it('a chat agent reads the constellation and proposes an edit, which goes through the same review', async function () {
    this.timeout(60_000);
    const a = await api();
    const { run } = await start(a, 'tools', { id: 'tools', tasks: [{ id: 'slow', device: 'local', inputs: sim(4000) }, { id: 'later', device: 'local', inputs: sim(50) }], dependencies: [{ from: 'slow', to: 'later' }] });
    assert.ok(vscode.lm.tools.some((t) => t.name === 'constellation_propose_edit'), 'the tools are registered');
    const read = await vscode.lm.invokeTool('constellation_get_constellation', { input: { runId: run.id }, toolInvocationToken: undefined });
    assert.match(textOf(read), /"slow"/);
    await until('slow to start', () => run.constellation.task('slow').status === 'running');
    const bad = await vscode.lm.invokeTool('constellation_propose_edit', { input: { runId: run.id, operations: [{ op: 'update_task', taskId: 'slow', changes: { name: 'x' } }] }, toolInvocationToken: undefined });
    assert.match(textOf(bad), /not_modifiable/, 'an invalid batch comes back with its violations, unreviewed');
    const proposed = vscode.lm.invokeTool('constellation_propose_edit', { input: { runId: run.id, operations: [{ op: 'add_task', task: { id: 'from-chat', device: 'local', inputs: sim(50) } }] }, toolInvocationToken: undefined });
    await until('the review', () => a.ctx.reviews.pending.length === 1);
    await vscode.commands.executeCommand(COMMANDS.acceptEdit);
    assert.match(textOf(await proposed), /Applied 1 of 1/);
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    assert.equal(run.constellation.task('from-chat').status, 'completed');
  });
});
