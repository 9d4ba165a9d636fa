import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { dagFrameShowing } from './dag-scenario';
import { alive, describeWorkbench, keepPainting, launch, localDeviceState, palette, shot, type Launched } from './harness';

// A run outlives the window: a reload, or the extension host killed outright, and the run goes on
// where it was. Driven from outside the window, since both end the extension host.

/**
 * A long task with a side effect (one line per start) and a dependant. It runs until the test
 * creates `gateFile`: however slow the machine, it is still running while the test looks.
 */
function longPlan(id: string, name: string, sideFile: string, gateFile: string) {
  return {
    id,
    name,
    tasks: [
      { id: 'long', inputs: { command: `echo ran >> '${sideFile}'; echo 'part one'; while [ ! -e '${gateFile}' ]; do sleep 0.2; done; echo 'part two'` } },
      { id: 'after', description: 'after ${tasks.long.result.exitCode}', inputs: { command: 'echo after' } },
    ],
    dependencies: [{ from: 'long', to: 'after', type: 'success_only' }],
  };
}

const QUICK = { id: 'quick', name: 'Quick plan', tasks: [{ id: 'hello', inputs: { command: 'echo hello from the past' } }] };

interface JournalEvent {
  readonly type: string;
  readonly taskId?: string;
}

function journalOf(folder: string, planId: string): { runId: string; events: JournalEvent[] } {
  const root = path.join(folder, '.constellation', 'runs');
  for (const runId of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const meta = JSON.parse(fs.readFileSync(path.join(root, runId, 'run.json'), 'utf8')) as { constellationId: string };
    if (meta.constellationId !== planId) continue;
    const events = fs.readFileSync(path.join(root, runId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalEvent);
    return { runId, events };
  }
  throw new Error(`no journal of plan ${planId} under ${root}`);
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const rows = (page: Page) => page.locator('.pane-body [role="treeitem"]');

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, page?: Page): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}${page ? `; the tree shows:\n${await page.locator('.pane-body').first().innerText().catch(() => '?')}\n${await describeWorkbench(page, 'wait')}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The workbench is back (after a reload or an extension host restart) with the extension's views. */
async function workbenchBack(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar a[aria-label^="Constellation"]').first().waitFor({ timeout: 60_000 });
}

async function terminalScreen(page: Page): Promise<string> {
  const screen = page.locator('.terminal-wrapper.active .xterm-rows, .xterm .xterm-rows').last();
  return (await screen.count()) > 0 ? (await screen.innerText()).replace(/\u00a0/g, ' ') : '';
}

/**
 * Starts the long plan, waits until its long task has started and shows its first output in the
 * task terminal; then `interrupt` ends the extension host; then checks that the same run comes
 * back, the long task is taken over (not started again), the dependant runs, the run completes.
 */
async function survives(t: TestContext, vs: Launched, name: string, interrupt: (page: Page) => Promise<void>): Promise<void> {
  const { page, folder } = vs;
  const side = path.join(folder, 'side-effect.txt');
  await keepPainting(page);
  await palette(page, 'Constellation: Run Plan', 'long.constellation.json');
  await rows(page).filter({ hasText: 'long' }).filter({ hasText: 'running' }).first().waitFor({ timeout: 60_000 });
  await waitFor('the long task to start', () => lines(side).length === 1);
  await palette(page, 'Constellation: Show Task Output', 'long');
  await waitFor('its first output', async () => /part one/.test(await terminalScreen(page)), 30_000, page);
  t.diagnostic(`screenshot: ${await shot(page, `${name}-1-before`)}`);
  const agentBefore = localDeviceState(vs.work);
  assert.ok(agentBefore && alive(agentBefore.pid), 'the local device runs');

  await interrupt(page);
  await workbenchBack(page);
  await keepPainting(page);

  // The journal says the long task was taken over (the window's own word could be a stale view),
  // then the same run is back in the tree, the task running, the DAG tab restored.
  const adopted = () => journalOf(folder, 'long-plan').events.some((e) => e.type === 'task_adopted' && e.taskId === 'long');
  await waitFor('the long task to be taken over (task_adopted in the journal)', adopted, 60_000, page);
  await waitFor('the run to be back', async () => (await rows(page).filter({ hasText: 'Long plan' }).count()) > 0 && (await rows(page).filter({ hasText: 'long' }).filter({ hasText: 'running' }).count()) > 0, 60_000, page);
  const { runId } = journalOf(folder, 'long-plan');
  assert.equal(localDeviceState(vs.work)?.pid, agentBefore.pid, 'the same local device agent: it outlived the extension host');
  await page.locator('.tab', { hasText: 'DAG: Long plan' }).first().click();
  const dag = await dagFrameShowing(page, 'Long plan');
  assert.match(await dag.locator('#toolbar').innerText(), /Long plan · \d\d:\d\d:\d\d[\s\S]*running/, 'the restored tab shows the same run, live');
  t.diagnostic(`screenshot: ${await shot(page, `${name}-2-after-tree-and-dag`)}`);

  // Its terminal replays what the task wrote before, then goes on live.
  await palette(page, 'Constellation: Show Task Output', 'long');
  await waitFor('the replayed output', async () => /part one/.test(await terminalScreen(page)), 30_000, page);
  const replayed = await terminalScreen(page);
  assert.match(replayed, /part one/, 'the terminal is still there');
  assert.doesNotMatch(replayed, /part two/, 'the task is still running');
  fs.writeFileSync(path.join(folder, 'gate'), '');
  t.diagnostic(`screenshot: ${await shot(page, `${name}-3-terminal-replayed`)}`);
  await waitFor('the task to finish live', async () => /part two[\s\S]*✔ completed/.test(await terminalScreen(page)), 60_000, page);
  t.diagnostic(`screenshot: ${await shot(page, `${name}-4-terminal-finished`)}`);

  await rows(page).filter({ hasText: 'Long plan' }).filter({ hasText: /completed · / }).first().waitFor({ timeout: 60_000 });
  assert.deepEqual(lines(side), ['ran'], 'the long task was not restarted');
  const { events } = journalOf(folder, 'long-plan');
  assert.equal(events.filter((e) => e.type === 'task_started' && e.taskId === 'long').length, 1, 'started once');
  const completed = events.filter((e) => e.type === 'task_completed').map((e) => e.taskId).sort();
  assert.deepEqual(completed, ['after', 'long'], 'nothing completed is lost; the dependant ran');
  assert.equal(events.at(-1)?.type, 'constellation_completed');
  t.diagnostic(`run ${runId}: ${events.map((e) => e.type).join(' ')}`);
}

describe('end to end: a run outlives its window', () => {
  it('Developer: Reload Window detaches the run; the next window takes it over, and past runs are listed with their DAG and report', async (t) => {
    const vs = await launch('reload', { 'long.constellation.json': {}, 'quick.constellation.json': QUICK });
    // Each window closes with its test, pass or fail: a window left open would load the next one.
    t.after(() => vs.close());
    fs.writeFileSync(path.join(vs.folder, 'long.constellation.json'), JSON.stringify(longPlan('long-plan', 'Long plan', path.join(vs.folder, 'side-effect.txt'), path.join(vs.folder, 'gate')), null, 2));
    const { page } = vs;
    // A finished run first: it must be in the history after the reload.
    await palette(page, 'Constellation: Run Plan', 'quick.constellation.json');
    await rows(page).filter({ hasText: 'Quick plan' }).filter({ hasText: 'completed' }).first().waitFor({ timeout: 60_000 });

    await survives(t, vs, 'reload', async (p) => {
      // Wait for the new page: until then the old one still shows the run.
      const reloaded = p.waitForEvent('load', { timeout: 60_000 });
      await palette(p, 'Developer: Reload Window');
      await reloaded;
    });

    // History: the quick run of before the reload is listed; its DAG and its report open.
    const quick = rows(page).filter({ hasText: 'Quick plan' }).first();
    await quick.waitFor({ timeout: 10_000 });
    assert.match(await quick.innerText(), /Quick plan · \d\d:\d\d:\d\d[\s\S]*completed/);
    await palette(page, 'Constellation: Open DAG', 'Quick plan');
    await page.locator('.tab.active', { hasText: 'DAG: Quick plan' }).first().waitFor({ timeout: 20_000 });
    const dag = await dagFrameShowing(page, 'Quick plan');
    assert.match(await dag.locator('#toolbar').innerText(), /Quick plan[\s\S]*completed/);
    t.diagnostic(`screenshot: ${await shot(page, 'reload-5-history-dag')}`);
    await palette(page, 'Constellation: Open Run Report', 'Quick plan');
    await page.locator('.monaco-editor .view-lines', { hasText: '"hello from the past' }).first().waitFor({ timeout: 20_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'reload-6-history-report')}`);
  });

  it('the extension host killed with SIGKILL: the run is taken over when it restarts', async (t) => {
    const vs = await launch('sigkill', { 'long.constellation.json': {}, 'quick.constellation.json': QUICK });
    // Each window closes with its test, pass or fail: a window left open would load the next one.
    t.after(() => vs.close());
    fs.writeFileSync(path.join(vs.folder, 'long.constellation.json'), JSON.stringify(longPlan('long-plan', 'Long plan', path.join(vs.folder, 'side-effect.txt'), path.join(vs.folder, 'gate')), null, 2));
    await survives(t, vs, 'sigkill', async (page) => {
      const agent = localDeviceState(vs.work)!;
      // The agent is a child of the extension host (detached into its own group, so it survives it).
      const host = Number(fs.readFileSync(`/proc/${agent.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      assert.ok(host > 1 && /extensionHost|--type=extensionHost|bootstrap-fork/.test(fs.readFileSync(`/proc/${host}/cmdline`, 'utf8')), `process ${host} is the extension host`);
      process.kill(host, 'SIGKILL');
      await waitFor('the extension host to be gone', () => !alive(host), 10_000);
      // VS Code restarts a crashed extension host by itself the first times; if it offers a button
      // instead, take the offer.
      const restart = page.locator('.notifications-toasts .monaco-button', { hasText: /Restart Extension Host/ }).first();
      if (await restart.waitFor({ timeout: 10_000 }).then(() => true, () => false)) await restart.click();
      t.diagnostic(`screenshot: ${await shot(page, 'sigkill-1b-after-kill')}`);
    });
  });
});
