import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CASES, selectCases, type BenchCase } from './cases';
import { childMain, runInChild } from './child';
import type { Sample } from './measure';
import { evaluateTargets, machineInfo, s1CostRatio, summarize, type CaseSummary } from './summary';
import { formatTable, formatTargets } from './table';
import { agentHostMain } from './ws-agents';
import { BenchSetupError, repoRoot } from './workloads';
import { floodTargets, runFlood, type FloodResult } from './flood';

/** Command-line options of `npm run bench -- …`. */
export interface BenchArgs {
  readonly only?: readonly string[];
  readonly runs: number;
  /** Runs before each measured one, in the same process (default 5; 0 measures a cold process). */
  readonly warmup: number;
  /** Set in a forked child (or by hand, for profiling): measure this one case in-process. */
  readonly caseName?: string;
  /** Set in a forked agent host: serve this many WebSocket device agents. */
  readonly agentHost?: number;
}

/**
 * Warm-up runs per measured run. The orchestrator lives in a long-running extension host, so
 * the figure that matters is its steady-state cost; the first, cold run is reported beside it.
 */
export const DEFAULT_WARMUP = 5;

function positiveInt(text: string | undefined, what: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new BenchSetupError(`${what} must be an integer ≥ ${min}, got '${text ?? ''}'`);
  return n;
}

/**
 * Parses `--only A,B`, `--runs N` (default `$BENCH_RUNS` or 3), `--warmup N` (default
 * `$BENCH_WARMUP` or {@link DEFAULT_WARMUP}) and `--case NAME` / a bare case name.
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let only: string[] | undefined;
  let runs = process.env.BENCH_RUNS ? positiveInt(process.env.BENCH_RUNS, 'BENCH_RUNS') : 3;
  let warmup = process.env.BENCH_WARMUP ? positiveInt(process.env.BENCH_WARMUP, 'BENCH_WARMUP', 0) : DEFAULT_WARMUP;
  let caseName: string | undefined;
  let agentHost: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--only') only = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (flag === '--runs') runs = positiveInt(value(), '--runs');
    else if (flag === '--warmup') warmup = positiveInt(value(), '--warmup', 0);
    else if (flag === '--case') caseName = value();
    else if (flag === '--agent-host') agentHost = positiveInt(value(), '--agent-host');
    else if (!flag.startsWith('-') && CASES.some((c) => c.name === flag)) caseName = flag;
    else throw new BenchSetupError(`unknown argument '${argv[i]!}' (use --only A,B  --runs N  --warmup N  --case NAME)`);
  }
  return { ...(only ? { only } : {}), runs, warmup, ...(caseName !== undefined ? { caseName } : {}), ...(agentHost !== undefined ? { agentHost } : {}) };
}

async function measureAll(cases: readonly BenchCase[], runs: number, warmup: number): Promise<CaseSummary[]> {
  const summaries: CaseSummary[] = [];
  for (const c of cases) {
    const samples: Sample[] = [];
    const n = c.once ? 1 : runs;
    for (let r = 0; r < n; r++) {
      const sample = await runInChild(c.name, warmup);
      samples.push(sample);
      const m = sample.metrics;
      const status = sample.error ? `FAILED: ${sample.error}` : `${sample.state}, wall ${(m.wallMs ?? 0).toFixed(1)} ms`;
      process.stderr.write(`  ${c.name} run ${r + 1}/${n}: ${status}\n`);
    }
    summaries.push(summarize(c, samples));
  }
  return summaries;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.agentHost !== undefined) return agentHostMain(args.agentHost);
  if (args.caseName !== undefined) return childMain(args.caseName, args.warmup);

  const cases = selectCases(args.only);
  const flood = !args.only || args.only.includes('FLOOD');
  if (cases.length === 0 && !flood) throw new BenchSetupError(`--only ${args.only?.join(',') ?? ''} selects no case; cases: ${CASES.map((c) => c.name).join(', ')}, FLOOD`);
  process.stderr.write(`bench: ${cases.length} case(s), ${args.runs} run(s) each (LOCK once), ${args.warmup} warm-up run(s)\n`);

  const summaries = await measureAll(cases, args.runs, args.warmup);
  let floodResult: FloodResult | undefined;
  if (flood) {
    process.stderr.write('  FLOOD: 250 MiB of output through a device agent, with the live display…\n');
    floodResult = await runFlood();
  }
  const byName = new Map(summaries.map((s) => [s.name, s]));
  const caseMap = new Map(CASES.map((c) => [c.name, c]));
  const ratio = s1CostRatio(byName);
  const targets = [...evaluateTargets(byName, caseMap), ...floodTargets(floodResult)];
  const machine = machineInfo();

  const summary = {
    machine,
    runsPerCase: args.runs,
    warmupRuns: args.warmup,
    cases: summaries.map((s) => ({ name: s.name, median: s.median, timedOut: s.timedOut, problems: s.problems })),
    derived: { s1CostPerTaskRatio: ratio, w4MakespanRatio: byName.get('W4')?.median.makespanRatio },
    flood: floodResult,
    targets,
  };
  const outDir = path.join(repoRoot(), 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, 'bench.json');
  writeFileSync(outFile, `${JSON.stringify({ ...summary, runs: summaries.map((s) => ({ name: s.name, samples: s.runs })) }, null, 2)}\n`);

  const out = process.stdout;
  out.write(`\nConstellation bench — ${machine.cpuModel} ×${machine.cpuCount}, node ${machine.node}, ${machine.date}\n`);
  const mode = args.warmup > 0 ? `in 3 fresh processes per case, each doing ${args.warmup} warm-up run(s) then 5 timed runs (median taken); 'cold' is the first run of each process` : 'each in a fresh process (cold: includes V8 warm-up)';
  out.write(`Measured ${mode}.\n`);
  out.write('Median of runs; times in ms; disp = dispatch latency, queue = queueing (both from the run report); vs ref = tasks/s over the reference (E1: its 90.8 ms/edit over ours).\n\n');
  if (summaries.length > 0) out.write(`${formatTable(summaries, caseMap, ratio)}\n\n`);
  if (floodResult) {
    const f = floodResult;
    out.write(`FLOOD (${(f.bytes / 2 ** 20).toFixed(0)} MiB: 200 MiB in 64 KiB lines and one 50 MiB line, one agent, live display): ${f.mbPerSecond.toFixed(1)} MiB/s, orchestrator peak RSS ${f.orchestratorPeakMiB.toFixed(0)} MiB, agent peak RSS ${f.agentPeakMiB.toFixed(0)} MiB, 200 ms task on another device took ${f.quickMs.toFixed(0)} ms, output file ${f.fileBytes === f.bytes ? 'complete' : `${f.fileBytes} of ${f.bytes} bytes`}\n\n`);
  }
  out.write(`Targets:\n${formatTargets(targets)}\n\n`);
  out.write(`Full results: ${outFile}\n\nJSON summary:\n${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((err: unknown) => {
  // A setup problem gets its message alone; anything else is a bug in the bench, so show the stack.
  process.stderr.write(err instanceof BenchSetupError ? `bench: ${err.message}\n` : `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
