import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../src/core/clock';
import type { ExecutionRequest } from '../../src/core/executors/executor';
import { DeviceFleet, type RemoteDevice } from '../../src/devices/fleet';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import type { ReconnectingSession } from '../../src/devices/session/reconnecting';
import { AGENT_COMMAND, collectLines, CuttableProxy, eventually, startAgents } from '../helpers/ws-devices';

// Our orchestrator's AIP session driving AIP devices over real WebSockets, every device in a
// process of its own: Constellation's `device --dialect aip`, and (for what our device never
// does: several devices behind one server, errors without a session) a stand-in for the
// reference's UFO agent server that behaves on the wire as the Python one does (README, AIP).

const lines: string[] = [];
const logger: Logger = { debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };

function fleetOf(devices: RemoteDevice[], extra: object = {}): DeviceFleet {
  return new DeviceFleet(devices, { orchestratorId: `aip-test-${process.pid}`, backoff: { initialMs: 50, maxMs: 400 }, graceMs: 8_000, pingIntervalMs: 300, logger, ...extra });
}

let seq = 0;
function request(device: string, description: string, inputs?: unknown): ExecutionRequest {
  return { runId: 'run-aip', taskId: `t${++seq}`, attempt: 1, name: description, description, tips: ['be quick'], inputs, device };
}

function run(s: ReconnectingSession, r: ExecutionRequest) {
  return s.start(r, { output: () => {} });
}

/** The reference-like server in its own process; resolves with its URL and what it printed. */
async function ufoLikeServer(ids: string, token: string, mode = ''): Promise<{ child: ChildProcess; url: string; out: string[] }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'helpers', 'ufo-like-server.js'), ids], { env: { ...process.env, UFO_TOKEN: token, UFO_MODE: mode }, stdio: ['ignore', 'pipe', 'inherit'] });
  const out: string[] = [];
  collectLines(child.stdout, out);
  await eventually(() => out.some((l) => l.startsWith('listening on ')), 'the UFO-like server to listen');
  return { child, url: out.find((l) => l.startsWith('listening on '))!.slice('listening on '.length), out };
}

describe('our AIP session driving our AIP device (separate processes)', { timeout: 90_000 }, () => {
  let agents: LocalAgents;
  let token: string;
  let proxy: CuttableProxy;
  let fleet: DeviceFleet;
  let s: ReconnectingSession;

  before(async () => {
    agents = await startAgents(['aip1'], { executor: 'auto', concurrency: 2, capabilities: ['shell', 'gpu'], extraArgs: ['--dialect', 'aip'] });
    const d = agents.devices[0]!;
    token = d.token;
    proxy = new CuttableProxy(Number(new URL(d.url).port));
    const base = await proxy.listen();
    fleet = fleetOf([{ id: 'aip1', url: `${base}/ws`, token, dialect: 'aip' }]);
    await fleet.connect(10_000);
    s = fleet.sessions[0]!;
  });
  after(async () => {
    fleet.close();
    await proxy.close();
    await agents.stop();
  });

  it('registers as a constellation client and reads the device info into the profile', () => {
    assert.equal(s.state, 'ready');
    assert.equal(s.dialect, 'aip');
    assert.equal(s.profile?.os, process.platform);
    assert.deepEqual(s.profile?.capabilities, ['shell', 'gpu']);
    assert.equal(s.profile?.concurrency, 2);
    assert.equal(s.profile?.hostname, '', 'no hostname without --share-host-info');
    const spec = fleet.specs()[0]!;
    assert.deepEqual(spec.capabilities, ['shell', 'gpu']);
    assert.equal(spec.metadata?.dialect, 'aip');
  });

  it('runs a task from Galaxy-style text with its inputs in a tip, and ends a failing one with its error', async () => {
    const ok = await run(s, request('aip1', 'say hello', { command: 'echo hello-aip' })).done;
    assert.equal(ok.status, 'completed');
    const entries = ok.result as { request: string; result: { stdout: string; exitCode: number } }[];
    assert.equal(entries.length, 1);
    assert.match(entries[0]!.request, /^Task Description: say hello\nTips for Completion:\n - be quick\n - constellation-inputs: \{"command":"echo hello-aip"\}$/);
    assert.equal(entries[0]!.result.exitCode, 0);
    assert.match(entries[0]!.result.stdout, /hello-aip/);
    const bad = await run(s, request('aip1', 'fail', { command: 'exit 3' })).done;
    assert.equal(bad.status, 'failed');
    assert.equal(bad.status === 'failed' && bad.error.code, 'aip_task_failed');
    assert.match(bad.status === 'failed' ? bad.error.message : '', /exit.*3/);
    const none = await run(s, request('aip1', 'no inputs')).done;
    assert.match(none.status === 'failed' ? none.error.message : '', /carries no inputs/);
  });

  it('cancel closes exactly that attempt: it ends at once, its process stops, the other attempt goes on', async () => {
    const marker = path.join(os.tmpdir(), `aip-cancel-${process.pid}`);
    const long = run(s, request('aip1', 'long', { command: `sleep 2; touch ${marker}` }));
    const other = run(s, request('aip1', 'other', { command: 'sleep 1; echo other-done' }));
    await eventually(() => s.inFlight === 2, 'both attempts to be in flight');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    long.cancel('the user cancelled');
    const outcome = await long.done;
    assert.deepEqual(outcome, { status: 'cancelled', reason: 'the user cancelled' });
    console.log(`cancel settled in ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.ok(!fs.existsSync(marker), "the cancelled task's process was stopped before it could go on");
    const second = await other.done;
    assert.equal(second.status, 'completed', JSON.stringify(second));
    // The device freed the slot: with two slots, two more tasks run at once (none refused as busy).
    const again = await Promise.all([run(s, request('aip1', 'a', { command: 'echo a' })).done, run(s, request('aip1', 'b', { command: 'echo b' })).done]);
    assert.deepEqual(again.map((o) => o.status), ['completed', 'completed']);
  });

  it('a connection cut while the device keeps its end: the session registers again and the device takes over its stale socket', async () => {
    proxy.cutClientSide();
    await eventually(() => s.state !== 'ready', 'the session to notice the cut');
    await eventually(() => s.state === 'ready', 'the session to be ready again');
    // The device closes the stale socket with 4409 (a WebSocket close frame: 0x88, length, code).
    const takeover = (b: Buffer) => b.length >= 4 && b[0] === 0x88 && b.readUInt16BE(2) === 4409;
    await eventually(() => proxy.strandedReceived.some(takeover), "the device to close the stale socket with 4409 (takeover, not 'already registered')");
    const ok = await run(s, request('aip1', 'after takeover', { command: 'echo ok' })).done;
    assert.equal(ok.status, 'completed');
  });

  it('a device restart: the attempt it held fails at once, the session backs off, comes back, and runs the next task', async () => {
    const held = run(s, request('aip1', 'held', { command: 'sleep 20' }));
    await eventually(() => s.inFlight === 1, 'the attempt to be in flight');
    await new Promise((r) => setTimeout(r, 300));
    const before = lines.length;
    await agents.kill('aip1');
    const lost = await held.done;
    assert.equal(lost.status, 'failed');
    assert.equal(lost.status === 'failed' && lost.error.code, 'device_lost');
    assert.match(lost.status === 'failed' ? lost.error.message : '', /AIP cannot pick a task up again/);
    await eventually(() => lines.slice(before).filter((l) => /reconnecting in \d+ ms \(attempt \d+\)/.test(l)).length >= 3, 'three reconnect attempts');
    assert.notEqual(s.state, 'ready');
    assert.equal(s.availability, 'recovering');
    const attempts = lines.slice(before).map((l) => /reconnecting in (\d+) ms \(attempt (\d+)\)/.exec(l)).filter((m) => m !== null).map((m) => Number(m[2]));
    assert.deepEqual(attempts.slice(0, 3), [1, 2, 3]);
    await agents.restart('aip1');
    await eventually(() => s.state === 'ready', 'the session to be ready again', 15_000);
    const ok = await run(s, request('aip1', 'after restart', { command: 'echo back' })).done;
    assert.equal(ok.status, 'completed');
  });

  it('a wrong token is refused at the handshake, and the token is in no message', async () => {
    const secret = 'not-the-key-but-secret-0123456789';
    const wrong = fleetOf([{ id: 'aip1', url: agents.devices[0]!.url, token: secret, dialect: 'aip' }]);
    await assert.rejects(wrong.connect(5_000), (err: Error) => {
      assert.match(err.message, /HTTP 403/);
      assert.ok(!err.message.includes(secret));
      return true;
    });
    assert.ok(!lines.some((l) => l.includes(secret) || l.includes(token)), 'no log line holds a token');
  });
});

describe('our AIP session driving a UFO-like agent server with two devices (separate process)', { timeout: 60_000 }, () => {
  // Characters each URL encoding writes differently: the key must be out of every message all the same.
  const token = 'ufo key~(1)-0123456789';
  let server: Awaited<ReturnType<typeof ufoLikeServer>>;
  let fleet: DeviceFleet;

  before(async () => {
    server = await ufoLikeServer('win-a,win-b', token);
    fleet = fleetOf([
      { id: 'a', url: server.url, token, dialect: 'aip', aipTarget: 'win-a' },
      { id: 'b', url: server.url, token, dialect: 'aip', aipTarget: 'win-b' },
    ]);
    await fleet.connect(10_000);
  });
  after(() => {
    fleet.close();
    server.child.kill('SIGTERM');
  });

  it('reads each device profile from its own device info (aipTarget names it on the server)', () => {
    const [a, b] = fleet.sessions;
    assert.equal(a!.profile?.os, 'windows');
    assert.equal(a!.profile?.hostname, 'win-a-host');
    assert.deepEqual(a!.profile?.capabilities, ['ui', 'only-win-a']);
    assert.deepEqual(b!.profile?.capabilities, ['ui', 'only-win-b']);
  });

  it('two devices behind one server are not cross-wired: each task reaches the device it was sent to', async () => {
    const [a, b] = fleet.sessions;
    const jobs = [];
    for (let i = 0; i < 6; i++) jobs.push({ on: i % 2 === 0 ? 'win-a' : 'win-b', done: run(i % 2 === 0 ? a! : b!, request(i % 2 === 0 ? 'a' : 'b', `echo job-${i}`)).done });
    for (const [i, j] of jobs.entries()) {
      const o = await j.done;
      assert.equal(o.status, 'completed');
      const entries = o.result as { result: string }[];
      assert.equal(entries[0]!.result, `${j.on}: job-${i}`);
    }
  });

  it('an error without a session fails exactly the attempt whose socket it came on, at once', async () => {
    const [a] = fleet.sessions;
    const [hangs, errs] = [request('a', 'hang'), request('a', 'uncorrelated-error')];
    const bystander = run(a!, hangs);
    const victim = run(a!, errs);
    const t0 = Date.now();
    const o = await victim.done;
    console.log(`the uncorrelated error failed its attempt in ${Date.now() - t0} ms`);
    assert.equal(o.status, 'failed');
    assert.equal(o.status === 'failed' && o.error.code, 'aip_error');
    assert.match(o.status === 'failed' ? o.error.message : '', /the agent crashed/);
    const still = await Promise.race([bystander.done, new Promise((r) => setTimeout(() => r('running'), 500))]);
    assert.equal(still, 'running', 'the other attempt is untouched');
    bystander.cancel('done with it');
    assert.equal((await bystander.done).status, 'cancelled');
    // Each attempt's socket is named by its task and attempt (`…:<taskId>#<attempt>`).
    const closed = (r: ExecutionRequest) => server.out.some((l) => l.startsWith('closed constellation:') && l.endsWith(`:${r.taskId}#1`));
    await eventually(() => closed(hangs) && closed(errs), 'both attempt sockets to be closed on the server');
  });

  it('a key the server quotes in its error is in no message, however it is encoded; the text is one bounded line', async () => {
    const [a] = fleet.sessions;
    const o = await run(a!, request('a', 'leak-key')).done;
    assert.equal(o.status, 'failed');
    const message = o.status === 'failed' ? o.error.message : '';
    assert.match(message, /token=\*\*\* \(key \*\*\*\)/);
    assert.ok(!message.includes('0123456789') && !message.includes('\n'), message);
  });

  it("a failure with error null gets a clear message; a device the server does not have is 'not connected', retried", async () => {
    const [a] = fleet.sessions;
    const o = await run(a!, request('a', 'fail-silently')).done;
    assert.equal(o.status === 'failed' && o.error.message, 'the AIP device failed the task: the agent gave up');
    const ghost = fleetOf([{ id: 'ghost', url: server.url, token, dialect: 'aip' }], { graceMs: 1_000 });
    const s = ghost.sessions[0]!;
    const before = lines.length;
    void s.connect().catch(() => undefined);
    // Not given up: the session goes on trying, with backoff, until the device registers.
    await eventually(() => lines.slice(before).filter((l) => l.includes("device 'ghost'") && /reconnecting in \d+ ms/.test(l)).length >= 3, 'three tries');
    assert.match(s.lastError ?? '', /Target device 'ghost' is not connected/);
    assert.ok(s.state === 'backoff' || s.state === 'connecting', s.state);
    ghost.close();
  });

  it("a reconnect the server refuses as 'already registered' (it keeps the dead socket) registers under a new client id", async () => {
    const proxy = new CuttableProxy(Number(new URL(server.url).port));
    const base = await proxy.listen();
    const viaProxy = fleetOf([{ id: 'a', url: `${base}/ws`, token, dialect: 'aip', aipTarget: 'win-a' }], { orchestratorId: `takeover-${process.pid}` });
    try {
      await viaProxy.connect(10_000);
      const s = viaProxy.sessions[0]!;
      const before = lines.length;
      proxy.cutClientSide();
      await eventually(() => s.state !== 'ready', 'the session to notice the cut');
      await eventually(() => s.state === 'ready', 'the session to be ready again');
      assert.ok(lines.slice(before).some((l) => /is already registered/.test(l)), 'the first try was refused as a duplicate');
      const o = await run(s, request('a', 'echo back again')).done;
      assert.equal(o.status, 'completed');
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });

  it('a CLI run on UFO devices: results in the report, a retried error, and the token in no output, report or journal file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aip-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'ufo.token'), `${token}\n`);
      fs.writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ devices: [
        { id: 'a', url: server.url, dialect: 'aip', aipTarget: 'win-a', tokenFile: 'ufo.token' },
        { id: 'b', url: server.url, dialect: 'aip', aipTarget: 'win-b', tokenFile: 'ufo.token' },
      ] }));
      fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ id: 'ufo-plan', name: 'On UFO devices', tasks: [
        { id: 'open', description: 'echo opened', device: 'a' },
        { id: 'crash', description: 'uncorrelated-error', device: 'b', retries: 1 },
        { id: 'sum', description: 'echo ${tasks.open.result}', device: 'b' },
      ], dependencies: [{ from: 'open', to: 'sum' }] }));
      const child = spawn(process.execPath, [AGENT_COMMAND.script, 'run', 'plan.json', '--devices', 'devices.json', '--json', '--journal', 'runs'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((r) => child.on('close', r));
      assert.equal(code, 1, stderr);
      const report = JSON.parse(stdout) as { tasks: Record<string, { status: string; attempts: number; result?: unknown; error?: { code: string; message: string } }> };
      assert.deepEqual(report.tasks.open!.result, [{ request: 'Task Description: echo opened\nTips for Completion:\nNo tips available.', result: 'win-a: opened' }]);
      assert.equal(report.tasks.crash!.status, 'failed');
      assert.equal(report.tasks.crash!.attempts, 2, 'the error failed the attempt, and the retry ran');
      assert.match(report.tasks.crash!.error!.message, /the agent crashed/);
      assert.equal(report.tasks.sum!.status, 'completed');
      assert.match(JSON.stringify(report.tasks.sum!.result), /win-b: .*win-a: opened/);
      assert.match(stderr, /2 devices over WebSocket \(a \(AIP\), b \(AIP\)\)/);
      const files = fs.readdirSync(path.join(dir, 'runs'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      assert.ok(files.length >= 3, 'the run is journaled');
      for (const text of [stdout, stderr, ...files.map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))]) assert.ok(!text.includes(token) && !text.includes(encodeURIComponent(token)) && !text.includes('0123456789'), 'the token appears nowhere');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('our AIP session and UFO-like servers that misbehave (separate processes)', { timeout: 60_000 }, () => {
  const token = 'another-ufo-key-0123456789';
  const servers: Awaited<ReturnType<typeof ufoLikeServer>>[] = [];
  const fleets: DeviceFleet[] = [];
  async function serverIn(mode: string) {
    const srv = await ufoLikeServer('win-a', token, mode);
    servers.push(srv);
    return srv;
  }
  after(() => {
    for (const f of fleets) f.close();
    for (const s of servers) s.child.kill('SIGTERM');
  });

  it('a server that never answers register: the session gives up waiting, backs off, and waiting work fails at the end of the grace', async () => {
    const srv = await serverIn('silent');
    const fleet = fleetOf([{ id: 'win-a', url: srv.url, token, dialect: 'aip' }], { connectTimeoutMs: 300, graceMs: 1_500 });
    fleets.push(fleet);
    const s = fleet.sessions[0]!;
    void s.connect().catch(() => undefined);
    const waiting = run(s, request('win-a', 'echo never'));
    await eventually(() => /did not answer the registration within 300 ms/.test(s.lastError ?? ''), 'the registration to time out');
    const o = await waiting.done;
    assert.equal(o.status, 'failed');
    assert.match(o.status === 'failed' ? o.error.message : '', /did not come back within 1500 ms/);
    assert.ok(s.state === 'backoff' || s.state === 'connecting', s.state);
    // Closing answers whoever still waits for the device (it used to leave them waiting for ever).
    const pending = s.connect();
    fleet.close();
    await assert.rejects(pending, /disconnected before it was ready/);
  });

  it('a server that answers device_info_request with an error: ready at once with what is known', async () => {
    const srv = await serverIn('no-info');
    const fleet = fleetOf([{ id: 'win-a', url: srv.url, token, dialect: 'aip' }]);
    fleets.push(fleet);
    const before = lines.length;
    // Within 3 s, so before the 5 s wait for device info could have made it ready.
    await fleet.connect(3_000);
    const s = fleet.sessions[0]!;
    assert.equal(s.state, 'ready');
    assert.equal(s.profile?.os, 'unknown');
    const mine = lines.slice(before);
    assert.ok(mine.some((l) => /device info request was answered with an error: Unknown message type/.test(l)));
    assert.ok(!mine.some((l) => /no device_info_response within/.test(l)), 'ready because of the error answer, not the wait');
    const o = await run(s, request('win-a', 'echo fine')).done;
    assert.equal(o.status, 'completed');
  });

  it("a key the server stops taking (403 on a task's socket): the session fails for good and closes the device's socket too", async () => {
    const srv = await serverIn('');
    const fleet = fleetOf([{ id: 'win-a', url: srv.url, token, dialect: 'aip' }]);
    fleets.push(fleet);
    await fleet.connect(5_000);
    const s = fleet.sessions[0]!;
    assert.equal((await run(s, request('win-a', 'rotate-key')).done).status, 'completed');
    const o = await run(s, request('win-a', 'echo refused')).done;
    assert.equal(o.status, 'failed');
    assert.match(o.status === 'failed' ? o.error.message : '', /HTTP 403/);
    assert.equal(s.state, 'failed');
    await eventually(() => srv.out.some((l) => l.startsWith('closed constellation:') && l.endsWith('@win-a')), "the device's socket to be closed");
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(s.state, 'failed', 'nothing brings it back by itself');
  });
});
