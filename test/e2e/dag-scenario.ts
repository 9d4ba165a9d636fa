import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { workloadText } from '../bench/workload-set';
import { palette, shot, type Launched } from './harness';

/** The DAG panel's inner document (the webview's active frame), when one webview is open. */
export function dagFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** The inner document of the DAG panel whose toolbar shows `title`, when several webviews are open. */
export async function dagFrameShowing(page: Page, title: string, timeoutMs = 30_000): Promise<FrameLocator> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const count = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = page.locator('iframe.webview.ready').nth(i).contentFrame().frameLocator('iframe#active-frame');
      const text = await frame.locator('body[data-rendered-seq] #toolbar').innerText({ timeout: 500 }).catch(() => '');
      if (text.includes(title)) return frame;
    }
    if (Date.now() > end) throw new Error(`no DAG panel shows '${title}' (${count} webview(s) open)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const W3_PLAN_FILE = 'w3.constellation.json';
export const W3_RUN_NAME = 'W3 layered 2000';

/**
 * W3 of the benchmark (2,000 tasks, 20 layers, each task 150 ms of simulated work) behind a
 * gate: a shell task that waits for `gateFile` to exist. The test opens the panel while the gate
 * holds every W3 task back, so the panel cannot miss the run, then opens the gate.
 */
export function writeGatedW3(folder: string, gateFile: string): { taskCount: number } {
  const w = JSON.parse(workloadText('W3-layered-2000')) as { tasks: { id: string }[]; dependencies: { from: string; to: string }[] };
  const hasParent = new Set(w.dependencies.map((d) => d.to));
  const gate = { id: 'gate', name: 'wait for the panel', inputs: { command: ['sh', '-c', 'while [ ! -e "$0" ]; do sleep 0.05; done', gateFile] } };
  const plan = {
    id: 'w3',
    name: W3_RUN_NAME,
    tasks: [gate, ...w.tasks.map((t) => ({ id: t.id, inputs: { sim: { durationMs: 150 } } }))],
    dependencies: [...w.tasks.filter((t) => !hasParent.has(t.id)).map((t) => ({ from: 'gate', to: t.id })), ...w.dependencies],
  };
  fs.writeFileSync(path.join(folder, W3_PLAN_FILE), JSON.stringify(plan));
  return { taskCount: plan.tasks.length };
}

/** What one pass over the panel measured. */
export interface DagTimings {
  readonly taskCount: number;
  /** From the Open DAG command to the snapshot drawn, panel load included. */
  readonly firstRenderMs: number;
  /** Drawing the snapshot, as the webview measured it. */
  readonly drawMs: number;
  /** Status event → repainted node, per delta repaint. */
  readonly lagsMs: readonly number[];
  readonly resyncs: number;
  /** The legend's count of completed tasks at the end. */
  readonly completed: number;
}

/**
 * Runs the gated W3 plan with the DAG panel open and reads what the panel reports. With
 * `dropDelta`, the webview loses one delta message (as a panel that missed one would): it must
 * notice the gap and resync.
 */
export async function runW3WithPanel(vs: Launched, options: { dropDelta?: number; screenshots?: boolean; note?: (text: string) => void } = {}): Promise<DagTimings> {
  const { page } = vs;
  const gateFile = path.join(vs.folder, `.gate-${Date.now()}`);
  const { taskCount } = writeGatedW3(vs.folder, gateFile);
  // A headless browser paints only when something asks for a frame; a window on a screen paints
  // continuously. A screencast makes the page paint as it would on a screen, so the repaint delay
  // measured is the panel's, not the headless browser's idleness.
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Page.screencastFrame', (f: { sessionId: number }) => void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined));
  await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 1, maxWidth: 320, maxHeight: 200, everyNthFrame: 1 });
  // Open the plan (Quick Open, as a user would), then run the plan in the active editor.
  await page.keyboard.press('Control+P');
  const quickOpen = page.locator('.quick-input-widget input');
  await quickOpen.waitFor({ state: 'visible' });
  await quickOpen.fill(W3_PLAN_FILE);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: W3_PLAN_FILE }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab', { hasText: W3_PLAN_FILE }).first().waitFor({ timeout: 10_000 });
  await palette(page, 'Constellation: Run Plan');
  const runRow = page.locator('.pane-body [role="treeitem"]', { hasText: W3_RUN_NAME }).first();
  await runRow.waitFor({ timeout: 30_000 });
  const t0 = Date.now();
  await palette(page, 'Constellation: Open DAG');
  const dag = dagFrame(page);
  const body = dag.locator('body');
  await dag.locator('body[data-rendered-seq]').waitFor({ timeout: 30_000 });
  const firstRenderMs = Date.now() - t0;
  const drawMs = Number(await body.getAttribute('data-draw-ms'));
  if (options.dropDelta !== undefined) {
    // Fault injection in the page: VS Code's webview host hands each message to the panel's
    // window with `contentWindow.postMessage`; replacing that method on the panel's window loses
    // the nth delta on its way in, as a panel that missed one would.
    const nth = options.dropDelta;
    await body.evaluate(`(() => { const deliver = window.postMessage.bind(window); let deltas = 0; window.postMessage = (data, ...rest) => { if (data && data.type === 'delta' && ++deltas === ${nth}) { document.body.dataset.dropped = String(data.seq); return; } return deliver(data, ...rest); }; })()`);
  }
  if (options.screenshots) options.note?.(`screenshot: ${await shot(page, 'dag-w3-gated')}`);
  fs.writeFileSync(gateFile, '');
  await page.locator('.pane-body [role="treeitem"]', { hasText: W3_RUN_NAME }).filter({ hasText: 'completed ·' }).first().waitFor({ timeout: 180_000 });
  // The last delta is flushed within 50 ms of the last event and drawn on the next frame: wait
  // (boundedly) for the panel to count every task completed, then read what it counts.
  const everything = dag.locator('.legend [data-status="completed"]', { hasText: new RegExp(`^\\s*completed ${taskCount}\\s*$`) });
  await everything.first().waitFor({ timeout: 15_000 }).catch(() => undefined);
  if (options.screenshots) options.note?.(`screenshot: ${await shot(page, 'dag-w3-finished')}`);
  const lagsMs = ((await body.getAttribute('data-lags')) ?? '').split(',').filter(Boolean).map(Number);
  const resyncs = Number((await body.getAttribute('data-resyncs')) ?? 0);
  if (options.dropDelta !== undefined && (await body.getAttribute('data-dropped')) === null) throw new Error('the fault injection never dropped a delta');
  const legend = (await dag.locator('.legend [data-status="completed"]').first().innerText()).trim();
  await cdp.send('Page.stopScreencast').catch(() => undefined);
  await cdp.detach().catch(() => undefined);
  const completed = Number(/completed (\d+)/.exec(legend)?.[1] ?? NaN);
  return { taskCount, firstRenderMs, drawMs, lagsMs, resyncs, completed };
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}
