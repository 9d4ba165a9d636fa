import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceFleet, DevicesUnavailableError } from '../../src/devices/fleet';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import { MAX_FRAME_BYTES } from '../../src/devices/protocol/messages';
import { startAgents } from '../helpers/ws-devices';
import { rawClient, rawUpgrade } from '../helpers/raw-client';

describe('device agent: handshake security and hostile frames', () => {
  let agents: LocalAgents;
  let url: string;
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  before(async () => {
    agents = await startAgents(['guarded'], { executor: 'sim', extraArgs: ['--hello-timeout', '300'] });
    url = agents.devices[0]!.url;
    token = agents.devices[0]!.token;
  });
  after(async () => {
    await agents.stop();
  });

  async function helloed() {
    const c = rawClient(url, auth());
    await c.opened;
    c.send({ type: 'hello', protocol: 1, requestId: 'h1', orchestratorId: `raw-${Math.random()}` });
    const welcome = await c.next('welcome');
    return { c, welcome };
  }

  it('a wrong or missing token is refused at the handshake (401); the session reports it and does not retry', async () => {
    await assert.rejects(rawClient(url, { Authorization: 'Bearer not-the-token-at-all' }).opened, /HTTP 401/);
    await assert.rejects(rawClient(url, {}).opened, /HTTP 401/);
    const fleet = new DeviceFleet([{ id: 'guarded', url, token: 'not-the-token-at-all' }], { orchestratorId: 'o', backoff: { initialMs: 10 } });
    await assert.rejects(fleet.connect(5_000), (e: Error) => e instanceof DevicesUnavailableError && /refused the token \(401\)/.test(e.message));
    assert.match(fleet.sessions[0]!.lastError ?? '', /401/, 'the reason stays readable');
  });

  it('a browser Origin is refused (403), whatever the token', async () => {
    await assert.rejects(rawClient(url, { ...auth(), Origin: 'http://localhost:8080' }).opened, /HTTP 403/);
  });

  it('a foreign Host header is refused on loopback (DNS rebinding)', async () => {
    await assert.rejects(rawClient(url, { ...auth(), Host: 'attacker.example:80' }).opened, /HTTP 403/);
    const ok = rawClient(url, { ...auth(), Host: `localhost:${new URL(url).port}` });
    await ok.opened;
    ok.ws.close();
  });

  it('a request path that is not a URL is refused (403); the device goes on serving', async () => {
    assert.match(await rawUpgrade(url, '//[', auth()), /^HTTP\/1\.1 403 /);
    const { c } = await helloed();
    c.ws.close();
  });

  it('an authenticated socket that never says hello is closed', async () => {
    const c = rawClient(url, auth());
    await c.opened;
    const { code } = await c.closed;
    assert.equal(code, 4401);
  });

  it('malformed JSON, unknown types, wrong field types and early frames get errors; the connection survives', async () => {
    const c = rawClient(url, auth());
    await c.opened;
    c.send({ type: 'task', requestId: 'early', runId: 'r', taskId: 't', attempt: 1, name: '', description: '', tips: [] });
    assert.deepEqual(await c.next('error'), { type: 'error', code: 'not_ready', message: "'task' before 'hello'", requestId: 'early' });
    c.send({ type: 'hello', protocol: 1, requestId: 'h', orchestratorId: 'raw-frames' });
    assert.equal((await c.next('welcome')).requestId, 'h');
    c.send('{"type": "ping", ');
    assert.match(String((await c.next('error')).message), /not JSON/);
    c.send({ type: 'teleport', requestId: 'r1' });
    assert.deepEqual(await c.next('error'), { type: 'error', code: 'unknown_type', message: "unknown message type 'teleport'", requestId: 'r1' });
    c.send({ type: 'task', requestId: 'r2', runId: 'r', taskId: 't', attempt: 'one', name: '', description: '', tips: [] });
    const wrong = await c.next('error');
    assert.equal(wrong.code, 'bad_message');
    assert.equal(wrong.requestId, 'r2');
    assert.match(String(wrong.message), /attempt/);
    c.send(Buffer.from([1, 2, 3]));
    assert.equal((await c.next('error')).code, 'bad_frame');
    c.send({ type: 'cancel', requestId: 'r3', runId: 'r', taskId: 'nope', attempt: 1 });
    assert.equal((await c.next('error')).code, 'unknown_task');
    c.send({ type: 'ping', requestId: 'still-there' });
    assert.deepEqual(await c.next('pong'), { type: 'pong', requestId: 'still-there' });
    c.ws.close();
  });

  it('an oversize frame closes that socket (1009); the device keeps serving others', async () => {
    const { c } = await helloed();
    c.send(JSON.stringify({ type: 'ping', requestId: 'x', pad: 'x'.repeat(MAX_FRAME_BYTES + 10) }));
    assert.equal((await c.closed).code, 1009);
    const again = await helloed();
    assert.equal((again.welcome.device as { id: string }).id, 'guarded');
    again.c.ws.close();
  });

  it('the same attempt sent twice runs once; a task beyond the slots is refused as busy', async () => {
    const { c } = await helloed();
    const task = { type: 'task', runId: 'r', taskId: 'dup', attempt: 1, name: 'dup', description: '', tips: [], inputs: { sim: { durationMs: 200, result: 7 } } };
    c.send({ ...task, requestId: 'a' });
    c.send({ ...task, requestId: 'b' });
    c.send({ ...task, taskId: 'other', requestId: 'c' });
    assert.equal((await c.next('error')).requestId, 'c');
    const result = await c.next('task_result');
    assert.equal(result.result, 7);
    assert.equal(result.requestId, 'a');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(c.frames.filter((f) => f.type === 'task_result'), [], 'no second run, no second result');
    c.ws.close();
  });
});
