import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ARTEFACTS = path.join(ROOT, 'test-results', 'e2e');

interface Launched {
  page: Page;
  close(): Promise<void>;
}

/** Packages the extension as a .vsix once, the way `npm run package` does. */
function packageVsix(): string {
  const out = path.join(ROOT, '.vscode-test', 'e2e.vsix');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '-o', out], { cwd: ROOT, stdio: 'pipe' });
  return out;
}

async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  const file = path.join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Runs a command from the palette, as a user would (retrying while the workbench is still loading). */
async function palette(page: Page, command: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${command}`);
    try {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (attempt === 3) throw err;
    }
  }
}

describe('end to end: the installed extension in VS Code, driven in Chromium', () => {
  let vs: Launched;
  const work = path.join(ROOT, '.vscode-test', 'runs', `e2e-${Date.now()}`);
  const folder = path.join(work, 'workspace');

  before(async () => {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(
      path.join(folder, 'release.constellation.json'),
      JSON.stringify({
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
      }, null, 2),
    );
    const { launchVSCode } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'vscode-launch.mjs')).href)) as { launchVSCode: (o: object) => Promise<Launched> };
    vs = await launchVSCode({ workDir: work, folder, installVsix: packageVsix() });
    await vs.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The extension's view container appears once its contributions are loaded.
    await vs.page.locator('.activitybar a[aria-label^="Constellation"]').first().waitFor({ timeout: 60_000 });
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
