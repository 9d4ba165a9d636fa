import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs, expectPositionals } from '../args';
import { DEFAULT_DEVICES, openDevices, parseDeviceOption, requestedIds } from '../device-spec';
import type { CliIo } from '../io';
import { packageVersion } from '../io';
import { loadPlan, pinnedDevices } from '../plan-loader';
import { newRunMeta } from '../../runtime/run-meta';
import { runSession, stderrLogger } from '../run-session';
import { commandInfo } from '../usage';
import { editOptionsWithoutEdits, loadEditSource, readRunOptions } from './run-options';

/** `constellation run <plan>`: checks everything first (exit 2), then runs (exit 0 or 1). */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, commandInfo('run')!.options, 'run');
  const [planFile] = expectPositionals(args, ['plan'], 'run') as [string];
  const options = readRunOptions(args, io);
  const devicesText = options.devices ?? DEFAULT_DEVICES;
  const request = parseDeviceOption(devicesText, io.cwd);
  const constellation = loadPlan(planFile, io, requestedIds(request));
  const editsShown = args.values.get('edits');
  const editSource = options.edits !== undefined ? loadEditSource(options.edits, editsShown ?? options.edits, constellation.taskIds()) : undefined;
  for (const flag of editOptionsWithoutEdits(options)) io.err.write(`constellation: note: ${flag} has no effect without --edits\n`);

  const orchestratorId = randomUUID();
  const meta = newRunMeta({
    orchestratorId,
    cli: packageVersion(),
    plan: path.resolve(io.cwd, planFile),
    constellationId: constellation.id,
    devices: devicesText,
    strategy: options.strategy,
    edits: options.edits,
    lockScope: options.lockScope,
    editTimeoutMs: options.editTimeoutMs,
    maxConcurrent: options.maxConcurrent,
  });
  const logger = stderrLogger(io);
  return runSession(
    {
      logger,
      constellation,
      devices: await openDevices(request, logger, { pinned: pinnedDevices(constellation), orchestratorId }),
      strategy: options.strategy,
      editSource,
      lockScope: options.lockScope,
      editTimeoutMs: options.editTimeoutMs,
      maxConcurrent: options.maxConcurrent,
      journal: options.journal !== undefined ? { root: options.journal, meta } : undefined,
      json: options.json,
      quiet: options.quiet,
      resumed: false,
    },
    io,
  );
}
