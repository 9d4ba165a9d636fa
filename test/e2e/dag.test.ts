import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { layeredLayout } from '../../src/shared/dag-layout';
import { E2E_ROOT, launch, palette, shot, type Launched } from './harness';

/** W3 of the benchmark (2,000 tasks, 20 layers), each task 150 ms of simulated work. */
function w3Plan(): { plan: unknown; ids: string[]; edges: { from: string; to: string; kind: 'unconditional' }[] } {
  const file = path.resolve(E2E_ROOT, '..', 'shared', 'bench', 'workloads', 'W3-layered-2000.json');
  const w = JSON.parse(fs.readFileSync(file, 'utf8')) as { tasks: { id: string }[]; dependencies: { from: string; to: string }[] };
  const plan = { id: 'w3', name: 'W3 layered 2000', tasks: w.tasks.map((t) => ({ id: t.id, inputs: { sim: { durationMs: 150 } } })), dependencies: w.dependencies };
  return { plan, ids: w.tasks.map((t) => t.id), edges: w.dependencies.map((d) => ({ ...d, kind: 'unconditional' as const })) };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

describe('end to end: the DAG panel on W3 (2,000 tasks)', () => {
  let vs: Launched;
  const w3 = w3Plan();

  before(async () => {
    vs = await launch('dag', { 'w3.constellation.json': w3.plan }, { 'constellation.localDevice.concurrency': 16, 'constellation.dag.autoOpen': false });
  });
  after(async () => {
    await vs?.close();
  });

  const frame = (page: Page): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  it('renders the whole graph, repaints node colours live, and shows a node with its cancel action', async (t) => {
    const { page } = vs;
    await palette(page, 'Constellation: Run Plan');
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'W3 layered 2000' }).first().waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await palette(page, 'Constellation: Open DAG');
    const dag = frame(page);
    await dag.locator('body[data-rendered-seq]').waitFor({ timeout: 30_000 });
    const firstRenderMs = Date.now() - t0;
    const drawMs = Number(await dag.locator('body').getAttribute('data-draw-ms'));
    t.diagnostic(`time to first render: ${firstRenderMs} ms from the command (panel load included), drawing ${drawMs} ms`);
    t.diagnostic(`screenshot: ${await shot(page, 'dag-w3-running')}`);

    // Let the run progress while the panel repaints, then read the delays it measured.
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'W3 layered 2000' }).filter({ hasText: 'completed ·' }).first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(300);
    const lags = ((await dag.locator('body').getAttribute('data-lags')) ?? '').split(',').filter(Boolean).map(Number);
    assert.ok(lags.length > 10, `the panel repainted from deltas (${lags.length} repaints)`);
    const p50 = quantile(lags, 0.5);
    const p95 = quantile(lags, 0.95);
    t.diagnostic(`status event → repainted node: median ${p50} ms, p95 ${p95} ms, max ${Math.max(...lags)} ms over ${lags.length} repaints (deltas are batched every 50 ms)`);
    assert.ok(p50 < 1000, 'repaints follow the run (median under a second)');
    t.diagnostic(`screenshot: ${await shot(page, 'dag-w3-finished')}`);
  });

  it('clicking a node shows its details; Cancel there cancels a running task', async (t) => {
    const { page } = vs;
    fs.writeFileSync(path.join(vs.folder, 'slow.constellation.json'), JSON.stringify({ id: 'slow', name: 'Slow pair', tasks: [{ id: 'long-job', inputs: { sim: { durationMs: 60_000, output: 'working' } } }, { id: 'after', inputs: { sim: {} } }], dependencies: [{ from: 'long-job', to: 'after' }] }));
    await palette(page, 'Constellation: Run Plan', 'slow.constellation.json');
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'long-job' }).filter({ hasText: 'running' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Constellation: Open DAG');
    const dag = frame(page);
    await dag.locator('body[data-rendered-seq]').waitFor({ timeout: 30_000 });
    // Click where the panel draws long-job: the same layout and geometry as the webview.
    const layout = layeredLayout(['long-job', 'after'], [{ from: 'long-job', to: 'after', kind: 'unconditional' }]).get('long-job')!;
    const [scale, x, y] = ((await dag.locator('#stage').getAttribute('data-view')) ?? '1,0,0').split(',').map(Number) as [number, number, number];
    await dag.locator('#graph').click({ position: { x: x + (layout.layer * 240 + 90) * scale, y: y + (layout.row * 56 + 20) * scale } });
    await dag.locator('#details h3', { hasText: 'long-job' }).waitFor({ timeout: 10_000 });
    assert.match(await dag.locator('#details .meta').innerText(), /long-job · running on local/);
    t.diagnostic(`screenshot: ${await shot(page, 'dag-details')}`);
    await dag.locator('#details vscode-button', { hasText: 'Cancel' }).click();
    await dag.locator('#details .meta', { hasText: 'cancelled' }).waitFor({ timeout: 10_000 });
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'long-job' }).filter({ hasText: 'cancelled' }).first().waitFor({ timeout: 10_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'dag-cancelled')}`);
  });
});
