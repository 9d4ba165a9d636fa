import { planFromJson } from '../../src/core/io/plan-file';
import type { Constellation } from '../../src/core/model/constellation';
import { isWorkloadName, workloadText } from './workload-set';

export { repoRoot } from './workload-set';

/** The reference's neutral workload format: `{name, tasks: [{id}], dependencies: [{from, to}]}`. */
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
export function loadWorkload(name: string, transform?: (w: WorkloadFile) => WorkloadFile): LoadedWorkload {
  if (!isWorkloadName(name)) throw new BenchSetupError(`no workload '${name}'`);
  const text = workloadText(name);
  const t0 = performance.now();
  const parsed: unknown = JSON.parse(text);
  const parseMs = performance.now() - t0;
  if (!isWorkloadFile(parsed)) throw new BenchSetupError(`${name} is not a {name, tasks, dependencies} workload`);
  const plan = transform ? transform(parsed) : parsed;
  const t1 = performance.now();
  const constellation = planFromJson(plan, { source: name });
  const buildMs = performance.now() - t1;
  return { constellation, parseMs, buildMs };
}
