import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatExchange } from '../../src/agent/chat-model';
import { createPlan, PlanningError } from '../../src/agent/planner';
import type { DeviceProfileLike } from '../../src/agent/prompts/create-prompt';
import { ScriptedChatModel } from '../helpers/scripted-chat-model';

const DEVICES: DeviceProfileLike[] = [
  { id: 'linux-1', os: 'linux', arch: 'x64', capabilities: ['shell'], concurrency: 2 },
  { id: 'win-1', os: 'windows', arch: 'x64' },
];
const REQUEST = 'Collect the error logs on linux-1 and summarise them on win-1.';

function plan(tasks: object[], dependencies: object[] = []): string {
  return JSON.stringify({ name: 'Logs', tasks, dependencies }, null, 2);
}
const COLLECT = { id: 'collect', name: 'Collect', device: 'linux-1', inputs: { command: ['journalctl', '-p', 'err'] } };
const SUMMARISE = { id: 'summarise', name: 'Summarise', description: 'Summarise ${tasks.collect.result}', device: 'win-1', inputs: { command: 'type errors.txt' } };
const VALID = plan([COLLECT, SUMMARISE], [{ from: 'collect', to: 'summarise', type: 'success_only' }]);

describe('createPlan', () => {
  it('turns a valid answer into a constellation, with the request and the usage recorded', async () => {
    const model = new ScriptedChatModel({ answers: [`Here is the plan:\n\`\`\`json\n${VALID}\n\`\`\``] });
    const exchanges: ChatExchange[] = [];
    const result = await createPlan(model, { request: REQUEST, devices: DEVICES, onExchange: (x) => exchanges.push(x) });
    assert.deepEqual(result.constellation.taskIds(), ['collect', 'summarise']);
    assert.equal(result.constellation.dependency('collect->summarise').type, 'success_only');
    assert.equal(result.constellation.info.request, REQUEST);
    assert.equal(result.planJson.request, REQUEST);
    assert.equal(result.attempts, 1);
    assert.equal(result.stats.calls, 1);
    assert.ok(result.stats.inputTokens > 0 && result.stats.outputTokens > 0);
    assert.equal(exchanges.length, 1);
    assert.deepEqual(exchanges[0]!.messages.map((m) => m.role), ['system', 'user']);
    assert.ok(exchanges[0]!.messages[1]!.content.includes('- linux-1 linux/x64 concurrency=2 capabilities=[shell]'));
  });

  it('repairs invalid JSON, then a schema error, then a cycle, each time with the exact error', async () => {
    const badJson = '{\n  "tasks": [\n    {"id": "collect",}\n  ]\n}';
    const badField = plan([COLLECT, { ...SUMMARISE, priority: 9 }]);
    const cycle = plan([COLLECT, SUMMARISE], [{ from: 'collect', to: 'summarise' }, { from: 'summarise', to: 'collect' }]);
    const model = new ScriptedChatModel({ answers: [badJson, badField, cycle, VALID] });
    const result = await createPlan(model, { request: REQUEST, devices: DEVICES, repairRounds: 3 });
    assert.equal(result.attempts, 4);
    assert.equal(result.constellation.size, 2);

    const repair1 = model.lastUserText(1);
    assert.match(repair1, /^Your plan was rejected:\n- line 3, column 22: not valid JSON: Expected double-quoted property name \[invalid_json\]/);
    const repair2 = model.lastUserText(2);
    assert.ok(repair2.includes('- tasks[1].priority: '), repair2);
    assert.ok(repair2.includes('[invalid_field]'));
    const repair3 = model.lastUserText(3);
    assert.ok(repair3.includes('- dependencies: dependencies form a cycle: collect → summarise → collect [cycle]'), repair3);
    // The repair sees its own previous answer.
    const last = model.calls[3]!.messages;
    assert.deepEqual(last.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(last[6]!.content, cycle);
  });

  it('gives up after the repair rounds with a PlanningError listing the last errors', async () => {
    const cycle = plan([COLLECT, SUMMARISE], [{ from: 'collect', to: 'summarise' }, { from: 'summarise', to: 'collect' }]);
    const model = new ScriptedChatModel({ fallback: cycle });
    await assert.rejects(createPlan(model, { request: REQUEST, devices: DEVICES, repairRounds: 1 }), (err: unknown) => {
      assert.ok(err instanceof PlanningError);
      assert.equal(err.attempts, 2);
      assert.deepEqual(err.problems.map((p) => p.code), ['cycle']);
      assert.match(err.message, /no valid plan after 2 answer\(s\):\ndependencies: dependencies form a cycle/);
      return true;
    });
    assert.equal(model.calls.length, 2, 'one answer plus one repair');
  });

  it('rejects a device that is not one of the given devices, naming the devices', async () => {
    const model = new ScriptedChatModel({ answers: [plan([{ ...COLLECT, device: 'mars-1' }]), VALID] });
    const result = await createPlan(model, { request: REQUEST, devices: DEVICES });
    assert.equal(result.attempts, 2);
    assert.ok(
      model.lastUserText(1).includes("- tasks[0].device: device 'mars-1' is not registered; the devices are: linux-1, win-1 [unknown_device]"),
      model.lastUserText(1),
    );
  });

  it('rejects run state, an empty plan and a reference to a task that is not an ancestor', async () => {
    const withState = plan([{ ...COLLECT, status: 'completed' }]);
    const badRef = plan([COLLECT, { ...SUMMARISE, description: 'use ${tasks.later.result}' }, { id: 'later', device: 'linux-1' }], [{ from: 'collect', to: 'summarise' }]);
    const model = new ScriptedChatModel({ answers: [withState, plan([]), badRef, VALID] });
    await createPlan(model, { request: REQUEST, devices: DEVICES, repairRounds: 3 });
    assert.ok(model.lastUserText(1).includes("- tasks[0].status: 'status' is run state, set by the orchestrator; leave it out [run_state]"));
    assert.ok(model.lastUserText(2).includes('- tasks: the plan has no tasks [empty_plan]'));
    assert.match(model.lastUserText(3), /- tasks\[1\]\.description: .*later.* \[bad_reference\]/);
  });

  it('lets an abort propagate as such, not as a planning failure', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = new ScriptedChatModel({ fallback: VALID });
    await assert.rejects(createPlan(model, { request: REQUEST, devices: DEVICES, signal: controller.signal }), { name: 'AbortError' });
    assert.equal(model.calls.length, 0);
  });
});
