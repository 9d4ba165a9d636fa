import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { planFromJson } from '../../src/core/io/plan-file';
import type { Constellation } from '../../src/core/model/constellation';

/** The neutral workload format of shared/bench (README.md there). */
export interface WorkloadFile {
  readonly name: string;
  readonly tasks: readonly { readonly id: string; readonly inputs?: unknown }[];
  readonly dependencies: readonly { readonly from: string; readonly to: string }[];
}

/** A workload built into a constellation, with what loading it cost. */
export interface LoadedWorkload {
  readonly constellation: Constellation;
  readonly parseMs: number;
  readonly buildMs: number;
}

/** Thrown when the benchmark cannot find or read its inputs; the message says what to do. */
export class BenchSetupError extends Error {
  readonly code = 'bench_setup';
}

/** The repository root: the bundle runs from `<root>/dist/bench.js`. */
export function repoRoot(): string {
  return path.resolve(__dirname, '..');
}

/** `$CONSTELLATION_BENCH_WORKLOADS`, else `<root>/../shared/bench/workloads`; throws if absent. */
export function workloadsDir(): string {
  const fromEnv = process.env.CONSTELLATION_BENCH_WORKLOADS;
  const dir = fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve(repoRoot(), '..', 'shared', 'bench', 'workloads');
  if (!existsSync(dir)) {
    const how = fromEnv ? 'CONSTELLATION_BENCH_WORKLOADS points to' : 'expected the shared/ checkout beside the repository at';
    throw new BenchSetupError(`benchmark workloads not found: ${how} ${dir}. Clone shared/ beside the repo or set CONSTELLATION_BENCH_WORKLOADS to the workloads directory.`);
  }
  return dir;
}

function isWorkloadFile(value: unknown): value is WorkloadFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && Array.isArray(v.tasks) && Array.isArray(v.dependencies);
}

/** W4: every task does `ms` of simulated work on its device. */
export function withSimDuration(w: WorkloadFile, ms: number): WorkloadFile {
  return { ...w, tasks: w.tasks.map((t) => ({ ...t, inputs: { sim: { durationMs: ms } } })) };
}

/**
 * Loads one workload through the project's own importer. Parse and build are timed apart;
 * reading the file and the bench's own transform are not, as they are not the core's cost.
 */
export function loadWorkload(file: string, transform?: (w: WorkloadFile) => WorkloadFile): LoadedWorkload {
  const full = path.join(workloadsDir(), file);
  if (!existsSync(full)) throw new BenchSetupError(`workload ${full} is missing`);
  const text = readFileSync(full, 'utf8');
  const t0 = performance.now();
  const parsed: unknown = JSON.parse(text);
  const parseMs = performance.now() - t0;
  if (!isWorkloadFile(parsed)) throw new BenchSetupError(`${full} is not a {name, tasks, dependencies} workload`);
  const plan = transform ? transform(parsed) : parsed;
  const t1 = performance.now();
  const constellation = planFromJson(plan, { source: file });
  const buildMs = performance.now() - t1;
  return { constellation, parseMs, buildMs };
}
