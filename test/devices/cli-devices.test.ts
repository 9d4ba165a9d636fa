import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planFromJson } from '../../src/core/io/plan-file';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import { openDevices, parseDeviceOption } from '../../src/cli/device-spec';
import { DevicesUnavailableError } from '../../src/devices/fleet';
import { AGENT_COMMAND, REPO_ROOT, startAgents } from '../helpers/ws-devices';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-devices-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(AGENT_COMMAND.execPath, [AGENT_COMMAND.script, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function writeFile(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

describe('CLI on WebSocket devices', () => {
  it('run --devices local:2 spawns two agents, runs shell and sim tasks on them, and stops them', async () => {
    const plan = writeFile('p.constellation.json', {
      id: 'p', name: 'P',
      tasks: [{ id: 'hello', inputs: { command: 'echo hello from $(pwd)' } }, { id: 'sim', inputs: { sim: { durationMs: 20, result: 5 } } }],
      dependencies: [{ from: 'hello', to: 'sim' }],
    });
    const out = await cli('run', plan, '--devices', 'local:2', '--json');
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout) as { state: string; tasks: Record<string, { status: string; device: string; result: unknown }> };
    assert.equal(report.state, 'completed');
    assert.match(report.tasks.hello!.device, /^local-[12]$/);
    const hello = report.tasks.hello!.result as { exitCode: number; stdout: string };
    assert.equal(hello.exitCode, 0);
    assert.match(hello.stdout, /^hello from \//, 'the result carries the tail of stdout');
    assert.equal(report.tasks.sim!.result, 5);
    assert.match(out.stderr, /\[hello\] hello from /, 'shell output is streamed');
    assert.match(out.stderr, /2 local device agents over WebSocket/);
  });

  it('a devices.json with a wrong token is refused with a clear message (exit 2)', async () => {
    const agents = await startAgents(['guarded']);
    try {
      const devices = writeFile('devices.json', { devices: [{ id: 'guarded', url: agents.devices[0]!.url, token: 'definitely-the-wrong-token' }] });
      const plan = writeFile('q.constellation.json', { id: 'q', tasks: [{ id: 'a', device: 'guarded' }] });
      const out = await cli('run', plan, '--devices', devices);
      assert.equal(out.code, 2);
      assert.match(out.stderr, /device 'guarded' at ws:\/\/127\.0\.0\.1:\d+: the device refused the token \(401\)/);
    } finally {
      await agents.stop();
    }
  });

  it('device: a missing id or a short token is a usage error; a good one prints its URL', async () => {
    const noId = await cli('device');
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /--id is required/);
    const short = await cli('device', '--id', 'x', '--token', 'short');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /shorter than 16 characters/);
    const tokenFile = writeFile('t.token', 'a-long-enough-secret-token\n');
    const child = spawn(AGENT_COMMAND.execPath, [AGENT_COMMAND.script, 'device', '--id', 'box', '--token-file', tokenFile, '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => resolve(d.toString())));
    assert.match(line, /^constellation device box listening on ws:\/\/127\.0\.0\.1:\d+ \(executor auto/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin.end(); // --exit-with-parent: gone with its parent's pipe
    assert.equal(await exited, 0);
  });
});

describe('local device agents that fail to start', () => {
  const command = { execPath: process.execPath, script: path.join(REPO_ROOT, 'test', 'fixtures', 'failing-agent.cjs') };
  const warnings: string[] = [];
  const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) };

  it('one that dies while starting is a warning; the run goes on with the others', async () => {
    const set = await openDevices(parseDeviceOption('local:ok-1,broken-1,ok-2'), logger, { agentCommand: command, pinned: new Set(['ok-1']) });
    try {
      assert.deepEqual(set.devices.map((d) => d.id), ['ok-1', 'ok-2']);
      assert.match(warnings.join('\n'), /local device 'broken-1' exited with code 3 before listening: device broken-1: EADDRINUSE: cannot listen \(simulated\); running on the other devices/);
      const c = planFromJson({ tasks: [{ id: 'a', inputs: { sim: { result: 1 } } }, { id: 'b', device: 'ok-2', inputs: { command: 'echo hi' } }] });
      const orchestrator = new Orchestrator(c, { devices: set.devices });
      set.attach?.(orchestrator);
      const report = await orchestrator.run();
      assert.equal(report.state, 'completed');
    } finally {
      await set.close();
    }
  });

  it('one that a task is pinned to is an error naming it and why', async () => {
    await assert.rejects(
      openDevices(parseDeviceOption('local:ok-1,broken-1'), logger, { agentCommand: command, pinned: new Set(['broken-1']) }),
      (err: Error) => err instanceof DevicesUnavailableError && /local device 'broken-1' exited with code 3 before listening.*tasks are pinned to 'broken-1', so the run cannot go on without it/.test(err.message),
    );
  });

});
