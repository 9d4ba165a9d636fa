import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalAgents } from '../../src/devices/local/local-agents';
import type { TargetResult } from './summary';
import { repoRoot } from './workload-set';

/** The flood: 200 MiB of stdout in 64 KiB lines, then one 50 MiB line without a newline. */
const LINES_BYTES = 200 * 1024 * 1024;
const LINE_BYTES = 50 * 1024 * 1024;
const FOLD = 65535;
const EXPECTED_BYTES = LINES_BYTES + Math.floor(LINES_BYTES / FOLD) + LINE_BYTES;
const QUICK_IDEAL_MS = 200;

/** What one flood run measured. */
export interface FloodResult {
  readonly bytes: number;
  readonly fileBytes: number;
  readonly seconds: number;
  readonly mbPerSecond: number;
  readonly orchestratorPeakMiB: number;
  readonly agentPeakMiB: number;
  readonly quickMs: number;
  readonly deviceLost: boolean;
  readonly state: string;
}

/** Peak resident set (VmHWM) of a process, MiB, or 0 once it is gone. */
function peakMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid of the Node process running `constellation run <marker>` (under `script` and its shell). */
function findPid(marker: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] === process.execPath && argv.includes(marker) && argv.includes('run')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/**
 * One flood, end to end: two device agents (processes) and `constellation run` with its default
 * live progress (under a pseudo-terminal, as a person would run it), the flood on one device and
 * a 200 ms task on the other. Peak RSS of the orchestrator and the flooding agent are read from
 * /proc while it runs; the rest from the run's journal and output file.
 */
export async function runFlood(): Promise<FloodResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'constellation-flood-'));
  const cli = path.join(repoRoot(), 'bin', 'constellation.js');
  const agents = await LocalAgents.start({ command: { execPath: process.execPath, script: cli }, ids: ['flooder', 'quick'], executor: 'shell', workdir: dir });
  try {
    const devices = agents.devices.map((d) => {
      fs.writeFileSync(path.join(dir, `${d.id}.token`), d.token, { mode: 0o600 });
      return { id: d.id, url: d.url, tokenFile: `${d.id}.token` };
    });
    fs.writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ devices }));
    const marker = `flood-${randomBytes(4).toString('hex')}.constellation.json`;
    fs.writeFileSync(
      path.join(dir, marker),
      JSON.stringify({
        tasks: [
          { id: 'flood', device: 'flooder', inputs: { command: `head -c ${LINES_BYTES} /dev/zero | tr '\\0' x | fold -w ${FOLD}; head -c ${LINE_BYTES} /dev/zero | tr '\\0' y` } },
          { id: 'quick', device: 'quick', inputs: { command: 'sleep 0.2' } },
        ],
      }),
    );
    const journal = path.join(dir, 'runs');
    const line = `stty cols 120 rows 40; ${process.execPath} ${cli} run ${marker} --devices devices.json --journal ${journal}`;
    const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color' } });
    child.stdout.resume();
    child.stderr.resume();
    let orchestrator = 0;
    let agent = 0;
    let cliPid: number | undefined;
    const poll = setInterval(() => {
      cliPid ??= findPid(marker);
      orchestrator = Math.max(orchestrator, peakMiB(cliPid));
      agent = Math.max(agent, peakMiB(agents.pid('flooder')));
    }, 100);
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    const wallS = (Date.now() - t0) / 1000;
    agent = Math.max(agent, peakMiB(agents.pid('flooder')));
    const runId = fs.readdirSync(journal)[0];
    if (code !== 0 || runId === undefined) throw new Error(`the flood run ended with exit ${String(code)}`);
    const runDir = path.join(journal, runId);
    const events = fs
      .readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; taskId?: string; durationMs?: number; state?: string; status?: string; error?: { code: string } });
    const done = (id: string) => events.find((e) => e.type === 'task_completed' && e.taskId === id);
    const floodMs = done('flood')?.durationMs ?? wallS * 1000;
    const fileBytes = fs.statSync(path.join(runDir, 'output', 'flood.1.log')).size;
    return {
      bytes: EXPECTED_BYTES,
      fileBytes,
      seconds: floodMs / 1000,
      mbPerSecond: EXPECTED_BYTES / 2 ** 20 / (floodMs / 1000),
      orchestratorPeakMiB: orchestrator,
      agentPeakMiB: agent,
      quickMs: done('quick')?.durationMs ?? Number.NaN,
      deviceLost: events.some((e) => e.error?.code === 'device_lost' || (e.type === 'device_status_changed' && e.status !== 'available')),
      state: events.findLast((e) => e.type === 'constellation_completed' || e.type === 'constellation_failed')?.state ?? 'unknown',
    };
  } finally {
    await agents.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The flood's pass/fail lines. */
export function floodTargets(r: FloodResult | undefined): TargetResult[] {
  if (!r) return [];
  const mib = (n: number) => `${n.toFixed(0)} MiB`;
  return [
    { target: 'FLOOD every byte in the output file', pass: r.fileBytes === r.bytes, detail: `${r.fileBytes} of ${r.bytes} bytes` },
    { target: 'FLOOD orchestrator peak RSS < 256 MiB', pass: r.orchestratorPeakMiB < 256, detail: mib(r.orchestratorPeakMiB) },
    { target: 'FLOOD agent peak RSS < 256 MiB', pass: r.agentPeakMiB < 256, detail: mib(r.agentPeakMiB) },
    { target: 'FLOOD no device falsely lost', pass: !r.deviceLost && r.state === 'completed', detail: r.deviceLost ? 'a device was taken for lost' : `run ${r.state}` },
    { target: 'FLOOD 200 ms task on another device within 1 s of its ideal', pass: r.quickMs - QUICK_IDEAL_MS <= 1000, detail: `${r.quickMs.toFixed(0)} ms` },
    { target: 'FLOOD throughput ≥ 20 MB/s end to end', pass: r.mbPerSecond >= 20, detail: `${r.mbPerSecond.toFixed(1)} MiB/s (${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${r.seconds.toFixed(1)} s)` },
  ];
}
