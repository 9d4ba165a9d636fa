import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import { planFromJson } from '../../src/core/io/plan-file';
import { restoreRun } from '../../src/core/persistence/restore';
import { Journal } from '../../src/core/persistence/journal';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { DeviceFleet } from '../../src/devices/fleet';
import { FileJournalStore } from '../../src/runtime/file-journal-store';
import { AGENT_COMMAND, startAgents } from '../helpers/ws-devices';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'untrusted-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(args: readonly string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; pid: number } {
  const child = spawn(AGENT_COMMAND.execPath, [AGENT_COMMAND.script, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))), pid: child.pid! };
}

function writeFile(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

describe('untrusted input: device output, floods, hostile devices, half-open sockets', () => {
  it('output of one device reaches another as data: a command line gets one quoted word, never code', async () => {
    const marker = path.join(tmp, 'PWNED');
    const plan = writeFile('inject.constellation.json', {
      tasks: [
        { id: 'a', device: 'local-1', inputs: { command: ['printf', '%s', `; touch ${marker} # $(touch ${marker}) \`touch ${marker}\` it's "quoted"`] } },
        { id: 'plain', device: 'local-2', inputs: { command: 'echo got: ${tasks.a.result.stdout}' } },
        { id: 'double', device: 'local-2', inputs: { command: 'echo "got: ${tasks.a.result.stdout}"' } },
        { id: 'single', device: 'local-2', inputs: { command: "echo 'got: ${tasks.a.result.stdout}'" } },
      ],
      dependencies: [{ from: 'a', to: 'plain' }, { from: 'a', to: 'double' }, { from: 'a', to: 'single' }],
    });
    const { code, stdout, stderr } = await cli(['run', plan, '--devices', 'local:2', '--json']).done;
    assert.equal(code, 0, stderr);
    assert.equal(fs.existsSync(marker), false, 'nothing the first device printed ran on the second');
    const report = JSON.parse(stdout) as { tasks: Record<string, { result: { stdout: string } }> };
    const printed = report.tasks.a!.result.stdout;
    for (const id of ['plain', 'double', 'single']) assert.equal(report.tasks[id]!.result.stdout, `got: ${printed}`, id);
  });

  it('a flood of output: every byte lands in the output file, the journal stays small, the other device is not starved and no device is falsely lost', async (t) => {
    const journal = path.join(tmp, 'flood-journal');
    const plan = writeFile('flood.constellation.json', {
      tasks: [
        // 24 MiB in lines of 64 KiB, then one 8 MiB line without a newline.
        { id: 'flood', device: 'local-1', inputs: { command: "head -c 25165824 /dev/zero | tr '\\0' x | fold -w 65535; head -c 8388608 /dev/zero | tr '\\0' y" } },
        { id: 'quick', device: 'local-2', inputs: { command: 'sleep 0.2; echo done' } },
      ],
    });
    const started = Date.now();
    const { code, stdout, stderr } = await cli(['run', plan, '--devices', 'local:2', '--journal', journal, '--json']).done;
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { runId: string; tasks: Record<string, { status: string; startedAt: string; endedAt: string }> };
    assert.equal(report.tasks.flood!.status, 'completed');
    assert.equal(report.tasks.quick!.status, 'completed');
    const runDir = path.join(journal, report.runId);
    const expected = 25165824 + 25165824 / 65535 + 8388608; // fold adds a newline after every full 65535-byte line
    const log = path.join(runDir, 'output', 'flood.1.log');
    assert.equal(fs.statSync(log).size, Math.floor(expected), 'the output file holds every byte the task wrote');
    const events = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
    assert.ok(events.length < 200_000, `the journal records the output's size, not its bytes (${events.length} bytes)`);
    assert.match(events, /"type":"task_completed"[^\n]*"taskId":"flood"[^\n]*"outputChars":\d+/);
    assert.doesNotMatch(events, /device_lost|"status":"recovering"/, 'no device was taken for lost');
    const quickMs = Date.parse(report.tasks.quick!.endedAt) - Date.parse(report.tasks.quick!.startedAt);
    t.diagnostic(`33 MiB through the agent in ${Date.now() - started} ms; the 200 ms task on the other device took ${quickMs} ms`);
    const restored = restoreRun(new FileJournalStore(journal), report.runId, { takeOver: false });
    assert.equal(restored.ended?.state, 'completed');
  });

  it('a device result nested thousands of levels deep fails that task with the reason; the run ends and is journaled', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        const msg = JSON.parse((d as Buffer).toString('utf8')) as Record<string, unknown>;
        if (msg.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', protocol: 1, requestId: msg.requestId, device: { id: 'evil', os: 'linux', arch: 'x64', hostname: 'h', capabilities: [], concurrency: 1, version: 't' }, held: [] }));
        else if (msg.type === 'task') ws.send(`{"type":"task_result","requestId":${JSON.stringify(msg.requestId)},"runId":${JSON.stringify(msg.runId)},"taskId":${JSON.stringify(msg.taskId)},"attempt":${String(msg.attempt)},"status":"completed","durationMs":1,"result":${deep}}`);
        else if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong', requestId: msg.requestId }));
      });
    });
    const fleet = new DeviceFleet([{ id: 'evil', url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, token: 'x'.repeat(20) }], { orchestratorId: 'test' });
    await fleet.connect(5000);
    const store = new FileJournalStore(path.join(tmp, 'deep-journal'));
    const o = new Orchestrator(planFromJson({ tasks: [{ id: 'victim' }, { id: 'after', inputs: { x: 1 } }], dependencies: [{ from: 'victim', to: 'after', type: 'completion_only' }] }), { devices: fleet.specs() });
    fleet.attach(o);
    const journal = new Journal(store, o.runId);
    journal.attach(o);
    try {
      const report = await o.run();
      assert.equal(report.tasks.victim!.status, 'failed');
      assert.equal(report.tasks.victim!.error?.code, 'bad_result');
      assert.match(report.tasks.victim!.error.message, /nested deeper than 64 levels at result/);
      assert.equal(report.tasks.after!.status, 'failed', 'the run went on to the next task (which the same device also answers too deeply)');
      journal.close();
      assert.equal(restoreRun(store, o.runId).ended?.state, 'failed', 'the end of the run is journaled');
    } finally {
      fleet.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });

  it('a connection that never completes its upgrade is closed, silent or half-sent; Host must be exactly a loopback name', async () => {
    const agents = await startAgents(['half'], { executor: 'sim', extraArgs: ['--hello-timeout', '400'] });
    try {
      const { port } = new URL(agents.devices[0]!.url);
      const closedWithin = (send: string | undefined) =>
        new Promise<number>((resolve, reject) => {
          const t0 = Date.now();
          const s = net.connect(Number(port), '127.0.0.1', () => {
            if (send !== undefined) s.write(send);
          });
          s.on('data', () => undefined);
          s.on('error', () => undefined);
          s.on('close', () => resolve(Date.now() - t0));
          setTimeout(() => reject(new Error('the socket was still open after 5 s')), 5_000).unref();
        });
      assert.ok((await closedWithin(undefined)) < 5_000, 'a silent socket is closed');
      assert.ok((await closedWithin('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n')) < 5_000, 'half a request is closed');
      const upgrade = (host: string) =>
        new Promise<string>((resolve) => {
          const s = net.connect(Number(port), '127.0.0.1', () => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${agents.devices[0]!.token}\r\n\r\n`));
          let text = '';
          s.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('\r\n\r\n')) {
              resolve(text.split('\r\n')[0]!);
              s.destroy();
            }
          });
        });
      for (const bad of ['127.evil.example', '127.evil.example:80', 'localhost.evil.example', '127.0.0.1.nip.io']) assert.match(await upgrade(bad), / 403 /, bad);
      for (const good of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) assert.match(await upgrade(good), / 101 /, good);
    } finally {
      await agents.stop();
    }
  });

  it('a killed orchestrator leaves no token of its local agents on disk', async () => {
    const before = new Set(fs.readdirSync(os.tmpdir()));
    const plan = writeFile('long.constellation.json', { tasks: [{ id: 'long', inputs: { command: 'sleep 30' } }] });
    const run = cli(['run', plan, '--devices', 'local:2']);
    await new Promise((r) => setTimeout(r, 2_000));
    const during = fs.readdirSync(os.tmpdir()).filter((f) => !before.has(f) && f.startsWith('constellation-agents-'));
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    const afterKill = fs.readdirSync(os.tmpdir()).filter((f) => !before.has(f) && f.startsWith('constellation-agents-'));
    assert.deepEqual(during, [], 'the agents got their tokens on standard input, not in files');
    assert.deepEqual(afterKill, []);
  });
});
