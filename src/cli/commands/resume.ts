import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { RunEnd } from '../../core/state/run-state';
import { ConstellationError, InvalidInputError } from '../../core/model/errors';
import { ASSIGNMENT_STRATEGIES } from '../../core/orchestrator/assignment';
import { MetricsRecorder } from '../../core/orchestrator/metrics';
import { buildReport } from '../../core/report/run-report';
import { restoreRun, type RestoredRun } from '../../core/persistence/restore';
import { FileJournalStore, runPaths } from '../../runtime/file-journal-store';
import { runHolder, RunInUseError } from '../../runtime/run-lock';
import { expectPositionals, parseArgs } from '../args';
import { DEFAULT_DEVICES, openDevices, parseDeviceOption, requestedIds } from '../device-spec';
import { UsageError, fileProblem } from '../errors';
import type { CliIo } from '../io';
import { checkPinnedDevices, pinnedDevices } from '../plan-loader';
import { colourWanted, makeStyle } from '../render/format';
import { toJsonReport } from '../../core/report/json-report';
import { renderSummary } from '../render/summary';
import { exitCodeOf, runSession, stderrLogger } from '../run-session';
import { commandInfo, DEFAULT_JOURNAL_ROOT } from '../usage';
import { LOCK_SCOPES, loadEditSource, readRunOptions } from './run-options';

/** What `run` stored in `run.json` for us; anything else there is ignored. */
const metaSchema = z.looseObject({
  plan: z.string().optional(),
  devices: z.string().optional(),
  strategy: z.enum(ASSIGNMENT_STRATEGIES as [string, ...string[]]).optional(),
  edits: z.string().optional(),
  lockScope: z.enum(LOCK_SCOPES as [string, ...string[]]).optional(),
  editTimeoutMs: z.number().int().positive().optional(),
  maxConcurrent: z.number().int().positive().optional(),
  orchestratorId: z.string().min(1).max(200).optional(),
});

/**
 * `constellation resume <runId>`: restores the run from its journal and continues it with the
 * same run id, numbering events on from the journal, appending to the same files. Finished
 * tasks keep their results; tasks that were running at the crash run again.
 */
export async function resumeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, commandInfo('resume')!.options, 'resume');
  const [runId] = expectPositionals(args, ['runId'], 'resume') as [string];
  const options = readRunOptions(args, io);
  const root = options.journal ?? path.resolve(io.cwd, DEFAULT_JOURNAL_ROOT);
  const restored = restore(root, runId);
  const paths = runPaths(root, runId);
  const parsedMeta = metaSchema.safeParse(restored.meta);
  if (!parsedMeta.success) throw fileProblem(paths.meta, 'invalid_field', `run.json is not what 'run' writes: ${parsedMeta.error.issues[0]?.message ?? 'invalid'}`);
  const meta = parsedMeta.data;

  if (restored.ended) return alreadyEnded(restored, restored.ended, paths.dir, options.json, io);
  // Before connecting: a second connection as the same orchestrator would take the devices over.
  const holder = runHolder(paths.dir);
  if (holder !== undefined) throw new RunInUseError(runId, holder);

  const devicesText = options.devices ?? meta.devices ?? DEFAULT_DEVICES;
  const request = parseDeviceOption(devicesText, io.cwd);
  checkPinnedDevices(restored.constellation, requestedIds(request), paths.snapshot);
  const editsFile = options.edits ?? meta.edits;
  if (editsFile !== undefined && !fs.existsSync(editsFile)) {
    throw new UsageError(`the edits file this run was started with is gone: ${editsFile}`, 'pass --edits FILE to use another one', '--edits');
  }
  const editSource = editsFile !== undefined ? loadEditSource(editsFile, editsFile, restored.constellation.taskIds()) : undefined;
  const logger = stderrLogger(io);
  return runSession(
    {
      logger,
      constellation: restored.constellation,
      devices: await openDevices(request, logger, { pinned: pinnedDevices(restored.constellation), orchestratorId: meta.orchestratorId }),
      runId,
      strategy: options.strategy ?? (meta.strategy as typeof options.strategy),
      editSource,
      lockScope: options.lockScope ?? (meta.lockScope as typeof options.lockScope),
      editTimeoutMs: options.editTimeoutMs ?? meta.editTimeoutMs,
      maxConcurrent: options.maxConcurrent ?? meta.maxConcurrent,
      startSeq: restored.lastSeq,
      interrupted: restored.interrupted,
      agentTimeline: restored.state.agent,
      journal: { root, meta: restored.meta },
      json: options.json,
      quiet: options.quiet,
      resumed: true,
    },
    io,
  );
}

function restore(root: string, runId: string): RestoredRun {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(runId)) throw new UsageError(`'${runId}' is not a run id`, undefined, runId);
  try {
    return restoreRun(new FileJournalStore(root), runId);
  } catch (err) {
    if (err instanceof ConstellationError && err.code === 'unknown_run') {
      const runs = knownRuns(root);
      const hint = runs.length > 0 ? `runs in ${root}: ${runs.slice(0, 5).join(', ')}${runs.length > 5 ? ', …' : ''}` : `no runs in ${root}; pass --journal DIR if the run was written elsewhere`;
      throw new UsageError(`no run '${runId}' in ${root}`, hint, runId);
    }
    if (err instanceof InvalidInputError || err instanceof ConstellationError) throw err;
    throw fileProblem(runPaths(root, runId).snapshot, 'corrupt_journal', err instanceof Error ? err.message : String(err));
  }
}

/** Run ids under a journal root, newest first (run ids sort by their start time). */
function knownRuns(root: string): string[] {
  return new FileJournalStore(root).runIds().sort().reverse();
}

/** A run that already ended is not run again: say so, show its outcome, exit with its code. */
function alreadyEnded(restored: RestoredRun, end: RunEnd, dir: string, json: boolean, io: CliIo): number {
  const report = buildReport(restored.runId, restored.constellation, end.state, end.reason, new MetricsRecorder().summary(end.durationMs, 0), restored.state.agent);
  io.err.write(`constellation: run ${restored.runId} already ended (${end.state}); nothing to resume\n`);
  if (json) io.out.write(`${JSON.stringify(toJsonReport(report, dir), null, 2)}\n`);
  else {
    const style = makeStyle(colourWanted(io.out, io.env));
    io.out.write(renderSummary(report, restored.constellation, { style, width: io.out.isTTY && io.out.columns ? io.out.columns - 1 : undefined, journalDir: dir }));
  }
  return exitCodeOf(end.state);
}
