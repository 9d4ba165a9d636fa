import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConstellationApi } from '../../../src/extension/extension';

// Loaded after every other integration test file (.vscode-test.mjs): it shuts the extension down.

async function api(): Promise<ConstellationApi> {
  return vscode.extensions.getExtension<ConstellationApi>('constellation-dev.constellation')!.activate();
}

describe('deactivation (last)', () => {
  it('disposes everything: the local device process ends and no socket to it remains', async function () {
    this.timeout(30_000);
    const a = await api();
    const pid = a.ctx.local.agents?.pid('local');
    assert.ok(pid, 'the local device is running before deactivation');
    const port = Number(new URL(a.ctx.local.current!.sessions[0]!.url).port);
    const ours = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => {
        const s = h as { remotePort?: number; localPort?: number };
        return s.remotePort === port || s.localPort === port;
      });
    assert.ok(ours().length > 0, 'a socket to the device is open before');
    await a.shutdown();
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => process.kill(pid, 0), 'the device process is gone');
    assert.deepEqual(ours(), [], 'no socket to the device remains');
    assert.equal(a.ctx.local.current, undefined);
    for (const run of a.ctx.runs.runs) assert.ok(run.orchestrator.isEnded, `run ${run.name} ended`);
  });
});
