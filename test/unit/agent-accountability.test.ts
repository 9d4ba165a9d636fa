import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentEditSource } from '../../src/agent/agent-edit-source';
import { createPlan } from '../../src/agent/planner';
import { asText, fenceUntrusted, stripControl } from '../../src/agent/prompts/fence';
import { describeOutcome } from '../../src/agent/prompts/outcome-text';
import { ReviewingEditSource, type EditReviewer } from '../../src/agent/reviewing-edit-source';
import type { EditOutcome, EditRequest } from '../../src/core/orchestrator/edit-source';
import { aConstellation, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';
import { DeferredEditSource } from '../helpers/scripted-edit-source';
import { editAnswer, ScriptedChatModel } from '../helpers/scripted-chat-model';

const outcomes = (events: readonly { type: string }[]) => events.filter((e): e is EditOutcome & { type: 'edit_outcome' } => e.type === 'edit_outcome');

describe('device output reaches the model without terminal codes', () => {
  it('ANSI colours, cursor moves, titles and other control characters are stripped, inside JSON values too', () => {
    const coloured = '\u001b[31merror\u001b[0m: \u001b]0;title\u0007disk \u001b[2Kfull\r\n\ttab kept\u0000';
    assert.equal(stripControl(coloured), 'error: disk full\n\ttab kept');
    const json = asText({ stdout: coloured, exitCode: 1 });
    assert.equal(json, JSON.stringify({ stdout: 'error: disk full\n\ttab kept', exitCode: 1 }));
    assert.ok(!json.includes('\\u001b') && !json.includes('[31m'), `no escaped control characters left: ${json}`);
    assert.ok(!fenceUntrusted(coloured, 1000).includes('\u001b'));
  });
});

describe('the model learns what became of its previous answer', () => {
  it('each outcome is said in words: applied, kept in part or rejected with the reason, refused with the violations, finish refused, timed out', () => {
    const base = { round: 3, proposed: 2, applied: 2 } as const;
    assert.equal(describeOutcome({ ...base, outcome: 'applied' }), 'What became of your answer in round 3: applied (2 operations).');
    assert.match(describeOutcome({ ...base, outcome: 'partially_accepted', applied: 1, reviewerReason: 'not on prod' }), /the user kept 1 of your 2 operations; the others were not applied\. The user's reason: "not on prod"\./);
    assert.match(describeOutcome({ ...base, outcome: 'rejected_by_user', applied: 0, reviewerReason: 'too risky' }), /rejected the whole batch; nothing was applied\. The user's reason: "too risky"\. Do not propose it again/);
    const refused = describeOutcome({ ...base, outcome: 'refused', applied: 0, violations: [{ code: 'cycle', opIndex: 1, message: 'a -> b -> a' }] });
    assert.match(refused, /refused as invalid after the repair attempts; nothing was applied\. Violations of your last attempt:\n- \[cycle\] operation #1: a -> b -> a/);
    assert.match(describeOutcome({ ...base, outcome: 'no_change', applied: 0, finishRefused: 'finish refused: tasks are still pending or running' }), /Your "finish" was refused \(finish refused: tasks are still pending or running\)/);
    assert.match(describeOutcome({ ...base, outcome: 'timed_out', applied: 0 }), /did not arrive \(or was not reviewed\) in time/);
    assert.equal(describeOutcome(undefined), '');
  });

  it('the next round of the edit rounds carries the outcome, journaled as edit_outcome; a refused finish and a dropped batch too', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b', 'c'], ['a->b']), { editSource: src, editRepairRounds: 1, concurrency: 1, deviceIds: ['d1'] });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    // Round 1: a cycle, twice: dropped after the repair.
    const cycle = [{ op: 'add_dependency', dependency: { id: 'x', from: 'b', to: 'a' } }];
    src.answer({ operations: cycle });
    await h.settle();
    src.answer({ operations: cycle, reason: 'still' });
    await h.settle();
    h.exec.complete(h.exec.started.find((id) => h.c.task(id).status === 'running')!);
    await h.settle();
    const second = src.requests.at(-1)!;
    assert.equal(second.round, 2);
    assert.equal(second.previous?.outcome, 'refused');
    assert.ok((second.previous?.violations ?? []).length > 0, 'the violations travel with it');
    // Round 2: finish while tasks remain.
    src.answer({ status: 'finish', operations: [] });
    await h.settle();
    h.exec.complete(h.exec.started.find((id) => h.c.task(id).status === 'running')!);
    await h.settle();
    assert.equal(src.requests.at(-1)!.previous?.outcome, 'no_change');
    assert.match(src.requests.at(-1)!.previous?.finishRefused ?? '', /finish refused/);
    assert.deepEqual(
      outcomes(h.events).map((o) => o.outcome),
      ['refused', 'no_change'],
    );
    src.answer();
    await h.settle();
  });

  it('a batch the user rejects is journaled whole, with the reason, and the agent hears of it in the next prompt', async () => {
    const c = aConstellation([aTask('a'), aTask('b'), aTask('c')], ['a->b']);
    const touch = [{ op: 'add_task', task: { id: 'marker', inputs: { command: 'touch /tmp/marker' } } }];
    const model = new ScriptedChatModel({ answers: [editAnswer('continue', touch, 'leave a marker')], fallback: editAnswer('continue') });
    const reviewer: EditReviewer = { review: () => Promise.resolve({ accepted: [], reason: 'no files outside the workspace' }) };
    const agent = new AgentEditSource({ model, request: 'x' });
    const h = harness(c, { editSource: new ReviewingEditSource(agent, reviewer, () => false), concurrency: 1, deviceIds: ['d1'] });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    h.exec.complete(h.exec.started.find((id) => h.c.task(id).status === 'running')!);
    await h.settle();
    assert.equal(h.c.hasTask('marker'), false, 'nothing of a rejected batch applies');
    const proposed = h.events.find((e) => e.type === 'edit_proposed');
    assert.ok(proposed?.type === 'edit_proposed');
    assert.deepEqual(proposed.operations, touch, 'the whole batch is on record, journaled before the review');
    assert.equal(proposed.awaitingReview, true);
    assert.equal(h.events.indexOf(proposed) < h.events.findIndex((e) => e.type === 'edit_reviewed'), true);
    assert.equal(proposed.reason, 'leave a marker');
    const reviewed = h.events.find((e) => e.type === 'edit_reviewed');
    assert.ok(reviewed?.type === 'edit_reviewed' && reviewed.decision === 'rejected' && reviewed.reason === 'no files outside the workspace');
    assert.deepEqual(outcomes(h.events).map((o) => [o.outcome, o.proposed, o.applied, o.reviewerReason])[0], ['rejected_by_user', 1, 0, 'no files outside the workspace']);
    assert.match(model.lastUserText(1), /What became of your answer in round 1: the user rejected the whole batch; nothing was applied\. The user's reason: "no files outside the workspace"\./);
  });
});

describe('bounded prompts', () => {
  const request = (round: number, extra: Partial<EditRequest> = {}): EditRequest => ({
    round,
    completions: [],
    constellation: aConstellation(['a']),
    decisionsNeeded: [],
    validate: () => [],
    signal: new AbortController().signal,
    ...extra,
  });

  it('a long rejected answer is cut when it is repeated in the repair round', async () => {
    const long = editAnswer('continue', [{ op: 'add_task', task: { id: 'n', description: 'z'.repeat(100_000) } }]);
    const model = new ScriptedChatModel({ answers: [long], fallback: editAnswer('continue') });
    const agent = new AgentEditSource({ model, request: 'x' });
    const first = await agent.propose(request(1));
    await agent.propose(request(1, { rejected: { operations: first.operations, violations: [{ code: 'invalid_operation', opIndex: 0, message: 'too long' }] } }));
    const echoed = model.calls[1]!.messages.find((m) => m.role === 'assistant')!.content;
    assert.ok(echoed.length <= 8_100, `echo of ${echoed.length} chars`);
    assert.match(echoed, /…\[truncated \d+ chars\]…/);
  });

  it('an answer longer than the model can give is unreadable and never repeated back', async () => {
    const huge = 'prose '.repeat(400_000); // 2.4 MB
    const model = new ScriptedChatModel({ answers: [huge], fallback: editAnswer('continue') });
    const agent = new AgentEditSource({ model, request: 'x' });
    const first = await agent.propose(request(1));
    assert.match(first.unreadable ?? '', /^the answer was 2400000 characters long, more than the 256000 an answer can be/);
    await agent.propose(request(1, { rejected: { operations: [], violations: [{ code: 'unreadable_answer', opIndex: -1, message: first.unreadable! }] } }));
    const sent = model.calls[1]!.messages.reduce((n, m) => n + m.content.length, 0);
    assert.ok(sent < 20_000, `the repair request is ${sent} chars`);
    assert.ok(!model.calls[1]!.messages.some((m) => m.content.includes('prose prose')));
  });

  it('planning too: an overlong answer is refused without being read or repeated, and the next one is used', async () => {
    const plan = JSON.stringify({ name: 'P', tasks: [{ id: 'a', inputs: { command: 'true' } }], dependencies: [] });
    const model = new ScriptedChatModel({ answers: ['prose '.repeat(400_000), plan] });
    const result = await createPlan(model, { request: 'do a', devices: [] });
    assert.equal(result.attempts, 2);
    const repair = model.calls[1]!.messages;
    assert.ok(repair.reduce((n, m) => n + m.content.length, 0) < 20_000, 'the repair request stays small');
    assert.match(repair.at(-1)!.content, /answer_too_long|2400000 characters long/);
  });
});
