import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../src/core/clock';
import type { ExecutionRequest } from '../../src/core/executors/executor';
import { DeviceFleet, type RemoteDevice } from '../../src/devices/fleet';
import type { LocalAgents } from '../../src/devices/local/local-agents';
import type { ReconnectingSession } from '../../src/devices/session/reconnecting';
import { AGENT_COMMAND, collectLines, CuttableProxy, eventually, REPO_ROOT, startAgents } from '../helpers/ws-devices';

// Opt-in: AIP against the reference's own Python code (github microsoft/UFO). Skipped unless
// UFO_REF points at a checkout of it and its Python dependencies import (UFO_PYTHON: the
// interpreter, default python3; UFO_PYTHONPATH: extra import paths, e.g. stand-ins for packages
// an offline machine lacks, or a sitecustomize.py). Both directions:
// - our AIP session driving the reference's agent server (with a scripted session in place of
//   its language-model agent: test/reference/scripted_ufo_server.py) and its device clients;
// - the reference's Galaxy orchestrator (test/reference/galaxy_drive.py) running a plan
//   exported with --aip-inputs on our `device --dialect aip` processes.

const REF = process.env.UFO_REF;
const PYTHON = process.env.UFO_PYTHON ?? 'python3';
const HARNESS = path.join(REPO_ROOT, 'test', 'reference');

function pythonEnv(): NodeJS.ProcessEnv {
  const paths = [REF, process.env.UFO_PYTHONPATH].filter((p): p is string => p !== undefined && p !== '');
  return { ...process.env, PYTHONPATH: paths.join(path.delimiter), PYTHONUNBUFFERED: '1', NO_COLOR: '1' };
}

function skipReason(): string | false {
  if (!REF) return 'set UFO_REF to a checkout of the reference (github microsoft/UFO) to run these';
  const probe = spawnSync(PYTHON, ['-c', 'import ufo.server.app, ufo.client.client, galaxy.client.constellation_client, galaxy.constellation.task_constellation'], { cwd: REF, env: pythonEnv(), encoding: 'utf8', timeout: 300_000 });
  if (probe.status !== 0) return `the reference's Python dependencies do not import (${PYTHON}): ${(probe.stderr || String(probe.error)).trim().split('\n').pop() ?? ''}`;
  return false;
}

const skip = skipReason();
if (skip) console.log(`AIP reference suite skipped: ${skip}`);

/** A Python process of the reference, run from its root; its output kept for assertions and failures. */
function python(args: readonly string[]): { child: ChildProcess; out: string[] } {
  const child = spawn(PYTHON, args, { cwd: REF, env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  collectLines(child.stdout, out);
  collectLines(child.stderr, out);
  return { child, out };
}

function stop(p: { child: ChildProcess } | undefined): Promise<void> {
  const child = p?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** The devices the reference's server has online (its `/api/health`). */
async function online(port: number, key: string): Promise<string[]> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { 'X-API-Key': key } });
    const body = (await res.json()) as { online_clients?: string[] };
    return body.online_clients ?? [];
  } catch {
    return [];
  }
}

const lines: string[] = [];
const logger: Logger = { debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
let seq = 0;
function request(device: string, description: string): ExecutionRequest {
  return { runId: 'run-ref', taskId: `r${++seq}`, attempt: 1, name: description, description, tips: [], inputs: undefined, device };
}
const run = (s: ReconnectingSession, r: ExecutionRequest) => s.start(r, { output: () => {} });

describe("AIP against the reference's own Python code (opt-in: UFO_REF)", { skip, timeout: 20 * 60_000 }, () => {
  describe("our AIP session driving the reference's agent server and device clients", () => {
    const key = randomBytes(18).toString('base64url');
    let port: number;
    let server: ReturnType<typeof python>;
    const clients = new Map<string, ReturnType<typeof python>>();
    let fleet: DeviceFleet;
    const url = () => `ws://127.0.0.1:${port}/ws`;
    // dev1 registers as linux and dev2 as windows: the scripted session answers with the platform
    // of the device the server routed the task to, so a crossed wire shows.
    const deviceClient = (id: string, platform: string) => {
      clients.set(id, python(['-m', 'ufo.client.client', '--client-id', id, '--ws-server', `${url()}?token=${key}`, '--platform', platform]));
    };

    before(async () => {
      port = await freePort();
      server = python([path.join(HARNESS, 'scripted_ufo_server.py'), '--host', '127.0.0.1', '--port', String(port), '--api-key', key]);
      deviceClient('dev1', 'linux');
      deviceClient('dev2', 'windows');
      const until = Date.now() + 240_000;
      for (;;) {
        const now = await online(port, key);
        if (now.includes('dev1') && now.includes('dev2')) break;
        if (Date.now() > until) throw new Error(`the reference's device clients did not register within 240 s; server said:\n${server.out.slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const devices: RemoteDevice[] = ['dev1', 'dev2'].map((id) => ({ id, url: url(), token: key, dialect: 'aip' }));
      fleet = new DeviceFleet(devices, { orchestratorId: `ref-${process.pid}`, backoff: { initialMs: 200, maxMs: 2_000 }, graceMs: 300_000, logger });
      await fleet.connect(30_000);
    });
    after(async () => {
      fleet?.close();
      await Promise.all([...clients.values()].map(stop));
      await stop(server);
    });

    it('registers with each device and reads its device info into the profile', () => {
      for (const s of fleet.sessions) {
        assert.equal(s.state, 'ready', s.id);
        assert.notEqual(s.profile?.os, 'unknown', `${s.id}: the device client's system_info gave the OS`);
      }
      console.log(`profiles: ${JSON.stringify(fleet.sessions.map((s) => s.profile))}`);
    });

    it('runs tasks on the device each was sent to, and ends a silent failure with a clear message', async () => {
      const [a, b] = fleet.sessions;
      const [one, two] = await Promise.all([run(a!, request('dev1', 'echo one')).done, run(b!, request('dev2', 'echo two')).done]);
      assert.equal(one.status, 'completed', JSON.stringify(one));
      assert.equal(two.status, 'completed', JSON.stringify(two));
      assert.match(JSON.stringify(one.status === 'completed' && one.result), /"result":"linux: one"/);
      assert.match(JSON.stringify(two.status === 'completed' && two.result), /"result":"windows: two"/);
      const failed = await run(a!, request('dev1', 'fail-silently')).done;
      assert.equal(failed.status, 'failed');
      assert.match(failed.status === 'failed' ? failed.error.message : '', /scripted failure/);
    });

    it('cancel closes that attempt, and the device takes the next task', async () => {
      const [a] = fleet.sessions;
      const hang = run(a!, request('dev1', 'hang'));
      await new Promise((r) => setTimeout(r, 1_000));
      hang.cancel('enough');
      assert.deepEqual(await hang.done, { status: 'cancelled', reason: 'enough' });
      const next = await run(a!, request('dev1', 'echo after cancel')).done;
      assert.equal(next.status, 'completed', JSON.stringify(next));
    });

    it('a device client that leaves: a task placed meanwhile waits for it (the server refuses its socket), and runs once it is back', async () => {
      const b = fleet.sessions[1]!;
      await stop(clients.get('dev2'));
      const before = lines.length;
      const waiting = run(b, request('dev2', 'echo waited'));
      await eventually(() => b.state !== 'ready', 'the session to register again and be refused', 30_000);
      assert.ok(lines.slice(before).some((l) => /is not connected/.test(l)), "the server said the device is not connected");
      assert.equal(b.inFlight, 1, 'the task waits');
      deviceClient('dev2', 'windows');
      await eventually(() => b.state === 'ready', 'the session to be ready once the device client is back', 240_000);
      const o = await waiting.done;
      assert.equal(o.status, 'completed', JSON.stringify(o));
      assert.match(JSON.stringify(o.status === 'completed' && o.result), /"result":"windows: waited"/);
    });

    it('a wrong token is refused at the handshake', async () => {
      const wrong = new DeviceFleet([{ id: 'dev1', url: url(), token: 'not-the-key', dialect: 'aip' }], { orchestratorId: 'wrong', logger });
      await assert.rejects(wrong.connect(15_000), /HTTP 403/);
    });

    it("a dropped connection the server still holds: refused as a duplicate, then registered under a new id", async () => {
      const proxy = new CuttableProxy(port);
      const base = await proxy.listen();
      const viaProxy = new DeviceFleet([{ id: 'dev1', url: `${base}/ws`, token: key, dialect: 'aip' }], { orchestratorId: `ref-proxy-${process.pid}`, backoff: { initialMs: 200, maxMs: 2_000 }, logger });
      try {
        await viaProxy.connect(30_000);
        const s = viaProxy.sessions[0]!;
        proxy.cutClientSide();
        const before = lines.length;
        await eventually(() => s.state !== 'ready', 'the session to notice', 30_000);
        await eventually(() => s.state === 'ready', 'the session to be ready again', 60_000);
        assert.ok(lines.slice(before).some((l) => /already registered/.test(l)), 'the first try was refused as a duplicate');
        const o = await run(s, request('dev1', 'echo via the new id')).done;
        assert.equal(o.status, 'completed', JSON.stringify(o));
      } finally {
        viaProxy.close();
        await proxy.close();
      }
    });
  });

  describe("the reference's Galaxy orchestrator driving our --dialect aip devices", () => {
    let agents: LocalAgents;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'galaxy-'));

    before(async () => {
      agents = await startAgents(['dev1', 'dev2'], { executor: 'auto', extraArgs: ['--dialect', 'aip'] });
    });
    after(async () => {
      await agents.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('runs a plan exported with --aip-inputs, each task on its device, with our results; a task without inputs fails saying why', async () => {
      const plan = path.join(dir, 'plan.constellation.json');
      fs.writeFileSync(plan, JSON.stringify({ id: 'galaxy-on-ours', name: 'Galaxy on ours', tasks: [
        { id: 'a', name: 'A', description: 'say hello', device: 'dev1', inputs: { command: 'echo hello-from-dev1' } },
        { id: 'b', name: 'B', description: 'say hi', device: 'dev2', inputs: { command: 'echo hi-from-dev2' } },
        { id: 'c', name: 'C', description: 'merge', device: 'dev1', inputs: { sim: { result: { merged: true } } } },
        { id: 'd', name: 'D', description: 'a task with words only', device: 'dev2' },
      ], dependencies: [{ from: 'a', to: 'c' }, { from: 'b', to: 'c' }] }));
      const exported = path.join(dir, 'plan.galaxy.json');
      const ex = spawnSync(process.execPath, [AGENT_COMMAND.script, 'export', plan, '--aip-inputs', '-o', exported], { encoding: 'utf8' });
      assert.equal(ex.status, 0, ex.stderr);
      const urls = Object.fromEntries(agents.devices.map((d) => [d.id, `${d.url}?token=${encodeURIComponent(d.token)}`]));
      const drive = python([path.join(HARNESS, 'galaxy_drive.py'), JSON.stringify(urls), exported, '180']);
      const code = await new Promise((r) => drive.child.once('exit', r));
      const last = drive.out.filter((l) => l.startsWith('{"outcome"')).pop();
      assert.ok(last, `Galaxy printed no outcome (exit ${String(code)}):\n${drive.out.slice(-30).join('\n')}`);
      const report = JSON.parse(last) as { outcome: string; tasks: Record<string, { status: string; result: unknown; error: unknown }> };
      console.log(`Galaxy: ${last}`);
      for (const id of ['a', 'b', 'c']) assert.equal(report.tasks[id]!.status, 'completed', `${id}: ${JSON.stringify(report.tasks[id])}`);
      assert.match(JSON.stringify(report.tasks.a!.result), /hello-from-dev1/);
      assert.match(JSON.stringify(report.tasks.b!.result), /hi-from-dev2/);
      assert.match(JSON.stringify(report.tasks.c!.result), /"merged":true/);
      // A task Galaxy sends without inputs ends failed, saying what it lacks (in Galaxy's TASK_FAILED event).
      assert.equal(report.tasks.d!.status, 'failed');
      assert.match(JSON.stringify(report.tasks.d), /carries no inputs/);
    });
  });
});
