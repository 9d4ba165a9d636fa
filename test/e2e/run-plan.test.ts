import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeWorkbench, launch, palette, shot, type Launched } from './harness';

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

const STREAM = {
  id: 'stream', name: 'Streaming task',
  tasks: [{
    id: 'count',
    inputs: { command: 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.4; done; echo "your name?"; read -r name; echo "hello $name"; for i in 6 7 8; do echo "line $i"; sleep 0.6; done' },
  }],
};

describe('end to end: the installed extension in VS Code, driven in Chromium', () => {
  let vs: Launched;

  before(async () => {
    vs = await launch('run-plan', { 'release.constellation.json': RELEASE, 'stream.constellation.json': STREAM });
  });

  after(async () => {
    await vs?.close();
  });

  it('runs a plan from the command palette; the Constellations tree shows live statuses', async (t) => {
    const { page } = vs;
    await palette(page, 'Constellation: Run Plan', 'release.constellation.json');
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

  it('a task terminal shows live output, takes typed input, and ends with the exit status', async (t) => {
    const { page } = vs;
    await palette(page, 'Constellation: Run Plan', 'stream.constellation.json');
    await page.locator('.pane-body [role="treeitem"]').filter({ hasText: 'Streaming task' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Constellation: Show Task Output', 'count');
    const terminal = page.locator('.terminal-wrapper.active .xterm-rows, .xterm .xterm-rows').last();
    const screen = async () => ((await terminal.count()) > 0 ? (await terminal.innerText()).replace(/\u00a0/g, ' ') : '');
    const until = async (what: RegExp, timeoutMs = 20_000) => {
      const end = Date.now() + timeoutMs;
      while (!what.test(await screen())) {
        if (Date.now() > end) assert.fail(`the terminal never showed ${what}; it shows:\n${await screen()}\n${await describeWorkbench(page, 'terminal')}`);
        await page.waitForTimeout(100);
      }
    };
    await until(/line 2/);
    t.diagnostic(`screenshot: ${await shot(page, '3-terminal-live')}`);
    await until(/your name\?/);
    await page.locator('.xterm-helper-textarea').last().focus(); // the terminal's input
    await page.keyboard.type('world');
    await page.keyboard.press('Enter');
    await until(/hello world/);
    // Live: what the task prints after our input arrives while we watch, not at the end.
    const early = await screen();
    assert.match(early, /hello world/, 'the terminal is still there');
    assert.doesNotMatch(early, /line 8/, 'output arrives as the task prints it');
    await until(/line 7/);
    const late = await screen();
    assert.match(late, /line 7/, 'the terminal is still there');
    assert.doesNotMatch(late, /✔ completed/);
    await until(/✔ completed/);
    assert.match(await screen(), /line 8/);
    assert.match(await screen(), /press r to run it again/);
    t.diagnostic(`screenshot: ${await shot(page, '4-terminal-finished')}`);
  });
});
