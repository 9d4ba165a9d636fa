import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, palette, shot, type Launched } from './harness';

const RELEASE = {
  id: 'release', name: 'Release check',
  tasks: [
    { id: 'checkout', inputs: { command: ['sh', '-c', 'echo cloning; sleep 1; echo done'] } },
    { id: 'unit-tests', inputs: { sim: { durationMs: 2500, output: ['running 120 tests', 'all passed'] } } },
    { id: 'lint', inputs: { sim: { durationMs: 1500 } } },
    { id: 'flaky-e2e', inputs: { sim: { durationMs: 1000, fail: 'browser crashed' } } },
    { id: 'publish', inputs: { sim: { durationMs: 500 } } },
  ],
  dependencies: [
    { from: 'checkout', to: 'unit-tests' }, { from: 'checkout', to: 'lint' }, { from: 'checkout', to: 'flaky-e2e' },
    { from: 'unit-tests', to: 'publish', type: 'success_only' }, { from: 'flaky-e2e', to: 'publish', type: 'success_only' },
  ],
};

describe('end to end: the installed extension in VS Code, driven in Chromium', () => {
  let vs: Launched;

  before(async () => {
    vs = await launch('run-plan', { 'release.constellation.json': RELEASE });
  });

  after(async () => {
    await vs?.close();
  });

  it('runs a plan from the command palette; the Constellations tree shows live statuses', async (t) => {
    const { page } = vs;
    await palette(page, 'Constellation: Run Plan');
    const rows = page.locator('.pane-body [role="treeitem"]');
    await rows.filter({ hasText: 'Release check' }).first().waitFor({ timeout: 30_000 });
    await rows.filter({ hasText: 'unit-tests' }).filter({ hasText: 'running' }).first().waitFor({ timeout: 30_000 });
    t.diagnostic(`screenshot: ${await shot(page, '1-tree-running')}`);
    await rows.filter({ hasText: 'Release check' }).filter({ hasText: 'partially failed' }).first().waitFor({ timeout: 30_000 });
    const text = await page.locator('.pane-body').first().innerText();
    assert.match(text, /flaky-e2e[\s\S]*failed/);
    assert.match(text, /publish[\s\S]*skipped/);
    assert.match(text, /checkout[\s\S]*completed · local/);
    assert.match(await page.locator('.statusbar').innerText(), /Release check: 5\/5/);
    // The Devices view follows the run: the local device is connected and idle again.
    await page.locator('.pane-body [role="treeitem"]').filter({ hasText: /^\s*local\s*ready\s*$/ }).first().waitFor({ timeout: 10_000 });
    t.diagnostic(`screenshot: ${await shot(page, '2-tree-finished')}`);
  });
});
