// `npm run bench:ui`: the DAG panel's timings in a real VS Code (code-server in Chromium), on the
// gated W3 plan of the end-to-end test: time to first render, snapshot drawing, and the delay
// from a status event to its repaint. Each run is a fresh window; the medians are printed as
// JSON and a table and written to bench-results/ui.json. Timings live here, never in tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { quantile, runW3WithPanel, type DagTimings } from '../e2e/dag-scenario';
import { launch } from '../e2e/harness';
import { repoRoot } from './workload-set';

function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? process.argv[2] ?? 3);
  const samples: (DagTimings & { lagP50: number; lagP95: number })[] = [];
  for (let i = 0; i < runs; i++) {
    const vs = await launch(`bench-ui-${i}`, {}, { 'constellation.localDevice.concurrency': 16, 'constellation.dag.autoOpen': false });
    try {
      const r = await runW3WithPanel(vs);
      samples.push({ ...r, lagP50: quantile(r.lagsMs, 0.5), lagP95: quantile(r.lagsMs, 0.95) });
      process.stderr.write(`  run ${i + 1}/${runs}: first render ${r.firstRenderMs} ms, draw ${r.drawMs} ms, repaint delay median ${quantile(r.lagsMs, 0.5)} ms over ${r.lagsMs.length} repaints\n`);
    } finally {
      await vs.close();
    }
  }
  const summary = {
    workload: 'W3-layered-2000 (+1 gate task), 150 ms per task, local device concurrency 16',
    runs,
    median: {
      firstRenderMs: median(samples.map((s) => s.firstRenderMs)),
      drawMs: median(samples.map((s) => s.drawMs)),
      repaintDelayP50Ms: median(samples.map((s) => s.lagP50)),
      repaintDelayP95Ms: median(samples.map((s) => s.lagP95)),
      repaints: median(samples.map((s) => s.lagsMs.length)),
    },
    samples: samples.map(({ lagsMs, ...rest }) => ({ ...rest, repaints: lagsMs.length })),
  };
  const out = path.join(repoRoot(), 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'ui.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const m = summary.median;
  process.stdout.write(`\nDAG panel on W3 (2,001 tasks), median of ${runs} fresh windows\n\n`);
  process.stdout.write(`| first render (command → drawn) | snapshot drawing | status → repaint, median | status → repaint, p95 | delta repaints |\n|---|---|---|---|---|\n`);
  process.stdout.write(`| ${m.firstRenderMs} ms | ${m.drawMs} ms | ${m.repaintDelayP50Ms} ms | ${m.repaintDelayP95Ms} ms | ${m.repaints} |\n\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ui failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
