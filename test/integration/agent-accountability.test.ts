import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/constants';
import type { ConstellationApi } from '../../src/extension/extension';
import type { RunHandle } from '../../src/extension/run/run-service';

// The agent's accountability through the real vscode.lm path (the scripted provider of
// test/fixtures/scripted-lm): every decision in the timeline, the journal and, when it did not
// take effect, a notification; bounded requests; the budget.

interface ScriptedLm {
  received: { role: string; text: string }[][];
  sizes: { model: string; tokens: number; limit: number }[];
  script(answers: string[], otherwise?: string): void;
}

const CONTINUE = '{"status":"continue","operations":[]}';
const sim = (durationMs: number, result?: unknown) => ({ sim: { durationMs, ...(result !== undefined ? { result } : {}) } });
const settings = () => vscode.workspace.getConfiguration('constellation');
const set = (key: string, value: unknown) => settings().update(key, value, vscode.ConfigurationTarget.Global);
const api = () => vscode.extensions.getExtension<ConstellationApi>('constellation-dev.constellation')!.activate();
const lm = () => vscode.extensions.getExtension<ScriptedLm>('constellation-test.scripted-lm')!.activate();
const lastUser = (req: { role: string; text: string }[] | undefined) => [...(req ?? [])].reverse().find((m) => m.role === 'user')?.text ?? '';

async function until(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function start(a: ConstellationApi, name: string, plan: unknown): Promise<RunHandle> {
  const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, `${name}.constellation.json`);
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, vscode.Uri.file(file));
  return a.ctx.runs.runs.find((r) => r.id === runId)!;
}

function journalEvents(run: RunHandle): { type: string; [k: string]: unknown }[] {
  const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.constellation', 'runs', run.id, 'events.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string });
}

describe('agent accountability: every decision visible', () => {
  before(async () => {
    await set('agent.vendor', 'constellation-test');
    await set('dag.autoOpen', false);
  });
  afterEach(async () => {
    await set('agent.family', undefined);
    await set('agent.maxCallsPerRun', undefined);
    await set('agent.maxTokensPerRun', undefined);
    await set('agent.autoAccept', undefined);
  });

  it('applied, rejected with a reason, refused and a refused finish: in the timeline, the tree, the journal and (but for the applied one) a notification', async function () {
    this.timeout(120_000);
    const a = await api();
    const model = await lm();
    const add = (id: string) => `{"op":"add_task","task":{"id":"${id}","device":"local","inputs":{"sim":{"durationMs":50}}}}`;
    const cycle = '{"status":"continue","reason":"loop it","operations":[{"op":"add_dependency","dependency":{"from":"t5","to":"t4"}}]}';
    model.script([
      `{"status":"continue","reason":"one more check","operations":[${add('extra')}]}`,
      `{"status":"continue","reason":"leave a marker","operations":[${add('marker')}]}`,
      cycle, cycle, cycle,
      '{"status":"finish","reason":"done, I think","operations":[]}',
    ], CONTINUE);
    const raisedBefore = a.ctx.agentNotices.raised.length;
    const run = await start(a, 'accountable', {
      id: 'accountable', request: 'check everything',
      tasks: ['t1', 't2', 't3', 't4', 't5'].map((id) => ({ id, device: 'local', inputs: sim(300) })),
      dependencies: [{ from: 't1', to: 't2' }, { from: 't2', to: 't3' }, { from: 't3', to: 't4' }, { from: 't4', to: 't5' }],
    });
    const review = async (round: number) => {
      await until(`the review of round ${round}`, () => a.ctx.reviews.pending.some((p) => p.batch.round === round));
      return a.ctx.reviews.pending.find((p) => p.batch.round === round)!;
    };
    const first = await review(1);
    const header = (await vscode.workspace.openTextDocument(first.after)).getText().split('\n').slice(0, 3).join('\n');
    assert.match(header, /^\/\/ Agent edit to 'accountable', round 1: 1 operation\n\/\/ Reason: "one more check"\n\/\/ {3}1\. add task extra on local$/, 'the review opens with the reason and the operations in words');
    await vscode.commands.executeCommand(COMMANDS.acceptEdit, first.after);
    const second = await review(2);
    await vscode.commands.executeCommand(COMMANDS.rejectEdit, second.after, 'no markers, please');
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    const rounds = run.orchestrator!.state.agent;
    const outcomeOf = (n: number) => rounds.find((r) => r.round === n);
    assert.equal(outcomeOf(1)?.outcome, 'applied');
    assert.equal(outcomeOf(2)?.outcome, 'rejected_by_user');
    assert.equal(outcomeOf(2)?.review?.reason, 'no markers, please');
    assert.equal(outcomeOf(3)?.outcome, 'refused');
    assert.equal(outcomeOf(3)?.violations?.[0]?.code, 'cycle');
    assert.match(outcomeOf(4)?.finishRefused ?? '', /finish refused/);
    // The model heard what became of each answer.
    assert.match(lastUser(model.received[2]), /What became of your answer in round 2: the user rejected the whole batch; nothing was applied\. The user's reason: "no markers, please"\./);
    assert.ok(model.received.some((req) => /What became of your answer in round 4: .*Your "finish" was refused/.test(lastUser(req))), 'the refused finish was told');
    // The journal keeps every proposal whole, with its outcome.
    const journal = journalEvents(run);
    const outcomes = journal.filter((e) => e.type === 'edit_outcome').map((e) => `${e.round as number}:${e.outcome as string}`);
    assert.deepEqual(outcomes.slice(0, 3), ['1:applied', '2:rejected_by_user', '3:refused']);
    assert.match(String(journal.find((e) => e.type === 'edit_outcome' && e.round === 4)?.finishRefused), /finish refused/, 'the refused finish is journaled with its round');
    const rejected = journal.find((e) => e.type === 'edit_proposed' && e.round === 2)!;
    assert.match(JSON.stringify(rejected.operations), /"id":"marker"/, 'the rejected batch is in the journal, whole');
    assert.equal(rejected.awaitingReview, true, 'journaled before the review');
    assert.equal(rejected.reason, 'leave a marker');
    // A notification for each decision that did not take effect; none for the applied one.
    const raised = a.ctx.agentNotices.raised.slice(raisedBefore);
    assert.equal(raised.filter((m) => /round 1 /.test(m)).length, 0, 'no notification for an applied batch');
    assert.ok(raised.some((m) => /round 2 \(after [^)]*\): rejected by the user/.test(m)), `rejected: ${raised.join(' | ')}`);
    assert.ok(raised.some((m) => /round 3 \(after [^)]*\): refused as invalid, dropped/.test(m)), 'refused');
    assert.ok(raised.some((m) => /round 4 .*finish refused/.test(m)), 'finish refused');
    // The tree: an Agent node under the run, a child per round, newest first.
    const tree = a.ctx.runsTree;
    const runChildren = tree.getChildren(tree.runNode(run));
    assert.equal(runChildren[0]?.kind, 'agent');
    const agentItem = tree.getTreeItem(runChildren[0]);
    assert.match(String(agentItem.description), /rounds · 3 not applied as proposed · \d+ calls/);
    const roundItems = tree.getChildren(runChildren[0]).map((n) => tree.getTreeItem(n));
    assert.equal(roundItems.at(-1)?.label, 'Round 1');
    assert.match(String(roundItems.at(-1)?.description), /^applied · 1 operation applied · after t1$/);
    assert.match(String(roundItems.at(-2)?.description), /^rejected by the user · 0 of 1 operation applied · after \S+/);
    // "Show" opens the round's whole story.
    await vscode.commands.executeCommand(COMMANDS.showAgentRound, { runId: run.id, round: 2 });
    const doc = vscode.window.activeTextEditor?.document;
    assert.match(doc?.getText() ?? '', /Round 2, after [^:]*: rejected by the user\nThe agent said "continue": leave a marker\nIt proposed 1 operation \(0 applied\):\n {2}✗ add task marker on local\nReview: rejected, because "no markers, please"/);
  });

  it('a 2 MB answer is never echoed, and no request exceeds the model\'s declared input limit by its own count', async function () {
    this.timeout(90_000);
    await set('agent.family', 'scripted-small');
    await set('agent.autoAccept', true);
    // The 2 MB answer alone is a million output tokens by this model's count: more than the default budget.
    await set('agent.maxTokensPerRun', 0);
    const a = await api();
    const model = await lm();
    model.script(['prose '.repeat(350_000), CONTINUE], CONTINUE);
    const big = (i: number) => ({ id: `r${i}`, device: 'local', inputs: sim(20, { log: `${i}:${'x'.repeat(4_000)}` }) });
    const run = await start(a, 'bounded', { id: 'bounded', request: 'read every log', tasks: [...Array.from({ length: 12 }, (_, i) => big(i)), { id: 'last', device: 'local', inputs: sim(400) }] });
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    assert.ok(model.sizes.length >= 2, 'the agent was asked, then asked to repair');
    for (const s of model.sizes) {
      assert.equal(s.model, 'scripted-small');
      assert.ok(s.tokens <= s.limit, `a request of ${s.tokens} tokens went to a model that accepts ${s.limit}`);
    }
    assert.ok(!model.received.some((req) => req.some((m) => m.text.includes('prose prose'))), 'the overlong answer was never sent back');
    assert.match(lastUser(model.received[1]), /the answer was 2100000 characters long/);
  });

  it('the budget: once spent the agent pauses, the user is asked, the run completes unsteered, and the timeline says so', async function () {
    this.timeout(90_000);
    await set('agent.maxCallsPerRun', 1);
    await set('agent.autoAccept', true);
    const a = await api();
    const model = await lm();
    model.script([], CONTINUE);
    const run = await start(a, 'budgeted', { id: 'budgeted', request: 'r', tasks: ['a', 'b', 'c'].map((id) => ({ id, device: 'local', inputs: sim(200) })), dependencies: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] });
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed');
    assert.equal(model.received.length, 1, 'one call, then none');
    const outcomes = run.orchestrator!.state.agent.map((r) => r.outcome);
    assert.deepEqual(outcomes, ['no_change', 'skipped', 'skipped']);
    assert.equal(run.agent?.budget.paused, true);
    const agentNode = a.ctx.runsTree.getChildren(a.ctx.runsTree.runNode(run))[0]!;
    assert.match(String(a.ctx.runsTree.getTreeItem(agentNode).description), /paused: budget used up/);
    // A new budget: the agent is asked again.
    run.agent.budget.extend({ maxCalls: 5 });
    assert.equal(run.agent?.budget.paused, false);
  });
});
