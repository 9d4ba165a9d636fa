import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import { formatTaskText, inputsTip } from '../../src/devices/protocol/aip/task-text';
import { startAgents } from '../helpers/ws-devices';
import { rawClient, rawUpgrade, type RawFrame } from '../helpers/raw-client';

// Our device as UFO Galaxy drives it: `constellation device --dialect aip` in a separate process,
// and a client that sends Galaxy's frames as the reference writes them (every key, null when unset).

type Frame = RawFrame;

/** Galaxy's frames as the reference writes them: every key, null when unset. */
function galaxy(url: string) {
  const c = rawClient(url);
  const next = (match: (f: Frame) => boolean, _what: string) => c.next(match);
  const send = (f: Frame) =>
    c.send({ status: 'ok', client_type: null, session_id: null, task_name: null, client_id: null, target_id: null, request: null, action_results: null, timestamp: '2026-11-30T10:00:00+00:00', request_id: null, prev_response_id: null, error: null, metadata: null, ...f });
  return { ...c, next, send };
}

describe('our device driven by UFO Galaxy over AIP', () => {
  let agents: LocalAgents;
  let base: string;
  let token: string;
  const url = (t = token) => `${base}?token=${encodeURIComponent(t)}`;

  before(async () => {
    agents = await startAgents(['dev1'], { executor: 'auto', extraArgs: ['--dialect', 'aip', '--hello-timeout', '400', '--concurrency', '4', '--capabilities', 'shell'] });
    base = agents.devices[0]!.url;
    token = agents.devices[0]!.token;
  });
  after(async () => {
    await agents.stop();
  });

  async function registered(clientId = `c${Math.random().toString(36).slice(2)}@dev1`) {
    const g = galaxy(url());
    await g.opened;
    g.send({ type: 'register', client_type: 'constellation', client_id: clientId, target_id: 'dev1', metadata: { type: 'constellation_client', version: '2.0' } });
    const ok = await g.next((f) => f.type === 'heartbeat', 'the registration ack');
    assert.equal(ok.status, 'ok');
    return g;
  }

  it('serves /ws with ?token= only: a wrong token, no token, another path and a path that is not a URL are refused at the handshake (403)', async () => {
    assert.match(base, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    await assert.rejects(galaxy(url('wrong-token-wrong-token')).opened, /HTTP 403/);
    await assert.rejects(galaxy(base).opened, /HTTP 403/);
    await assert.rejects(galaxy(`${base.replace(/\/ws$/, '/other')}?token=${token}`).opened, /HTTP 403/);
    assert.match(await rawUpgrade(base, `//[?token=${token}`), /^HTTP\/1\.1 403 /, 'a request path that is not a URL');
    (await registered()).ws.close();
  });

  it('a connection that never completes its upgrade is closed, silent or half-sent, as on the native protocol', async () => {
    const { port } = new URL(base);
    const closedWithin = (send: string | undefined) =>
      new Promise<void>((resolve, reject) => {
        const s = net.connect(Number(port), '127.0.0.1', () => {
          if (send !== undefined) s.write(send);
        });
        s.on('data', () => undefined);
        s.on('error', () => undefined);
        s.on('close', () => resolve());
        setTimeout(() => reject(new Error('the socket was still open after 5 s')), 5_000).unref();
      });
    await closedWithin(undefined);
    await closedWithin(`GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
  });

  it('refuses with an error and a close: a first frame that is not a register, a device client, another target, and silence', async () => {
    const cases: [Frame | undefined, RegExp][] = [
      [{ type: 'task', status: 'continue', session_id: 's', request: 'x' }, /the first frame must be a 'register', not 'task'/],
      [{ type: 'register', client_type: 'device', client_id: 'dev9' }, /serves constellation clients \(Galaxy\), not 'device' clients/],
      [{ type: 'register', client_type: 'constellation', client_id: 'c@dev9', target_id: 'dev9' }, /Target device 'dev9' is not connected/],
      [undefined, /no register frame within the time allowed/],
    ];
    for (const [frame, message] of cases) {
      const g = galaxy(url());
      await g.opened;
      if (frame) g.send(frame);
      const error = await g.next((f) => f.type === 'error', 'an error');
      assert.match(String(error.error), message);
      assert.equal(error.session_id, null, 'AIP errors carry no session');
      await g.closed;
    }
  });

  it('answers heartbeats without client_type, and device info without host details unless shared', async () => {
    const g = await registered();
    g.ws.send(JSON.stringify({ type: 'heartbeat', status: 'ok', client_id: 'x', metadata: { device_id: 'dev1' } }));
    assert.equal((await g.next((f) => f.type === 'heartbeat', 'a heartbeat ack')).status, 'ok');
    g.send({ type: 'device_info_request', client_type: 'constellation', target_id: 'dev1', request_id: 'R1' });
    const info = await g.next((f) => f.type === 'device_info_response', 'device info');
    assert.equal(info.response_id, 'R1');
    const result = info.result as Frame;
    assert.equal(result.device_id, 'dev1');
    assert.deepEqual(result.supported_features, ['shell']);
    assert.equal(result.hostname, null);
    assert.equal(result.ip_address, null);
    g.ws.close();
  });

  it("runs a task from Galaxy's text with its constellation-inputs tip: an ack, then task_end in UFO's result shape", async () => {
    const g = await registered();
    const request = formatTaskText({ description: 'Say hello', tips: ['be brief', inputsTip({ sim: { durationMs: 50, result: { greeting: 'hello' } } })] });
    g.send({ type: 'task', status: 'continue', client_type: 'constellation', target_id: 'dev1', session_id: 'greet@t1', task_name: 'galaxy/c/t1', request });
    const ack = await g.next((f) => f.type === 'heartbeat' && f.session_id === 'greet@t1', 'the ack');
    assert.equal(ack.status, 'ok');
    const end = await g.next((f) => f.type === 'task_end', 'task_end');
    assert.deepEqual([end.status, end.session_id, end.error], ['completed', 'greet@t1', null]);
    assert.deepEqual(end.result, [{ request, result: { greeting: 'hello' } }]);
    // A shell command that fails: task_end failed with our error, for that session.
    const failing = formatTaskText({ description: 'Fail', tips: [inputsTip({ command: 'exit 3' })] });
    g.send({ type: 'task', status: 'continue', session_id: 'fail@t2', request: failing });
    const failed = await g.next((f) => f.type === 'task_end' && f.session_id === 'fail@t2', 'the failed task_end');
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /exit/);
    g.ws.close();
  });

  it('refuses at task level with task_end{failed} and the session: no inputs, bad inputs, a frame it cannot read', async () => {
    const g = await registered();
    g.send({ type: 'task', status: 'continue', session_id: 'words@t3', request: formatTaskText({ description: 'Open the browser and check the news', tips: [] }) });
    const words = await g.next((f) => f.type === 'task_end' && f.session_id === 'words@t3', 'a refusal');
    assert.equal(words.status, 'failed');
    assert.match(String(words.error), /\[missing_inputs\] the task carries no inputs: .*constellation export --aip-inputs/);
    g.send({ type: 'task', status: 'continue', session_id: 'bad@t4', request: formatTaskText({ description: 'x', tips: ['constellation-inputs: {nope'] }) });
    assert.match(String((await g.next((f) => f.type === 'task_end' && f.session_id === 'bad@t4', 'a refusal')).error), /\[invalid_inputs\] the constellation-inputs: tip is not JSON/);
    g.ws.send(JSON.stringify({ type: 'task', status: 'paused', session_id: 'odd@t5' }));
    const odd = await g.next((f) => f.type === 'task_end' && f.session_id === 'odd@t5', 'a refusal of an unreadable frame');
    assert.match(String(odd.error), /status/);
    assert.equal(g.frames.filter((f) => f.type === 'error').length, 0, 'never a bare error for a task');
    g.ws.close();
  });

  it('closing the socket cancels its running tasks; the same client_id reconnecting takes over its old socket', async () => {
    const id = 'galaxy@dev1';
    const first = await registered(id);
    first.send({ type: 'task', status: 'continue', session_id: 'long@t6', request: formatTaskText({ description: 'wait', tips: [inputsTip({ sim: { durationMs: 60_000 } })] }) });
    await first.next((f) => f.type === 'heartbeat' && f.session_id === 'long@t6', 'the ack');
    const second = await registered(id);
    const replaced = await first.closed;
    assert.equal(replaced.code, 4409, 'the old socket is closed by the takeover');
    // The takeover cancelled what the old socket ran (a minute-long task): once it has stopped, the
    // device runs its full concurrency (4) at once again. Until then one slot is still taken.
    const quick = formatTaskText({ description: 'q', tips: [inputsTip({ sim: { durationMs: 200 } })] });
    let outcomes: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 4; i++) second.send({ type: 'task', status: 'continue', session_id: `q${round}@${i}`, request: quick });
      outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(String((await second.next((f) => f.type === 'task_end' && f.session_id === `q${round}@${i}`, 'a task_end')).status));
      if (outcomes.every((o) => o === 'completed')) break;
    }
    assert.deepEqual(outcomes, ['completed', 'completed', 'completed', 'completed'], 'the long task of the replaced socket was cancelled');
    second.ws.close();
  });
});
