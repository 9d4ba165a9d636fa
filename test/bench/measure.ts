import { ConstellationEditor } from '../../src/core/editing/editor';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import type { DeviceSpec } from '../../src/core/orchestrator/device-pool';
import type { EditSource } from '../../src/core/orchestrator/edit-source';
import { LOCK_CAP_MS, W4_IDEAL_MS, type BenchCase } from './cases';
import { median, quantile, seededRandom } from './stats';
import { loadWorkload, withSimDuration, type LoadedWorkload } from './workloads';
import { WsDevices } from './ws-agents';

/** Every figure a case can report; a case fills those that apply to it. */
export type MetricKey =
  | 'tasks' | 'coldWallMs' | 'coldTasksPerSec' | 'parseMs' | 'buildMs' | 'loadMs' | 'wallMs' | 'tasksPerSec' | 'cpuMs' | 'cpuMsPerTask'
  | 'dispatchMeanMs' | 'dispatchP99Ms' | 'queueMeanMs' | 'queueP99Ms' | 'peakRssMiB' | 'makespanRatio'
  | 'editRounds' | 'edits' | 'batchMedianMs' | 'batchP99Ms' | 'opMedianMs' | 'opP99Ms';

export type Metrics = Partial<Record<MetricKey, number>>;

/** One measurement of one case, taken in its own process. */
export interface Sample {
  readonly case: string;
  /** Final state of the run (`completed` expected), or `edited` for E1. */
  readonly state: string;
  /** The run hit its cap and was cancelled (LOCK) or killed. */
  readonly timedOut: boolean;
  readonly metrics: Metrics;
  readonly error?: string;
}

/** CPU time of this process in ms, user + system. */
function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** maxRSS is the process's high-water mark, which is why each case gets a fresh process. */
function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function inProcessDevices(n: number): DeviceSpec[] {
  const executor = new SimExecutor();
  return Array.from({ length: n }, (_, i) => ({ id: `dev-${i}`, executor, concurrency: 1 }));
}

/** Where a run's devices come from: in-process executors, or agents over WebSocket (`-ws` cases). */
let devices: (n: number) => DeviceSpec[] = inProcessDevices;

/** Agents over WebSocket, started once per measuring process and shared by its runs. */
const WS_AGENTS = 16;

/** An edit source that thinks for `ms` of real time and proposes nothing: the lock's cost alone. */
function slowSource(ms: number): EditSource {
  return { propose: () => new Promise((resolve) => setTimeout(() => resolve({ operations: [] }), ms)) };
}

function load(c: BenchCase): LoadedWorkload {
  // AIP carries a task's inputs only as a tip, and our AIP device runs nothing without them: its
  // tasks say "sim, no delay" (what the other cases' devices do for a task without inputs).
  const simMs = c.simMs ?? (c.transport === 'aip' ? 0 : undefined);
  return loadWorkload(c.workload, simMs === undefined ? undefined : (f) => withSimDuration(f, simMs));
}

/**
 * Runs of the same case before the measured one (`--warmup N`), so the measured run shows the
 * orchestrator's steady-state cost instead of V8 compiling it; peak RSS then includes them.
 * The first of them runs in a cold process: its wall time is returned and reported as such.
 */
async function warmUp(c: BenchCase, times: number): Promise<number | undefined> {
  let coldMs: number | undefined;
  for (let i = 0; i < times; i++) {
    const o = new Orchestrator(load(c).constellation, { devices: devices(c.devices) });
    const t0 = performance.now();
    await o.run();
    coldMs ??= performance.now() - t0;
  }
  return coldMs;
}

/** Timed runs per process after the warm-up; the sample is the one with the median wall time. */
const STEADY_RUNS = 5;

async function measureRun(c: BenchCase, warmup: number): Promise<Sample> {
  if (c.transport === undefined) return measureRunOn(c, warmup);
  const ws = await WsDevices.start(WS_AGENTS, c.transport === 'ws' ? 'native' : 'aip');
  devices = (n) => ws.specs(n);
  try {
    return await measureRunOn(c, warmup);
  } finally {
    devices = inProcessDevices;
    ws.close();
  }
}

async function measureRunOn(c: BenchCase, warmup: number): Promise<Sample> {
  const steady = c.kind === 'run' && !c.cold && warmup > 0;
  const coldMs = steady ? await warmUp(c, warmup) : undefined;
  if (!steady) return measureOnce(c, coldMs);
  const samples: Sample[] = [];
  for (let i = 0; i < STEADY_RUNS; i++) samples.push(await measureOnce(c, coldMs));
  samples.sort((a, b) => (a.metrics.wallMs ?? 0) - (b.metrics.wallMs ?? 0));
  return samples[STEADY_RUNS >> 1]!;
}

async function measureOnce(c: BenchCase, coldMs: number | undefined): Promise<Sample> {
  const w = load(c);
  const tasks = w.constellation.size;
  const o = new Orchestrator(w.constellation, {
    devices: devices(c.devices),
    ...(c.kind === 'lock' ? { editSource: slowSource(50), lockScope: c.lockScope } : {}),
  });
  // Only LOCK can legitimately run for minutes; the cap turns it into a report, not a hang.
  const cap = c.kind === 'lock' ? setTimeout(() => o.cancel(`bench cap of ${LOCK_CAP_MS} ms`), LOCK_CAP_MS) : undefined;
  const cpu0 = cpuNowMs();
  const t0 = performance.now();
  const report = await o.run();
  const wallMs = performance.now() - t0;
  const cpuMs = cpuNowMs() - cpu0;
  if (cap) clearTimeout(cap);
  const timedOut = c.kind === 'lock' && report.state === 'cancelled';
  const m = report.metrics;
  if (!timedOut && (report.state !== 'completed' || m.dispatched !== tasks)) {
    throw new Error(`${c.name}: run ended ${report.state} with ${m.dispatched}/${tasks} dispatched (${report.reason?.message ?? 'no reason'})`);
  }
  const metrics: Metrics = {
    tasks,
    parseMs: w.parseMs,
    buildMs: w.buildMs,
    loadMs: w.parseMs + w.buildMs,
    coldWallMs: coldMs ?? wallMs,
    coldTasksPerSec: tasks / ((coldMs ?? wallMs) / 1000),
    wallMs,
    tasksPerSec: tasks / (wallMs / 1000),
    cpuMs,
    cpuMsPerTask: cpuMs / tasks,
    dispatchMeanMs: m.dispatchLatencyMs.mean,
    dispatchP99Ms: m.dispatchLatencyMs.p99,
    queueMeanMs: m.queueingMs.mean,
    queueP99Ms: m.queueingMs.p99,
    peakRssMiB: peakRssMiB(),
  };
  if (c.simMs !== undefined) metrics.makespanRatio = wallMs / W4_IDEAL_MS;
  if (c.kind === 'lock') metrics.editRounds = m.editRounds;
  return { case: c.name, state: report.state, timedOut, metrics };
}

const EDITS = 100;

function measureEdits(c: BenchCase): Sample {
  const w = loadWorkload(c.workload);
  const g = w.constellation;
  // "Last layer" = no outgoing edge in the original graph, fixed before any edit adds one.
  const leaves = g.taskIds().filter((id) => g.dependantCount(id) === 0);
  const editor = new ConstellationEditor(g, {});
  const random = seededRandom(0xc0ffee);
  const batches: number[] = [];
  const cpu0 = cpuNowMs();
  for (let n = 0; n < EDITS; n++) {
    const from = leaves[Math.floor(random() * leaves.length)]!;
    const id = `e1-${n}`;
    const ops = [
      { op: 'add_task', task: { id } },
      { op: 'add_dependency', dependency: { from, to: id } },
    ];
    const t0 = performance.now();
    const result = editor.applyInput(ops);
    batches.push(performance.now() - t0);
    if (!result.ok) throw new Error(`E1 batch ${n} rejected: ${result.violations.map((v) => v.message).join('; ')}`);
  }
  const cpuMs = cpuNowMs() - cpu0;
  const metrics: Metrics = {
    tasks: g.size - EDITS,
    parseMs: w.parseMs,
    buildMs: w.buildMs,
    loadMs: w.parseMs + w.buildMs,
    wallMs: batches.reduce((a, b) => a + b, 0),
    cpuMs,
    edits: EDITS,
    batchMedianMs: median(batches),
    batchP99Ms: quantile(batches, 0.99),
    opMedianMs: median(batches) / 2,
    opP99Ms: quantile(batches, 0.99) / 2,
    peakRssMiB: peakRssMiB(),
  };
  return { case: c.name, state: 'edited', timedOut: false, metrics };
}

/** Runs one case in this process and measures it, after `warmup` untimed runs (run cases only). */
export function measureCase(c: BenchCase, warmup = 0): Promise<Sample> {
  return c.kind === 'edit' ? Promise.resolve(measureEdits(c)) : measureRun(c, warmup);
}
