import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentEditSource } from '../../src/agent/agent-edit-source';
import { AgentStats } from '../../src/agent/chat-model';
import type { Violation } from '../../src/core/editing/violations';
import type { Constellation } from '../../src/core/model/constellation';
import type { EditRequest } from '../../src/core/orchestrator/edit-source';
import { aConstellation, aTask } from '../helpers/builders';
import { harness } from '../helpers/harness';
import { DeferredEditSource } from '../helpers/scripted-edit-source';
import { editAnswer, ScriptedChatModel } from '../helpers/scripted-chat-model';

/** A round about `finished` (default: every completed task). */
function anEditRequest(c: Constellation, round: number, extra: Partial<EditRequest> = {}, finished?: string[]): EditRequest {
  const done = finished ?? [...c.tasks()].filter((t) => t.status === 'completed').map((t) => t.id);
  return {
    round,
    completions: done.map((id) => ({ taskId: id, status: c.task(id).status, result: c.task(id).result })),
    constellation: c,
    decisionsNeeded: [],
    validate: () => [],
    signal: new AbortController().signal,
    ...extra,
  };
}

const notModifiable: Violation = { code: 'not_modifiable', opIndex: 0, message: "remove_task: task 'a' is completed; only pending tasks can change" };

describe('AgentEditSource', () => {
  it('keeps the round conversation for repairs and starts afresh in the next round', async () => {
    const c = aConstellation([aTask('a', { status: 'completed', result: 1 }), 'b'], ['a->b']);
    const first = editAnswer('continue', [{ op: 'remove_task', taskId: 'a' }]);
    const model = new ScriptedChatModel({ answers: [first], fallback: editAnswer('continue') });
    const agent = new AgentEditSource({ model, request: 'Do the thing.' });
    const p1 = await agent.propose(anEditRequest(c, 1));
    const { usage, ...answer } = p1;
    assert.deepEqual(answer, { status: 'continue', operations: [{ op: 'remove_task', taskId: 'a' }], reason: undefined });
    assert.equal(usage?.calls, 1, 'the answer says what it cost');
    await agent.propose(anEditRequest(c, 1, { rejected: { operations: p1.operations, violations: [notModifiable] } }));
    const repair = model.calls[1]!.messages;
    assert.deepEqual(repair.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(repair[2]!.content, first);
    assert.ok(repair[3]!.content.includes(`- [not_modifiable] operation #0: ${notModifiable.message}`));
    await agent.propose(anEditRequest(c, 2));
    assert.deepEqual(model.calls[2]!.messages.map((m) => m.role), ['system', 'user'], 'a new round is a new conversation');
    assert.match(model.calls[2]!.messages[1]!.content, /\nRound 2\.\n/);
  });

  it('returns an unreadable answer as `unreadable` with the exact error, and never throws for it', async () => {
    const c = aConstellation(['a']);
    const model = new ScriptedChatModel({ answers: ['{"status": "continue", "operations": [,]}', '{"status": "stop"}'] });
    const agent = new AgentEditSource({ model, request: 'x' });
    const syntax = await agent.propose(anEditRequest(c, 1));
    assert.deepEqual(syntax.operations, []);
    assert.match(syntax.unreadable ?? '', /^line 1, column 39: not valid JSON: .* \[invalid_json\]$/);
    const shape = await agent.propose(anEditRequest(c, 2));
    assert.equal(shape.unreadable, 'status: status must be "continue", "finish" or "fail" [invalid_field]');
  });

  it('lets model errors and aborts propagate, uncounted', async () => {
    const c = aConstellation(['a']);
    const agent = new AgentEditSource({ model: new ScriptedChatModel(), request: 'x' });
    await assert.rejects(agent.propose(anEditRequest(c, 1)), /the script has no answer for call 1/);
    const controller = new AbortController();
    controller.abort();
    const aborting = new AgentEditSource({ model: new ScriptedChatModel({ fallback: editAnswer('continue') }), request: 'x' });
    await assert.rejects(aborting.propose(anEditRequest(c, 1, { signal: controller.signal })), { name: 'AbortError' });
    assert.equal(agent.stats.calls + aborting.stats.calls, 0);
  });

  it('counts calls and tokens into the stats it is given', async () => {
    const c = aConstellation(['a']);
    const stats = new AgentStats();
    const model = new ScriptedChatModel({ fallback: editAnswer('continue') });
    const agent = new AgentEditSource({ model, request: 'x', stats });
    await agent.propose(anEditRequest(c, 1));
    await agent.propose(anEditRequest(c, 2));
    const expectedInput = model.calls.flatMap((x) => x.messages).reduce((n, m) => n + Math.ceil(m.content.length / 4), 0);
    assert.deepEqual(stats.snapshot(), { calls: 2, inputTokens: expectedInput, outputTokens: 2 * Math.ceil(editAnswer('continue').length / 4) });
    assert.equal(agent.stats, stats);
  });

  it("keeps the prompt within the model's context window", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const c = aConstellation([...ids.map((id) => aTask(id, { status: 'completed', result: 'r'.repeat(100) })), 'next'], ['t199->next']);
    const roomy = new ScriptedChatModel({ fallback: editAnswer('continue') });
    await new AgentEditSource({ model: roomy, request: 'x' }).propose(anEditRequest(c, 1, {}, ['t199']));
    const small = new ScriptedChatModel({ fallback: editAnswer('continue'), maxInputTokens: 2_500 });
    await new AgentEditSource({ model: small, request: 'x' }).propose(anEditRequest(c, 1, {}, ['t199']));
    const size = (m: ScriptedChatModel) => m.calls[0]!.messages.reduce((n, x) => n + x.content.length, 0);
    assert.ok(size(roomy) > 7_500, `${size(roomy)}`);
    assert.ok(size(small) <= 7_500, `${size(small)} chars for 2 500 tokens`);
    assert.match(small.lastUserText(), /\(199 earlier finished tasks with no unfinished dependants are not listed: 199 completed\)/);
  });

  it('shares the room among the results when one round brings many completions', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `t${i}`);
    const c = aConstellation([...ids.map((id) => aTask(id, { status: 'completed', result: 'r'.repeat(400) })), 'next'], ids.map((id) => `${id}->next`));
    const model = new ScriptedChatModel({ fallback: editAnswer('continue') });
    await new AgentEditSource({ model, request: 'x', budgets: { maxPromptChars: 14_000 } }).propose(anEditRequest(c, 1));
    const text = model.lastUserText();
    assert.ok(model.calls[0]!.messages[0]!.content.length + text.length <= 14_000, `${text.length}`);
    assert.equal((text.match(/…\[truncated \d+ chars\]/g) ?? []).length, 60, 'every new result is shown, each cut to its share');
  });

  it('lists the devices it is given, as they are at each round', async () => {
    const devices = [{ id: 'linux-1', os: 'linux' }];
    const model = new ScriptedChatModel({ fallback: editAnswer('continue') });
    const agent = new AgentEditSource({ model, request: 'x', devices: () => devices });
    await agent.propose(anEditRequest(aConstellation(['a']), 1));
    devices.push({ id: 'win-1', os: 'windows' });
    await agent.propose(anEditRequest(aConstellation(['a']), 2));
    assert.match(model.lastUserText(0), /Devices:\n- linux-1 linux concurrency=1\n\n/);
    assert.match(model.lastUserText(1), /Devices:\n- linux-1 linux concurrency=1\n- win-1 windows concurrency=1\n\n/);
  });
});

describe('edit rounds: an unreadable answer (core)', () => {
  it('is sent back as unreadable_answer within the repair budget, its operations ignored, then dropped', async () => {
    const src = new DeferredEditSource();
    const h = harness(aConstellation(['a', 'b'], ['a->b']), { editSource: src, editRepairRounds: 1 });
    await h.start();
    h.exec.complete('a');
    await h.settle();
    src.answer({ operations: [{ op: 'add_task', task: { id: 'sneaky' } }], unreadable: 'not valid JSON at line 1, column 2' });
    await h.settle();
    assert.equal(h.c.hasTask('sneaky'), false, 'operations of an unreadable answer are ignored');
    assert.deepEqual(src.requests[1]?.rejected, { operations: [], violations: [{ code: 'unreadable_answer', opIndex: -1, message: 'not valid JSON at line 1, column 2' }] });
    src.answer({ operations: [], unreadable: 'still not JSON' });
    await h.settle();
    assert.equal(src.requests.length, 2, 'no answer beyond the budget');
    const rejected = h.events.filter((e) => e.type === 'edit_rejected');
    assert.deepEqual(rejected.map((e) => (e.type === 'edit_rejected' ? [e.code, e.willRepair, e.message] : [])), [
      ['invalid', true, 'unreadable answer: not valid JSON at line 1, column 2'],
      ['invalid', false, 'unreadable answer: still not JSON'],
    ]);
    assert.equal(h.c.task('b').status, 'running', 'the run continues');
  });
});
