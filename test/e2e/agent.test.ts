import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launch, palette, shot, type Launched } from './harness';

// The agent end to end: the packaged extension and a scripted language model (a real vscode.lm
// provider, test/fixtures/scripted-lm) installed in VS Code, driven from the palette and the
// editor title like a user would.

const sim = (durationMs: number) => ({ sim: { durationMs } });
const addTask = (id: string, durationMs = 300) => ({ op: 'add_task', task: { id, device: 'local', inputs: sim(durationMs) } });
const answer = (...operations: unknown[]) => JSON.stringify({ status: 'continue', operations });
const because = (reason: string, ...operations: unknown[]) => JSON.stringify({ status: 'continue', reason, operations });
const CONTINUE = answer();
// A dependency on a task that does not exist: refused however often it is repaired.
const GHOST = because('wait for the ghost', { op: 'add_dependency', dependency: { from: 'ghost', to: 'report' } });

const PLAN = {
  id: 'triage', name: 'Checkout triage',
  tasks: [
    { id: 'fetch-logs', name: 'Fetch the logs', device: 'local', inputs: sim(400) },
    { id: 'analyse', name: 'Analyse latency', device: 'local', inputs: sim(9000) },
    { id: 'report', name: 'Write the report', device: 'local', inputs: sim(300) },
  ],
  dependencies: [{ from: 'fetch-logs', to: 'report' }],
};

const AUTO = {
  id: 'nightly', name: 'Nightly checks', request: 'Run the nightly checks and follow up on anything odd.',
  tasks: [{ id: 'smoke', device: 'local', inputs: sim(300) }, { id: 'soak', device: 'local', inputs: sim(2500) }],
};

describe('end to end: the agent plans and edits, reviewed in the editor', () => {
  let vs: Launched;
  const script = (content: object) => fs.writeFileSync(path.join(vs.folder, '.scripted-lm.json'), JSON.stringify(content));

  before(async () => {
    vs = await launch('agent', { 'nightly.constellation.json': AUTO }, { 'constellation.agent.vendor': 'constellation-test' }, { scriptedModel: true });
  });
  after(async () => {
    await vs?.close();
  });

  const rows = () => vs.page.locator('.pane-body [role="treeitem"]');
  const reviewTab = (round: number) => vs.page.locator('.tabs-container .tab', { hasText: `round ${round}` });
  const titleAction = (label: string) => vs.page.locator(`.editor-actions .action-label[aria-label^="${label}"]`).first();

  it('plans from a request; the review diff; a partial accept, a reject and an accept; the run goes on', async (t) => {
    const { page } = vs;
    script({
      id: 'run-1',
      answers: [
        JSON.stringify(PLAN),
        because('the logs point at the cache and the database', addTask('check-cache'), addTask('check-db')),
        because('a restart clears the slowness', addTask('restart-everything')),
        because('on-call should know', addTask('notify-oncall')),
        GHOST, GHOST, GHOST,
      ],
      fallback: CONTINUE,
    });
    await palette(page, 'Constellation: Plan from Request…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Checkout is slow: fetch the logs, analyse latency and write a report.');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'checkout-triage.constellation.json' }).waitFor({ timeout: 30_000 });
    const run = page.locator('.notifications-toasts .monaco-button', { hasText: 'Run It' });
    await run.waitFor({ timeout: 10_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'agent-1-planned')}`);
    const plan = JSON.parse(fs.readFileSync(path.join(vs.folder, 'checkout-triage.constellation.json'), 'utf8')) as { request: string; tasks: unknown[] };
    assert.equal(plan.tasks.length, 3);
    assert.match(plan.request, /Checkout is slow/);
    await run.click();

    // Round 1: the diff opens; keep only one of the two proposed tasks.
    await reviewTab(1).waitFor({ timeout: 30_000 });
    await page.locator('.monaco-diff-editor').getByText('check-db').first().waitFor({ timeout: 10_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'agent-2-review-diff')}`);
    // New tasks wait for the decision: `report` is ready but has not started.
    assert.doesNotMatch(await rows().filter({ hasText: 'report' }).first().innerText(), /running|completed/);
    // The DAG panel outlines what the batch touches and says a review is waiting.
    await page.locator('.tabs-container .tab', { hasText: 'DAG: Checkout triage' }).click();
    const dag = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await dag.locator('body[data-proposal^="Agent proposes +2 tasks"]').waitFor({ timeout: 20_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'agent-2b-dag-proposal')}`);
    await reviewTab(1).click();
    await titleAction('Choose Agent Edits').click();
    const cache = page.locator('.quick-input-list .monaco-list-row', { hasText: 'check-cache' });
    await cache.waitFor();
    await cache.locator('.monaco-checkbox, input[type="checkbox"]').first().click();
    t.diagnostic(`screenshot: ${await shot(page, 'agent-3-choose')}`);
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).first().click();
    await rows().filter({ hasText: 'check-db' }).first().waitFor({ timeout: 20_000 });

    // Round 2: the review shows the agent's reason above the diff; rejected with a reason of the user's.
    await reviewTab(2).waitFor({ timeout: 30_000 });
    await page.locator('.monaco-diff-editor').getByText('Reason: "a restart clears the slowness"').first().waitFor({ timeout: 10_000 });
    await titleAction('Reject Agent Edit').click();
    await input.waitFor({ state: 'visible' });
    await input.fill('never restart production from a triage');
    t.diagnostic(`screenshot: ${await shot(page, 'agent-3b-review-reason-and-reject')}`);
    await page.keyboard.press('Enter');
    // Round 3: accepted; the task joins the run and runs.
    await reviewTab(3).waitFor({ timeout: 30_000 });
    await titleAction('Accept Agent Edit').click();
    await rows().filter({ hasText: 'notify-oncall' }).filter({ hasText: 'completed' }).first().waitFor({ timeout: 30_000 });
    // Round 4: a batch that is still invalid after its repairs is dropped, and the user is told.
    const refused = page.locator('.notifications-toasts .notification-toast', { hasText: 'refused as invalid, dropped' });
    await refused.waitFor({ timeout: 30_000 });
    assert.match(await refused.innerText(), /Agent, 'Checkout triage': round 4 .*refused as invalid, dropped/);
    t.diagnostic(`screenshot: ${await shot(page, 'agent-4a-refused-notification')}`);
    await refused.locator('.monaco-button', { hasText: 'Show' }).click();
    await page.locator('.tabs-container .tab', { hasText: 'round-4.txt' }).waitFor({ timeout: 10_000 });
    await page.locator('.monaco-editor').getByText('[unknown_task]').first().waitFor({ timeout: 10_000 });
    // The DAG panel shows the accepted task among the others.
    await page.locator('.tabs-container .tab', { hasText: 'DAG: Checkout triage' }).click();
    await dag.locator('body[data-rendered-seq]').waitFor({ timeout: 20_000 });
    assert.equal(await dag.locator('body').getAttribute('data-proposal'), '', 'the outline goes once the batch is decided');
    t.diagnostic(`screenshot: ${await shot(page, 'agent-4-accepted')}`);
    await rows().filter({ hasText: 'Checkout triage' }).filter({ hasText: /completed · [^·]+ · 5\/5/ }).first().waitFor({ timeout: 30_000 });
    const tree = await page.locator('.pane-body').first().innerText();
    assert.doesNotMatch(tree, /check-cache/, 'the operation left out was not applied');
    assert.doesNotMatch(tree, /restart-everything/, 'the rejected batch was not applied');
    t.diagnostic(`screenshot: ${await shot(page, 'agent-5-finished')}`);

    // The agent's timeline under the run: every round and what became of it.
    const agentRow = rows().filter({ hasText: /^Agent/ }).first();
    if ((await agentRow.getAttribute('aria-expanded')) !== 'true') await agentRow.click();
    for (const [round, what] of [[1, 'accepted in part'], [2, 'rejected by the user'], [3, 'applied'], [4, 'refused as invalid, dropped']] as const) {
      await rows().filter({ hasText: `Round ${round}` }).filter({ hasText: what }).first().waitFor({ timeout: 10_000 });
    }
    assert.match(await agentRow.innerText(), /rounds · 2 not applied as proposed/);
    t.diagnostic(`screenshot: ${await shot(page, 'agent-7-timeline-tree')}`);
    // And in the DAG panel's details.
    await page.locator('.tabs-container .tab', { hasText: 'DAG: Checkout triage' }).click();
    await dag.locator('vscode-button.agent').click();
    const pane = dag.locator('#details .rounds');
    await pane.locator('details.warn', { hasText: 'rejected by the user' }).waitFor({ timeout: 10_000 });
    assert.match(await pane.innerText(), /never restart production from a triage/);
    assert.match(await pane.locator('details.bad').first().innerText(), /Round 4 · refused as invalid, dropped/);
    t.diagnostic(`screenshot: ${await shot(page, 'agent-8-timeline-dag')}`);
  });
});

describe('end to end: the agent in auto-accept mode', () => {
  let vs: Launched;

  before(async () => {
    const answer1 = answer(addTask('follow-up', 200));
    vs = await launch('agent-auto', { 'nightly.constellation.json': AUTO, '.scripted-lm.json': { id: 'auto', answers: [answer1], fallback: CONTINUE } }, { 'constellation.agent.vendor': 'constellation-test', 'constellation.agent.autoAccept': true }, { scriptedModel: true });
  });
  after(async () => {
    await vs?.close();
  });

  it('valid batches apply without review', async (t) => {
    const { page } = vs;
    const rows = () => page.locator('.pane-body [role="treeitem"]');
    await palette(page, 'Constellation: Run Plan');
    await rows().filter({ hasText: 'follow-up' }).filter({ hasText: 'completed' }).first().waitFor({ timeout: 30_000 });
    await rows().filter({ hasText: 'Nightly checks' }).filter({ hasText: /completed · [^·]+ · 3\/3/ }).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'Agent edit' }).count(), 0, 'no review was opened');
    t.diagnostic(`screenshot: ${await shot(page, 'agent-6-auto-accept')}`);
  });
});
