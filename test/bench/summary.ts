import { cpus, totalmem } from 'node:os';
import type { BenchCase } from './cases';
import type { MetricKey, Metrics, Sample } from './measure';
import { median } from './stats';

/** All runs of one case and the median of each of its metrics. */
export interface CaseSummary {
  readonly name: string;
  readonly kind: BenchCase['kind'];
  readonly runs: readonly Sample[];
  readonly median: Metrics;
  /** Some run failed or was cut off; the medians cover only the runs that finished. */
  readonly problems: readonly string[];
  readonly timedOut: boolean;
}

/** One pass/fail line. `pass` is undefined when the cases it needs were not run. */
export interface TargetResult {
  readonly target: string;
  readonly pass: boolean | undefined;
  readonly detail: string;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemMiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
}

/** Medians per metric over the runs that produced it. */
export function summarize(c: BenchCase, runs: readonly Sample[]): CaseSummary {
  const ok = runs.filter((r) => !r.error);
  const keys = new Set<MetricKey>();
  for (const r of ok) for (const k of Object.keys(r.metrics) as MetricKey[]) keys.add(k);
  const med: Metrics = {};
  for (const k of keys) {
    const values = ok.map((r) => r.metrics[k]).filter((v): v is number => v !== undefined);
    med[k] = median(values);
  }
  const problems = runs.filter((r) => r.error).map((r) => r.error!);
  return { name: c.name, kind: c.kind, runs, median: med, problems, timedOut: runs.some((r) => r.timedOut) };
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** CPU ms per task of S1-50000 over S1-100: 1 means perfectly flat cost per task. */
export function s1CostRatio(byName: ReadonlyMap<string, CaseSummary>): number | undefined {
  const big = byName.get('S1-50000')?.median.cpuMsPerTask;
  const small = byName.get('S1-100')?.median.cpuMsPerTask;
  return big !== undefined && small !== undefined ? big / small : undefined;
}

/** The targets of the brief, checked against the medians. */
export function evaluateTargets(byName: ReadonlyMap<string, CaseSummary>, refs: ReadonlyMap<string, BenchCase>): TargetResult[] {
  const out: TargetResult[] = [];
  const m = (name: string) => byName.get(name)?.median;
  for (const w of ['W1', 'W2', 'W3']) {
    const tps = m(w)?.tasksPerSec;
    const ref = refs.get(w)?.refTasksPerSec;
    out.push(
      tps === undefined || ref === undefined
        ? { target: `${w} tasks/s ≥ 50× reference`, pass: undefined, detail: 'not run' }
        : { target: `${w} tasks/s ≥ 50× reference`, pass: tps >= 50 * ref, detail: `${tps.toFixed(0)} tasks/s = ×${(tps / ref).toFixed(1)} of ${ref}` },
    );
  }
  for (const w of ['W1', 'W2', 'W3']) {
    const p99 = m(w)?.dispatchP99Ms;
    out.push(
      p99 === undefined
        ? { target: `${w} dispatch p99 < 1 ms`, pass: undefined, detail: 'not run' }
        : { target: `${w} dispatch p99 < 1 ms`, pass: p99 < 1, detail: `p99 ${p99.toFixed(3)} ms` },
    );
  }
  const ws = m('W3-ws')?.tasksPerSec;
  const ref3 = refs.get('W3-ws')?.refTasksPerSec;
  out.push(
    ws === undefined || ref3 === undefined
      ? { target: 'W3 over WebSocket tasks/s ≥ 20× reference', pass: undefined, detail: 'not run' }
      : { target: 'W3 over WebSocket tasks/s ≥ 20× reference', pass: ws >= 20 * ref3, detail: `${ws.toFixed(0)} tasks/s = ×${(ws / ref3).toFixed(1)} of ${ref3}` },
  );
  for (const w of ['W4', 'W4-ws']) {
    const r = m(w)?.makespanRatio;
    const label = `${w === 'W4' ? 'W4' : 'W4 over WebSocket'} makespan ≤ 1.5× ideal 1.25 s`;
    out.push(r === undefined ? { target: label, pass: undefined, detail: 'not run' } : { target: label, pass: r <= 1.5, detail: `${(r * 1.25).toFixed(2)} s = ${r.toFixed(2)}× ideal` });
  }
  const ratio = s1CostRatio(byName);
  out.push(
    ratio === undefined
      ? { target: 'CPU ms/task S1-50000 ≤ 2× S1-100', pass: undefined, detail: 'not run' }
      : { target: 'CPU ms/task S1-50000 ≤ 2× S1-100', pass: ratio <= 2, detail: `ratio ${ratio.toFixed(2)} (${m('S1-50000')!.cpuMsPerTask!.toFixed(4)} / ${m('S1-100')!.cpuMsPerTask!.toFixed(4)} ms)` },
  );
  const rss = m('S2-100000')?.peakRssMiB;
  out.push(
    rss === undefined
      ? { target: 'S2 peak RSS < 1 GiB', pass: undefined, detail: 'not run' }
      : { target: 'S2 peak RSS < 1 GiB', pass: rss < 1024, detail: `${rss.toFixed(0)} MiB` },
  );
  const op = m('E1')?.opMedianMs;
  out.push(
    op === undefined
      ? { target: 'E1 median < 0.1 ms per operation', pass: undefined, detail: 'not run' }
      : { target: 'E1 median < 0.1 ms per operation', pass: op < 0.1, detail: `${op.toFixed(4)} ms per operation` },
  );
  return out;
}
