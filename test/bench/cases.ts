import type { LockScope } from '../../src/core/orchestrator/edit-source';
import type { WorkloadName } from './workload-set';

/** What a case measures. */
export type CaseKind = 'run' | 'edit' | 'lock';

/** One row of the benchmark. */
export interface BenchCase {
  readonly name: string;
  readonly workload: WorkloadName;
  readonly kind: CaseKind;
  readonly devices: number;
  /** Simulated work per task (W4). */
  readonly simMs?: number;
  readonly lockScope?: LockScope;
  /** `ws`: the devices are agents in other processes, reached over WebSocket; `aip`: the same, speaking AIP (a socket per task). */
  readonly transport?: 'ws' | 'aip';
  /** The reference's tasks/s on the same graph (its published figures; see the README's benchmark section). */
  readonly refTasksPerSec?: number;
  /** The reference's time per edit, ms. */
  readonly refEditMs?: number;
  /** Slow single-shot cases ignore `--runs`. */
  readonly once?: boolean;
  /**
   * No warm-up runs: the case is big enough to reach steady state within its own run, and the
   * garbage of earlier runs would only inflate its peak RSS.
   */
  readonly cold?: boolean;
}

const W3 = 'W3-layered-2000';

/** Every case, in the order they run and print. */
export const CASES: readonly BenchCase[] = [
  { name: 'W1', workload: 'W1-chain-1000', kind: 'run', devices: 1, refTasksPerSec: 637 },
  { name: 'W2', workload: 'W2-fanout-1000', kind: 'run', devices: 16, refTasksPerSec: 741 },
  { name: 'W3', workload: W3, kind: 'run', devices: 16, refTasksPerSec: 461 },
  { name: 'W4', workload: W3, kind: 'run', devices: 16, simMs: 10 },
  { name: 'S1-100', workload: 'S1-fanout-100', kind: 'run', devices: 16, refTasksPerSec: 5927 },
  { name: 'S1-5000', workload: 'S1-fanout-5000', kind: 'run', devices: 16, refTasksPerSec: 117 },
  { name: 'S1-50000', workload: 'S1-fanout-50000', kind: 'run', devices: 16, cold: true },
  { name: 'S2-100000', workload: 'S2-layered-100000', kind: 'run', devices: 16, cold: true },
  { name: 'W1-ws', workload: 'W1-chain-1000', kind: 'run', devices: 1, refTasksPerSec: 637, transport: 'ws' },
  { name: 'W2-ws', workload: 'W2-fanout-1000', kind: 'run', devices: 16, refTasksPerSec: 741, transport: 'ws' },
  { name: 'W3-ws', workload: W3, kind: 'run', devices: 16, refTasksPerSec: 461, transport: 'ws' },
  { name: 'W4-ws', workload: W3, kind: 'run', devices: 16, simMs: 10, transport: 'ws' },
  { name: 'W3-aip', workload: W3, kind: 'run', devices: 16, refTasksPerSec: 461, transport: 'aip' },
  { name: 'S1-100-ws', workload: 'S1-fanout-100', kind: 'run', devices: 16, refTasksPerSec: 5927, transport: 'ws' },
  { name: 'S1-5000-ws', workload: 'S1-fanout-5000', kind: 'run', devices: 16, refTasksPerSec: 117, transport: 'ws' },
  { name: 'S1-50000-ws', workload: 'S1-fanout-50000', kind: 'run', devices: 16, transport: 'ws', cold: true },
  { name: 'E1', workload: W3, kind: 'edit', devices: 0, refEditMs: 90.8 },
  { name: 'LOCK-all', workload: W3, kind: 'lock', devices: 16, lockScope: 'all', once: true },
  { name: 'LOCK-downstream', workload: W3, kind: 'lock', devices: 16, lockScope: 'downstream', once: true },
];

/** W4's ideal makespan: 20 layers × 100 tasks / 16 devices × 10 ms (README). */
export const W4_IDEAL_MS = 1250;

/** LOCK runs longer than this are cancelled and reported as '>120 s'. */
export const LOCK_CAP_MS = 120_000;

/** The case called exactly `name`, if any. */
export function findCase(name: string): BenchCase | undefined {
  return CASES.find((c) => c.name === name);
}

/**
 * Cases selected by `--only`: a token equal to a case name selects just that case (so
 * `S1-5000` does not also pick `S1-50000`); otherwise it selects every name it prefixes.
 */
export function selectCases(only: readonly string[] | undefined): BenchCase[] {
  if (!only || only.length === 0) return [...CASES];
  return CASES.filter((c) => only.some((t) => (findCase(t) ? c.name === t : c.name.startsWith(t))));
}
