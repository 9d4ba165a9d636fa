import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from '../../src/devices/protocol/aip/frames';
import { encodeTaskEnd, outcomeOfTaskEnd } from '../../src/devices/protocol/aip/outcome';
import { formatTaskText, inputsFromTips, inputsTip, parseTaskText } from '../../src/devices/protocol/aip/task-text';

// Frames written by hand after the reference's wire format (every key, `null` when unset).
const CLIENT_NULLS = { client_type: null, session_id: null, task_name: null, client_id: null, target_id: null, request: null, action_results: null, timestamp: '2026-11-30T10:00:00.000000+00:00', request_id: null, prev_response_id: null, error: null, metadata: null };
const SERVER_NULLS = { user_request: null, agent_name: null, process_name: null, root_name: null, actions: null, messages: null, error: null, session_id: null, task_name: null, timestamp: '2026-11-30T10:00:00.000000+00:00', response_id: null, result: null };
const SYSTEM_INFO = { device_id: 'dev1', platform: 'linux', os_version: '6.1', cpu_count: 8, memory_total_gb: 31.2, hostname: 'box', ip_address: '10.0.0.5', supported_features: ['shell', 'browser'], platform_type: 'computer', schema_version: '1.0', custom_metadata: {} };
const TEXT = 'Task Description: Count the files\nTips for Completion:\n - use find\n - report a number';

const client = (frame: object) => {
  const d = decodeClientFrame(JSON.stringify({ ...CLIENT_NULLS, ...frame }));
  assert.ok(d.ok, d.ok ? '' : d.problem);
  return d.frame;
};
const server = (frame: object) => {
  const d = decodeServerFrame(JSON.stringify({ ...SERVER_NULLS, ...frame }));
  assert.ok(d.ok, d.ok ? '' : d.problem);
  return d.frame;
};

describe('AIP frames, as the reference sends them', () => {
  it('registration of a device client and of Galaxy; heartbeats with and without client_type', () => {
    const device = client({ type: 'register', status: 'ok', client_type: 'device', client_id: 'dev1', metadata: { system_info: SYSTEM_INFO, platform: 'linux' } });
    assert.equal(device.client_type, 'device');
    const galaxy = client({ type: 'register', status: 'ok', client_type: 'constellation', client_id: 'task@dev1', target_id: 'dev1', metadata: { type: 'constellation_client', version: '2.0' } });
    assert.equal(galaxy.target_id, 'dev1');
    // Galaxy's heartbeat has no client_type at all: that is read, not refused.
    const d = decodeClientFrame(JSON.stringify({ type: 'heartbeat', status: 'ok', client_id: 'task@dev1', metadata: { device_id: 'dev1' } }));
    assert.ok(d.ok && d.frame.client_type === undefined);
    assert.equal(server({ type: 'heartbeat', status: 'ok' }).type, 'heartbeat');
  });

  it('device info request and response; a task, its ack and its end with every result shape', () => {
    assert.equal(client({ type: 'device_info_request', status: 'ok', client_type: 'constellation', target_id: 'dev1', request_id: 'R1' }).request_id, 'R1');
    assert.deepEqual(server({ type: 'device_info_response', status: 'ok', response_id: 'R1', result: SYSTEM_INFO }).result, SYSTEM_INFO);
    const task = client({ type: 'task', status: 'continue', client_type: 'constellation', client_id: 'c@dev1', target_id: 'dev1', session_id: 'count@t1', task_name: 'galaxy/c/t1', request: TEXT });
    assert.equal(task.request, TEXT);
    assert.equal(server({ type: 'heartbeat', status: 'ok', session_id: 'count@t1' }).session_id, 'count@t1');
    const list = server({ type: 'task_end', status: 'completed', session_id: 'count@t1', result: [{ request: TEXT, result: 'There are 42 files.' }] });
    assert.deepEqual(outcomeOfTaskEnd(list), { status: 'completed', result: [{ request: TEXT, result: 'There are 42 files.' }] });
    assert.deepEqual(outcomeOfTaskEnd(server({ type: 'task_end', status: 'completed', session_id: 's', result: [] })), { status: 'completed', result: [] });
    assert.deepEqual(outcomeOfTaskEnd(server({ type: 'task_end', status: 'completed', session_id: 's' })), { status: 'completed', result: null });
    const failure = outcomeOfTaskEnd(server({ type: 'task_end', status: 'failed', session_id: 's', result: { failure: 'the app did not open' } }));
    assert.deepEqual(failure, { status: 'failed', error: { code: 'aip_task_failed', message: 'the AIP device failed the task: the app did not open' } });
    const silent = outcomeOfTaskEnd(server({ type: 'task_end', status: 'failed', session_id: 's', error: null }));
    assert.equal(silent.status === 'failed' && silent.error.message, 'the AIP device ended the task as failed without saying why (its task_end had no error)');
    const said = outcomeOfTaskEnd(server({ type: 'task_end', status: 'failed', session_id: 's', error: 'Task was cancelled because target device disconnected' }));
    assert.match(said.status === 'failed' ? said.error.message : '', /target device disconnected/);
  });

  it('errors carry no session; unknown keys are ignored; unknown types and statuses, binary, non-JSON and deep frames are refused with a reason', () => {
    const error = server({ type: 'error', status: 'error', error: "Target device 'dev9' is not connected" });
    assert.equal(error.session_id, null);
    const extra = decodeServerFrame(JSON.stringify({ type: 'heartbeat', status: 'ok', future_field: { x: 1 } }));
    assert.ok(extra.ok && !('future_field' in extra.frame));
    const bad = (d: ReturnType<typeof decodeServerFrame>, pattern: RegExp) => assert.ok(!d.ok && pattern.test(d.problem), d.ok ? 'accepted' : d.problem);
    bad(decodeServerFrame(JSON.stringify({ type: 'heartbeat', status: 'weird' })), /invalid 'heartbeat' frame: status: /);
    bad(decodeServerFrame(JSON.stringify({ type: 'telemetry', status: 'ok' })), /invalid 'telemetry' frame: type: /);
    bad(decodeServerFrame(JSON.stringify({ status: 'ok' })), /type/);
    bad(decodeServerFrame(Buffer.from('{}'), true), /binary frames are not part of AIP/);
    bad(decodeServerFrame('{"type": "heartbeat",'), /not JSON/);
    bad(decodeServerFrame('[1,2]'), /JSON object/);
    const deep = decodeServerFrame(`{"type":"task_end","status":"completed","session_id":"s7","result":${'['.repeat(300)}${']'.repeat(300)}}`);
    assert.ok(!deep.ok && deep.sessionId === 's7' && /nested/.test(deep.problem), deep.ok ? '' : deep.problem);
    bad(decodeClientFrame(JSON.stringify({ type: 'register', status: 'ok', client_type: 'robot' })) as never, /client_type/);
  });

  it('encodes every key, null when unset, with the reference timestamp format', () => {
    const reg = JSON.parse(encodeClientFrame({ type: 'register', status: 'ok', client_type: 'constellation', client_id: 'c@dev1', target_id: 'dev1' })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(reg), ['type', 'status', 'client_type', 'session_id', 'task_name', 'client_id', 'target_id', 'request', 'action_results', 'timestamp', 'request_id', 'prev_response_id', 'error', 'metadata']);
    assert.equal(reg.session_id, null);
    assert.match(String(reg.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const end = JSON.parse(encodeTaskEnd('count@t1', TEXT, { status: 'completed', result: { files: 42 } })) as Record<string, unknown>;
    assert.deepEqual([end.type, end.status, end.session_id, end.error, end.result], ['task_end', 'completed', 'count@t1', null, [{ request: TEXT, result: { files: 42 } }]]);
    const failed = JSON.parse(encodeTaskEnd('s', TEXT, { status: 'failed', error: { code: 'missing_inputs', message: 'no inputs' } })) as Record<string, unknown>;
    assert.deepEqual([failed.status, failed.error], ['failed', '[missing_inputs] no inputs']);
    assert.ok(decodeServerFrame(encodeServerFrame({ type: 'heartbeat', status: 'ok', session_id: 's' })).ok, 'what we send, we read');
  });
});

describe("Galaxy's task text", () => {
  it('formats exactly as Galaxy does and reads back what it wrote, multi-line descriptions and tips included', () => {
    assert.equal(formatTaskText({ description: 'Count the files', tips: ['use find', 'report a number'] }), TEXT);
    assert.equal(formatTaskText({ description: 'x', tips: [] }), 'Task Description: x\nTips for Completion:\nNo tips available.');
    for (const t of [
      { description: 'Count the files', tips: ['use find', 'report a number'] },
      { description: 'first line\nsecond line', tips: [] },
      { description: 'd', tips: ['a tip\nwith two lines', inputsTip({ command: 'ls -la', env: { A: '1' } })] },
    ]) assert.deepEqual(parseTaskText(formatTaskText(t)), t);
    assert.deepEqual(parseTaskText('just words'), { description: 'just words', tips: [] });
  });

  it('structured inputs travel as a constellation-inputs tip; a bad one is named', () => {
    const tips = ['be quick', inputsTip({ sim: { durationMs: 5, result: { n: 1 } } })];
    assert.deepEqual(inputsFromTips(tips), { inputs: { sim: { durationMs: 5, result: { n: 1 } } } });
    assert.deepEqual(inputsFromTips(['be quick']), {});
    assert.match(inputsFromTips(['constellation-inputs: {nope']).problem ?? '', /^the constellation-inputs: tip is not JSON: /);
    assert.equal(inputsFromTips(['constellation-inputs: [1]']).problem, 'the constellation-inputs: tip must hold a JSON object');
    assert.match(inputsFromTips([`constellation-inputs: {"a":${'['.repeat(200)}${']'.repeat(200)}}`]).problem ?? '', /nested/);
  });
});
