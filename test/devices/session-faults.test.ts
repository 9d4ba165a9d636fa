import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../src/devices/protocol/messages';
import { DeviceSession } from '../../src/devices/session/device-session';
import { eventually } from '../helpers/ws-devices';

const PROFILE = { id: 'fake', os: 'linux', arch: 'x64', hostname: 'h', capabilities: [], concurrency: 1, version: 't' };

/**
 * A misbehaving device on a real socket: `script` decides what it answers. It stands in for a
 * broken or hostile peer, which a well-behaved agent process cannot play.
 */
async function fakeDevice(script: (ws: WebSocket, msg: Record<string, unknown>, n: number) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.on("message", (d) => script(ws, JSON.parse((d as Buffer).toString("utf8")) as Record<string, unknown>, n));
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function session(url: string, extra: Partial<ConstructorParameters<typeof DeviceSession>[0]> = {}) {
  const warnings: string[] = [];
  const s = new DeviceSession({
    id: 'fake', url, token: 't'.repeat(20), orchestratorId: 'o', backoff: { initialMs: 20, maxMs: 50 },
    logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    ...extra,
  });
  cleanup.push(() => s.close());
  return { s, warnings };
}

const request = { runId: 'r', taskId: 't1', attempt: 1, name: 't1', description: '', tips: [], inputs: {}, device: 'fake' };

describe('device session against a broken device', () => {
  it('garbage, unknown types, early and out-of-order frames are logged and ignored; the task still completes', async () => {
    const dev = await fakeDevice((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send('{ not json');
        ws.send(JSON.stringify({ type: 'teleport' }));
        ws.send(JSON.stringify({ type: 'task_result', requestId: 'x', runId: 'r', taskId: 't1', attempt: 1, status: 'completed', durationMs: 1 })); // before welcome
        ws.send(JSON.stringify({ type: 'welcome', protocol: 1, requestId: msg.requestId, device: PROFILE, held: [] }));
        ws.send(JSON.stringify({ type: 'welcome', protocol: 1, requestId: msg.requestId, device: PROFILE, held: [] }));
      }
      if (msg.type === 'task') {
        const out = (chunk: number, data: string) => ws.send(JSON.stringify({ type: 'task_output', runId: 'r', taskId: 't1', attempt: 1, stream: 'stdout', data, chunk }));
        ws.send(JSON.stringify({ type: 'task_result', requestId: 'y', runId: 'r', taskId: 'ghost', attempt: 1, status: 'completed', durationMs: 1 }));
        ws.send(JSON.stringify({ type: 'task_output', runId: 'r', taskId: 't1', attempt: 'one', stream: 'stdout', data: 'bad', chunk: 0 }));
        out(0, 'a');
        out(0, 'a-again');
        out(1, 'b');
        out(3, 'd');
        out(2, 'c-late');
        ws.send(JSON.stringify({ type: 'task_result', requestId: msg.requestId, runId: 'r', taskId: 't1', attempt: 1, status: 'completed', result: 'fine', durationMs: 5 }));
      }
    });
    cleanup.push(() => dev.close());
    const { s, warnings } = session(dev.url);
    await s.connect();
    const out: string[] = [];
    const outcome = await s.start(request, { output: (_s, d) => out.push(d) }).done;
    assert.deepEqual(outcome, { status: 'completed', result: 'fine' });
    assert.deepEqual(out, ['a', 'b', 'd'], 'repeats and stale chunks dropped, order kept');
    assert.equal(s.state, 'ready');
    const text = warnings.join('\n');
    assert.match(text, /not JSON/);
    assert.match(text, /unknown message type 'teleport'/);
    assert.match(text, /'task_result' before 'welcome'/);
    assert.match(text, /'welcome' twice/);
    assert.match(text, /attempt/);
    assert.match(text, /skipped from chunk 2 to 3/);
  });

  it('a device that stops answering pings is declared dead and reconnected', async () => {
    const dev = await fakeDevice((ws, msg) => {
      if (msg.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', protocol: 1, requestId: msg.requestId, device: PROFILE, held: [] }));
      // pings are never answered
    });
    cleanup.push(() => dev.close());
    const { s, warnings } = session(dev.url, { pingIntervalMs: 50, missedPings: 2 });
    await s.connect();
    await eventually(() => dev.connections >= 2, 'a reconnect after missed pings', 5_000);
    assert.match(warnings.join('\n'), /no pong for 2 pings in a row/);
  });

  it('an oversize frame from the device closes the socket; the session reconnects and carries on', async () => {
    const dev = await fakeDevice((ws, msg, n) => {
      if (msg.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', protocol: 1, requestId: msg.requestId, device: PROFILE, held: [] }));
      if (msg.type === 'ping' && n === 1) ws.send(JSON.stringify({ type: 'pong', requestId: msg.requestId, pad: 'x'.repeat(MAX_FRAME_BYTES + 1) }));
      if (msg.type === 'ping' && n > 1) ws.send(JSON.stringify({ type: 'pong', requestId: msg.requestId }));
    });
    cleanup.push(() => dev.close());
    const { s, warnings } = session(dev.url, { pingIntervalMs: 300 });
    await s.connect();
    await eventually(() => dev.connections >= 2 && s.state === 'ready', 'a reconnect', 5_000);
    assert.match(warnings.join('\n'), /1009|Max payload/i);
  });

  it('a device speaking another protocol version is refused for good, with the reason', async () => {
    const dev = await fakeDevice((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send(JSON.stringify({ type: 'error', code: 'protocol_version', message: 'this device speaks protocol 2, not 1', requestId: msg.requestId }));
        ws.close(4400, 'protocol version');
      }
    });
    cleanup.push(() => dev.close());
    const { s } = session(dev.url);
    await assert.rejects(s.connect(), /protocol mismatch/);
    assert.equal(s.state, 'failed');
    assert.equal(dev.connections, 1, 'no retry');
  });
});
