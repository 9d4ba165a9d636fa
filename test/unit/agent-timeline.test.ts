import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentEditSource } from '../../src/agent/agent-edit-source';
import { AgentBudget, type BudgetReached } from '../../src/agent/budget';
import { AgentStats } from '../../src/agent/chat-model';
import { PromptTooLargeError } from '../../src/agent/prompt-fit';
import { makeStyle } from '../../src/cli/render/format';
import { renderSummary } from '../../src/cli/render/summary';
import type { EditRequest } from '../../src/core/orchestrator/edit-source';
import { roundLine } from '../../src/core/report/agent-words';
import { toJsonReport } from '../../src/core/report/json-report';
import { aConstellation, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';
import { DeferredEditSource } from '../helpers/scripted-edit-source';
import { ReviewingEditSource, type EditReviewer } from '../../src/agent/reviewing-edit-source';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { Journal } from '../../src/core/persistence/journal';
import { restoreRun } from '../../src/core/persistence/restore';
import { MemoryJournalStore } from '../../src/core/persistence/store';
import { ControlledExecutor } from '../helpers/controlled-executor';
import { ManualClock, settle } from '../helpers/manual-clock';
import { editAnswer, ScriptedChatModel } from '../helpers/scripted-chat-model';

const request = (c: ReturnType<typeof aConstellation>, round: number, extra: Partial<EditRequest> = {}): EditRequest => ({
  round,
  completions: [...c.tasks()].filter((t) => t.status === 'completed').map((t) => ({ taskId: t.id, status: t.status, result: t.result })),
  constellation: c,
  decisionsNeeded: [],
  validate: () => [],
  signal: new AbortController().signal,
  ...extra,
});

// A tokenizer that finds two characters a token: prompts sized by characters alone would not fit.
const dense = (text: string) => Math.ceil(text.length / 2);

describe('prompts fit the model, by its own token count', () => {
  it('a crowded round and its repair stay under the input limit; every new result is still shown, cut', async () => {
    const tasks = Array.from({ length: 12 }, (_, i) => aTask(`t${i}`, { status: 'completed', result: `${i}:${'x'.repeat(5_000)}` }));
    const c = aConstellation([...tasks, 'next']);
    const long = editAnswer('continue', [{ op: 'add_task', task: { id: 'n', description: 'y'.repeat(20_000) } }]);
    const model = new ScriptedChatModel({ answers: [long], fallback: editAnswer('continue'), maxInputTokens: 4_000, tokenizer: dense });
    const agent = new AgentEditSource({ model, request: 'check every result' });
    const first = await agent.propose(request(c, 1));
    await agent.propose(request(c, 1, { rejected: { operations: first.operations, violations: [{ code: 'invalid_operation', opIndex: 0, message: 'too long' }] } }));
    assert.equal(model.calls.length, 2);
    for (const [i, call] of model.calls.entries()) {
      const tokens = call.messages.reduce((n, m) => n + dense(m.content), 0);
      assert.ok(tokens <= 4_000, `request ${i + 1} is ${tokens} tokens, over the model's 4,000`);
      const prompt = call.messages[1]!.content;
      for (let k = 0; k < 12; k++) assert.ok(prompt.includes(`t${k} completed, result:`), `request ${i + 1} shows t${k}'s result`);
    }
    assert.equal(model.calls[1]!.messages.length, 4, 'the repair keeps the conversation, cut to fit');
  });

  it('a request that cannot fit at all is an error before any call, and the round ends as a failed call', async () => {
    const model = new ScriptedChatModel({ fallback: editAnswer('continue'), maxInputTokens: 50, tokenizer: dense });
    const agent = new AgentEditSource({ model, request: 'a request far longer than fifty tokens can hold '.repeat(20) });
    await assert.rejects(agent.propose(request(aConstellation(['a']), 1)), PromptTooLargeError);
    assert.equal(model.calls.length, 0, 'nothing was sent');
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: agent });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    const round = h.o.state.agent[0]!;
    assert.equal(round.outcome, 'source_error');
    assert.match(round.message ?? '', /needs [\d,]+ tokens even cut down, more than the 47 scripted\/test accepts/);
    h.exec.complete('b');
    await h.settle();
    assert.equal(h.report?.state, 'completed');
  });
});

describe('the agent budget', () => {
  it('once spent, rounds are skipped without a call and the run goes on; the user is asked once; a new budget resumes the agent', async () => {
    const model = new ScriptedChatModel({ fallback: editAnswer('continue') });
    const stats = new AgentStats();
    const reached: BudgetReached[] = [];
    const budget = new AgentBudget({ maxCalls: 1 }, stats, (r) => reached.push(r));
    const agent = new AgentEditSource({ model, request: 'x', stats, budget });
    const h = harness(aConstellation(['a', 'b', 'c', 'd'], ['a->b', 'b->c', 'c->d']), { editSource: agent });
    await h.start();
    for (const id of ['a', 'b', 'c']) {
      h.exec.complete(id);
      await h.settle();
      if (id === 'b') budget.extend({ maxCalls: 1 });
    }
    h.exec.complete('d');
    await h.settle();
    assert.equal(h.report?.state, 'completed', 'the run completes, unsteered while paused');
    assert.deepEqual(h.o.state.agent.map((r) => r.outcome), ['no_change', 'skipped', 'no_change', 'skipped']);
    assert.match(h.o.state.agent[1]!.message ?? '', /the agent is paused: its budget of 1 call for this run is used up/);
    assert.equal(model.calls.length, 2, 'a call before the budget was spent and one after it was extended');
    assert.equal(reached.length, 2, 'asked once each time the budget ran out');
    assert.match(model.lastUserText(), /you were not asked \(the agent was paused\)/, 'the model hears that it missed a round');
    assert.deepEqual(h.o.state.agent[0]!.usage, { calls: 1, inputTokens: model.calls[0]!.messages.reduce((n, m) => n + Math.ceil(m.content.length / 4), 0), outputTokens: Math.ceil(editAnswer('continue').length / 4) });
  });
});

describe('the agent timeline', () => {
  it('every round with its trigger, answer, review and outcome, in the run state, the report, the summary and --json', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b', 'c', 'd'], ['a->b', 'b->c', 'c->d']), { editSource: src, editRepairRounds: 1, concurrency: 2 });
    await h.start();
    const add = (id: string) => ({ op: 'add_task', task: { id } });
    h.exec.complete('a');
    await h.settle();
    src.answer({ operations: [add('x')], reason: 'one more check' });
    await h.settle();
    h.exec.complete('b');
    await h.settle();
    const cycle = [{ op: 'add_dependency', dependency: { from: 'd', to: 'c' } }];
    src.answer({ operations: cycle, reason: 'loop' });
    await h.settle();
    src.answer({ operations: cycle, reason: 'loop again' });
    await h.settle();
    h.exec.complete('c');
    await h.settle();
    const touch = [add('marker')];
    src.answer({ operations: [], proposed: touch, reason: 'leave a marker', review: { decision: 'rejected', proposed: 1, accepted: [], reason: 'not here' } });
    await h.settle();
    h.exec.complete('x');
    await h.settle();
    src.answer({ status: 'finish', operations: [] });
    await h.settle();
    h.exec.complete('d');
    await h.settle();
    src.answer();
    await h.settle();
    assert.equal(h.report?.state, 'completed');
    const rounds = h.o.state.agent;
    assert.deepEqual(
      rounds.map((r) => [r.round, r.triggeredBy.join('+'), r.outcome, r.applied]),
      [[1, 'a', 'applied', 1], [2, 'b', 'refused', 0], [3, 'c', 'rejected_by_user', 0], [4, 'x', 'no_change', 0], [5, 'd', 'no_change', 0]],
    );
    assert.equal(rounds[0]!.reason, 'one more check');
    assert.equal(rounds[1]!.repairs, 1);
    assert.equal(rounds[1]!.violations?.[0]?.code, 'cycle');
    assert.deepEqual(rounds[2]!.proposed, touch, 'the rejected batch is kept whole');
    assert.deepEqual(rounds[2]!.review, { decision: 'rejected', accepted: [], reason: 'not here' });
    assert.match(rounds[3]!.finishRefused ?? '', /finish refused/);
    assert.equal(roundLine(rounds[0]!, true), 'round 1 (after a): applied · 1 operation applied · agent: "one more check"');
    assert.match(roundLine(rounds[1]!, true), /^round 2 \(after b\): refused as invalid, dropped · agent: "loop again" · .*\[cycle\]$/);
    assert.equal(roundLine(rounds[2]!, true), 'round 3 (after c): rejected by the user · 0 of 1 operation applied · agent: "leave a marker" · reviewer: "not here"');
    assert.match(roundLine(rounds[3]!, true), /^round 4 \(after x\): no change; finish refused/);
    const report = h.report;
    assert.equal(report.agent?.length, 5);
    const summary = renderSummary(report, h.c, { style: makeStyle(false) });
    assert.match(summary, /\nAgent: 5 rounds, 3 not applied as proposed\n {2}· round 1 \(after a\): applied/);
    assert.match(summary, /\n {2}! round 3 \(after c\): rejected by the user/);
    const json = toJsonReport(report) as unknown as { agent: { round: number; outcome: string; proposed: unknown[]; startedAt: string }[] };
    assert.deepEqual(json.agent.map((r) => r.outcome), ['applied', 'refused', 'rejected_by_user', 'no_change', 'no_change']);
    assert.deepEqual(json.agent[2]!.proposed, touch);
    assert.match(json.agent[0]!.startedAt, /^\d{4}-\d\d-\d\dT/);
  });

  it('a round still waiting shows as such, and one the run ended under is cut off', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: src });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    const r = h.o.state.agent[0]!;
    assert.equal(roundLine(r, false), 'round 1 (after a): asking the model');
    h.o.cancel('stop');
    await h.settle();
    assert.equal(roundLine(h.o.state.agent[0]!, true), 'round 1 (after a): cut off when the run ended');
  });
});

describe('the timeline across a review and a resume', () => {
  it('an answer held for review is journaled before the review, shows as waiting, and keeps what it cost', async () => {
    const model = new ScriptedChatModel({ answers: [editAnswer('finish', [{ op: 'add_task', task: { id: 'x' } }], 'one more')], fallback: editAnswer('continue') });
    let decide: (v: { accepted: number[]; reason?: string }) => void = () => {};
    const reviewer: EditReviewer = { review: () => new Promise((resolve) => (decide = resolve)) };
    const agent = new AgentEditSource({ model, request: 'r' });
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: new ReviewingEditSource(agent, reviewer, () => false) });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    const r = h.o.state.agent[0]!;
    assert.equal(roundLine(r, false), 'round 1 (after a): waiting for review · 1 operation · agent: "one more"');
    assert.equal(r.status, 'finish', 'as the agent said it');
    decide({ accepted: [], reason: 'no' });
    await h.settle();
    assert.equal(h.o.state.agent[0]!.outcome, 'rejected_by_user');
    assert.equal(h.o.state.agent[0]!.usage?.calls, 1, 'a reviewed round keeps what it cost');
    h.exec.complete('b');
    await h.settle();
    assert.equal(h.report?.state, 'completed');
  });

  it('a resumed run cuts off the round its earlier process left open, numbers on, and tells the source what became of the last answer', async () => {
    const store = new MemoryJournalStore();
    const src = new DeferredEditSource();
    const clock = new ManualClock();
    const exec = new ControlledExecutor();
    const devices = [{ id: 'd1', executor: exec, concurrency: 2, capabilities: [] }];
    const first = new Orchestrator(aConstellation(['a', 'b', 'c'], ['a->c', 'b->c']), { devices, clock, editSource: src });
    const journal = new Journal(store, first.runId);
    journal.attach(first);
    void first.run();
    await settle();
    exec.complete('a');
    await settle();
    src.answer({ operations: [], reason: 'fine' });
    await settle();
    exec.complete('b');
    await settle();
    assert.equal(src.open, 1, 'round 2 is open');
    first.detach('the window closed');
    await settle();
    journal.close();
    const restored = restoreRun(store, first.runId);
    assert.deepEqual(restored.state.agent.map((r) => [r.round, r.outcome]), [[1, 'no_change'], [2, undefined]]);
    const src2 = new DeferredEditSource();
    const second = new Orchestrator(restored.constellation, { devices, clock, editSource: src2, runId: first.runId, startSeq: restored.lastSeq, interrupted: restored.interrupted, agentTimeline: restored.state.agent });
    void second.run();
    await settle();
    assert.deepEqual(second.state.agent.map((r) => [r.round, r.outcome]).slice(0, 2), [[1, 'no_change'], [2, 'cut_off']]);
    assert.equal(roundLine(second.state.agent[1]!, false), 'round 2 (after b): cut off (the run was resumed by another process)');
    exec.complete('c');
    await settle();
    const asked = src2.requests[0]!;
    assert.equal(asked.round, 3, 'rounds number on from the journal');
    assert.equal(asked.previous?.round, 1);
    assert.equal(asked.previous?.outcome, 'no_change');
    src2.answer();
    await settle();
  });
});
