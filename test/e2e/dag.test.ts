import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layeredLayout } from '../../src/shared/dag-layout';
import { dagFrame, quantile, runW3WithPanel } from './dag-scenario';
import { launch, palette, shot, type Launched } from './harness';

describe('end to end: the DAG panel on W3 (2,000 tasks)', () => {
  let vs: Launched;

  before(async () => {
    vs = await launch('dag', {}, { 'constellation.localDevice.concurrency': 16, 'constellation.dag.autoOpen': false });
  });
  after(async () => {
    await vs?.close();
  });

  it('draws the whole graph, repaints it from deltas as the run goes, and resyncs after a lost delta', async (t) => {
    // The run waits behind a gate task until the panel has drawn, so the panel cannot miss it.
    const r = await runW3WithPanel(vs, { dropDelta: 5, screenshots: true, note: (text) => t.diagnostic(text) });
    // Timings are printed, not asserted (they belong to `npm run bench:ui`).
    t.diagnostic(`time to first render ${r.firstRenderMs} ms from the command (panel load included), drawing ${r.drawMs} ms`);
    t.diagnostic(`status event → repainted node: median ${quantile(r.lagsMs, 0.5)} ms, p95 ${quantile(r.lagsMs, 0.95)} ms over ${r.lagsMs.length} repaints`);
    assert.ok(r.drawMs > 0, 'the snapshot was drawn');
    assert.ok(r.lagsMs.length > 10, `the panel repainted from deltas (${r.lagsMs.length} delta repaints)`);
    assert.equal(r.resyncs, 1, 'the lost delta was noticed and the panel asked for the whole graph again, once');
    assert.equal(r.completed, r.taskCount, 'after the resync, the panel shows every task completed');
  });

  it('clicking a node shows its details; Cancel there cancels a running task', async (t) => {
    const { page } = vs;
    fs.writeFileSync(path.join(vs.folder, 'slow.constellation.json'), JSON.stringify({ id: 'slow', name: 'Slow pair', tasks: [{ id: 'long-job', inputs: { sim: { durationMs: 60_000, output: 'working' } } }, { id: 'after', inputs: { sim: {} } }], dependencies: [{ from: 'long-job', to: 'after' }] }));
    await palette(page, 'Constellation: Run Plan', 'slow.constellation.json');
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'long-job' }).filter({ hasText: 'running' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Constellation: Open DAG');
    const dag = dagFrame(page);
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
