import type { BenchCase } from './cases';
import { LOCK_CAP_MS } from './cases';
import type { CaseSummary, TargetResult } from './summary';

const COLUMNS = ['case', 'tasks', 'load ms', 'wall ms', 'tasks/s', 'vs ref', 'cold tasks/s', 'cold vs ref', 'CPU ms/task', 'disp mean', 'disp p99', 'queue mean', 'queue p99', 'RSS MiB', 'notes'] as const;

function fmt(v: number | undefined, digits = 1): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function vsRef(s: CaseSummary, c: BenchCase): string {
  const m = s.median;
  if (c.refTasksPerSec !== undefined && m.tasksPerSec !== undefined) return `×${fmt(m.tasksPerSec / c.refTasksPerSec, 0)}`;
  if (c.refEditMs !== undefined && m.batchMedianMs !== undefined) return `×${fmt(c.refEditMs / m.batchMedianMs, 0)}`;
  return '';
}

function coldVsRef(s: CaseSummary, c: BenchCase): string {
  const cold = s.median.coldTasksPerSec;
  return c.refTasksPerSec !== undefined && cold !== undefined ? `×${fmt(cold / c.refTasksPerSec, 0)}` : '';
}

function notes(s: CaseSummary, c: BenchCase, s1Ratio: number | undefined): string {
  const m = s.median;
  const parts: string[] = [];
  if (m.makespanRatio !== undefined) parts.push(`makespan ${fmt(m.wallMs! / 1000, 2)} s = ${fmt(m.makespanRatio, 2)}× ideal 1.25 s (ref 3.58×)`);
  if (c.name === 'S1-50000' && s1Ratio !== undefined) parts.push(`CPU/task ${fmt(s1Ratio, 2)}× S1-100`);
  if (c.kind === 'edit') {
    parts.push(`${fmt(m.edits, 0)} batches: p50 ${fmt(m.batchMedianMs, 4)} / p99 ${fmt(m.batchP99Ms, 4)} ms; per op p50 ${fmt(m.opMedianMs, 4)} / p99 ${fmt(m.opP99Ms, 4)} ms (ref 90.8 ms/edit)`);
  }
  if (c.transport === 'ws') parts.push('16 agents in 2 processes; CPU is the orchestrator process only');
  if (c.transport === 'aip') parts.push('AIP: our session to 16 of our AIP devices in 2 processes, a WebSocket per task; CPU is the orchestrator process only');
  if (c.kind === 'lock') parts.push(`scope ${c.lockScope ?? 'all'}, ${fmt(m.editRounds, 0)} edit rounds, 50 ms/round`);
  if (s.timedOut) parts.push(`cut off at ${LOCK_CAP_MS / 1000} s`);
  if (s.problems.length > 0) parts.push(`FAILED: ${s.problems.join(' | ')}`);
  return parts.join('; ');
}

function wall(s: CaseSummary): string {
  if (s.timedOut) return `>${LOCK_CAP_MS / 1000} s`;
  return fmt(s.median.wallMs, s.kind === 'edit' ? 2 : 1);
}

/** The results as a fixed-width text table, one row per case. */
export function formatTable(summaries: readonly CaseSummary[], cases: ReadonlyMap<string, BenchCase>, s1Ratio: number | undefined): string {
  const rows: string[][] = summaries.map((s) => {
    const c = cases.get(s.name)!;
    const m = s.median;
    const isRun = c.kind !== 'edit';
    // A run cut off at the cap did not do all its tasks: per-task rates would flatter it.
    const rates = isRun && !s.timedOut;
    return [
      s.name,
      fmt(m.tasks, 0),
      fmt(m.loadMs, 1),
      wall(s),
      rates ? fmt(m.tasksPerSec, 0) : '',
      vsRef(s, c),
      rates ? fmt(m.coldTasksPerSec, 0) : '',
      rates ? coldVsRef(s, c) : '',
      s.timedOut ? '' : fmt(m.cpuMsPerTask, 4),
      isRun ? fmt(m.dispatchMeanMs, 3) : '',
      isRun ? fmt(m.dispatchP99Ms, 3) : '',
      isRun ? fmt(m.queueMeanMs, 2) : '',
      isRun ? fmt(m.queueP99Ms, 2) : '',
      fmt(m.peakRssMiB, 0),
      notes(s, c, s1Ratio),
    ];
  });
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]!), rule, ...rows.map(line)].join('\n');
}

/** PASS / FAIL / SKIP lines for the targets. */
export function formatTargets(targets: readonly TargetResult[]): string {
  return targets.map((t) => `${t.pass === undefined ? 'SKIP' : t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.detail}`).join('\n');
}
