import type { LockScope } from '../../src/core/orchestrator/edit-source';

/** What a case measures. */
export type CaseKind = 'run' | 'edit' | 'lock';

/** One row of the benchmark. */
export interface BenchCase {
  readonly name: string;
  readonly file: string;
  readonly kind: CaseKind;
  readonly devices: number;
  /** Simulated work per task (W4). */
  readonly simMs?: number;
  readonly lockScope?: LockScope;
  /** `ws`: the devices are agents in other processes, reached over WebSocket. */
  readonly transport?: 'ws';
  /** The reference's tasks/s on the same graph (shared/bench/README.md). */
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

const W3 = 'W3-layered-2000.json';

/** Every case, in the order they run and print. */
export const CASES: readonly BenchCase[] = [
  { name: 'W1', file: 'W1-chain-1000.json', kind: 'run', devices: 1, refTasksPerSec: 637 },
  { name: 'W2', file: 'W2-fanout-1000.json', kind: 'run', devices: 16, refTasksPerSec: 741 },
  { name: 'W3', file: W3, kind: 'run', devices: 16, refTasksPerSec: 461 },
  { name: 'W4', file: W3, kind: 'run', devices: 16, simMs: 10 },
  { name: 'S1-100', file: 'S1-fanout-100.json', kind: 'run', devices: 16, refTasksPerSec: 5927 },
  { name: 'S1-5000', file: 'S1-fanout-5000.json', kind: 'run', devices: 16, refTasksPerSec: 117 },
  { name: 'S1-50000', file: 'S1-fanout-50000.json', kind: 'run', devices: 16, cold: true },
  { name: 'S2-100000', file: 'S2-layered-100000.json', kind: 'run', devices: 16, cold: true },
  { name: 'W1-ws', file: 'W1-chain-1000.json', kind: 'run', devices: 1, refTasksPerSec: 637, transport: 'ws' },
  { name: 'W2-ws', file: 'W2-fanout-1000.json', kind: 'run', devices: 16, refTasksPerSec: 741, transport: 'ws' },
  { name: 'W3-ws', file: W3, kind: 'run', devices: 16, refTasksPerSec: 461, transport: 'ws' },
  { name: 'W4-ws', file: W3, kind: 'run', devices: 16, simMs: 10, transport: 'ws' },
  { name: 'S1-100-ws', file: 'S1-fanout-100.json', kind: 'run', devices: 16, refTasksPerSec: 5927, transport: 'ws' },
  { name: 'S1-5000-ws', file: 'S1-fanout-5000.json', kind: 'run', devices: 16, refTasksPerSec: 117, transport: 'ws' },
  { name: 'S1-50000-ws', file: 'S1-fanout-50000.json', kind: 'run', devices: 16, transport: 'ws', cold: true },
  { name: 'E1', file: W3, kind: 'edit', devices: 0, refEditMs: 90.8 },
  { name: 'LOCK-all', file: W3, kind: 'lock', devices: 16, lockScope: 'all', once: true },
  { name: 'LOCK-downstream', file: W3, kind: 'lock', devices: 16, lockScope: 'downstream', once: true },
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
