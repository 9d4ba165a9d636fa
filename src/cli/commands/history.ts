import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { planFromJson } from '../../core/io/plan-file';
import { restoreRun } from '../../core/persistence/restore';
import { planForRerun } from '../../core/state/rerun';
import { endStateLabel, formatDuration } from '../../core/report/words';
import { FileJournalStore } from '../../runtime/file-journal-store';
import { listRuns, type RunSummary } from '../../runtime/run-history';
import { newRunMeta } from '../../runtime/run-meta';
import { expectPositionals, parseArgs } from '../args';
import { DEFAULT_DEVICES, openDevices, parseDeviceOption, requestedIds } from '../device-spec';
import { EXIT, UsageError } from '../errors';
import { packageVersion, type CliIo } from '../io';
import { checkPinnedDevices, pinnedDevices } from '../plan-loader';
import { colourWanted, makeStyle, pad } from '../render/format';
import { runSession, stderrLogger } from '../run-session';
import { commandInfo, DEFAULT_JOURNAL_ROOT } from '../usage';
import { readRunOptions } from './run-options';

function journalRoot(value: string | undefined, io: CliIo): string {
  return path.resolve(io.cwd, value ?? DEFAULT_JOURNAL_ROOT);
}

/** How a run's state reads in a list. */
export function historyStateLabel(r: Pick<RunSummary, 'state' | 'heldBy'>): string {
  if (r.heldBy !== undefined) return `running (process ${r.heldBy})`;
  return r.state === 'detached' ? 'detached (resume it)' : r.state === 'interrupted' ? 'interrupted (resume it)' : endStateLabel(r.state);
}

/** `constellation runs`: the journal's runs, newest first. */
export function runsCommand(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, commandInfo('runs')!.options, 'runs');
  expectPositionals(args, [], 'runs');
  const root = journalRoot(args.values.get('journal'), io);
  const runs = listRuns(new FileJournalStore(root));
  if (args.flags.has('json')) {
    io.out.write(`${JSON.stringify({ journal: root, runs }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.out.write(`no runs in ${root}\n`);
    return EXIT.ok;
  }
  const s = makeStyle(colourWanted(io.out, io.env));
  const rows = runs.map((r) =>
    'error' in r
      ? [r.runId, '-', '-', '-', s.red(`unreadable: ${r.error}`), '-']
      : [r.runId, r.name, r.startedAt?.replace('T', ' ').slice(0, 19) ?? '-', r.durationMs === undefined ? '-' : formatDuration(r.durationMs), historyStateLabel(r), `${r.counts.completed}/${r.tasks}${r.continues ? ` (continues ${r.continues})` : ''}`],
  );
  const head = ['RUN', 'PLAN', 'STARTED', 'DURATION', 'STATE', 'DONE'];
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  io.out.write(`${head.map((h, i) => pad(s.bold(h), widths[i]!)).join('  ')}\n`);
  for (const r of rows) io.out.write(`${r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ')}\n`);
  io.out.write(`${s.gray(`journal ${root}`)}\n`);
  return EXIT.ok;
}

/**
 * `constellation rerun <runId> [--from-failure]`: a new run of an earlier run's plan, as it
 * stood at its end (edits included); with `--from-failure` only what did not complete and what
 * depends on it runs again, reusing the completed results.
 */
export async function rerunCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, commandInfo('rerun')!.options, 'rerun');
  const [runId] = expectPositionals(args, ['runId'], 'rerun') as [string];
  const options = readRunOptions(args, io);
  const root = options.journal ?? journalRoot(undefined, io);
  const store = new FileJournalStore(root);
  if (!store.runIds().includes(runId)) throw new UsageError(`no run '${runId}' in ${root}`, "list them with 'constellation runs'", runId);
  const earlier = restoreRun(store, runId, { takeOver: false });
  const fromFailure = args.flags.has('from-failure');
  const { plan, again, kept } = planForRerun(earlier.constellation, fromFailure);
  const constellation = planFromJson(plan, { source: `run ${runId}` });
  const meta = earlier.meta;
  const devicesText = options.devices ?? (typeof meta.devices === 'string' ? meta.devices : DEFAULT_DEVICES);
  const request = parseDeviceOption(devicesText, io.cwd);
  checkPinnedDevices(constellation, requestedIds(request), `run ${runId}`);
  if (!options.quiet) io.err.write(`constellation: rerun of ${runId}${fromFailure ? ` from failure: ${again.length} task(s) again, ${kept.length} completed result(s) reused` : `: all ${again.length} task(s) again`}\n`);
  const orchestratorId = randomUUID();
  const logger = stderrLogger(io);
  return runSession(
    {
      logger,
      constellation,
      devices: await openDevices(request, logger, { pinned: pinnedDevices(constellation), orchestratorId }),
      strategy: options.strategy,
      maxConcurrent: options.maxConcurrent,
      journal: { root, meta: newRunMeta({ cli: packageVersion(), orchestratorId, plan: typeof meta.plan === 'string' ? meta.plan : undefined, constellationId: constellation.id, devices: devicesText, continues: runId, fromFailure }) },
      json: options.json,
      quiet: options.quiet,
      resumed: false,
    },
    io,
  );
}
