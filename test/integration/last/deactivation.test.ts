import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConstellationApi } from '../../../src/extension/extension';

// Loaded after every other integration test file (.vscode-test.mjs): it shuts the extension down.

async function api(): Promise<ConstellationApi> {
  return vscode.extensions.getExtension<ConstellationApi>('constellation-dev.constellation')!.activate();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('deactivation (last)', () => {
  it('detaches the runs instead of cancelling them; the local device outlives the window, and no socket to it remains', async function () {
    this.timeout(30_000);
    const a = await api();
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const uri = vscode.Uri.file(path.join(folder, 'outlives.constellation.json'));
    fs.writeFileSync(uri.fsPath, JSON.stringify({ id: 'outlives', tasks: [{ id: 'long', inputs: { sim: { durationMs: 60_000, result: 1 } } }] }));
    const runId = await vscode.commands.executeCommand<string>('constellation.runPlan', uri);
    const run = a.ctx.runs.find(runId)!;
    for (let i = 0; i < 200 && run.constellation.task('long').status !== 'running'; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(run.constellation.task('long').status, 'running');
    const agent = a.ctx.local.agent;
    assert.ok(agent, 'the local device is running before deactivation');
    const stateFile = path.join(path.dirname(agent.logFile), 'local-device.json');
    assert.equal(fs.statSync(stateFile).mode & 0o777, 0o600, 'its port and token are readable by this user only');
    const port = Number(new URL(a.ctx.local.current!.sessions[0]!.url).port);
    const ours = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => {
        const s = h as { remotePort?: number; localPort?: number };
        return s.remotePort === port || s.localPort === port;
      });
    assert.ok(ours().length > 0, 'a socket to the device is open before');
    try {
      await a.shutdown();
      const report = await run.orchestrator!.run();
      assert.equal(report.reason?.code, 'detached', 'the run was detached, not cancelled');
      const events = fs.readFileSync(path.join(folder, '.constellation', 'runs', runId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
      assert.equal(events.at(-1)?.type, 'run_detached');
      assert.ok(!events.some((e) => e.type === 'task_cancelled'), 'no task was cancelled');
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(alive(agent.pid), 'the device process goes on (it keeps the task for the next window)');
      assert.deepEqual(ours(), [], 'no socket to the device remains');
      assert.equal(a.ctx.local.current, undefined);
    } finally {
      agent.stop();
    }
  });
});
