import { InvalidInputError, formatProblems } from '../../core/model/errors';
import { expectPositionals, parseArgs } from '../args';
import { parseDeviceOption, requestedIds } from '../device-spec';
import { EXIT, HintedInputError, problemsOf } from '../errors';
import type { CliIo } from '../io';
import { loadPlan } from '../plan-loader';
import { commandInfo } from '../usage';

/**
 * `constellation validate <plan>`: every problem on stdout as `file: path: message [code]`
 * (they are this command's output, not a failure of it), exit 2; or `ok: …`, exit 0.
 */
export function validateCommand(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, commandInfo('validate')!.options, 'validate');
  const [planFile] = expectPositionals(args, ['plan'], 'validate') as [string];
  const json = args.flags.has('json');
  const devicesText = args.values.get('devices');
  const ids = devicesText !== undefined ? requestedIds(parseDeviceOption(devicesText, io.cwd)) : undefined;
  try {
    const c = loadPlan(planFile, io, ids);
    const deps = [...c.dependencies()].length;
    if (json) io.out.write(`${JSON.stringify({ ok: true, tasks: c.size, dependencies: deps })}\n`);
    else io.out.write(`ok: ${c.size} tasks, ${deps} dependencies\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    if (json) io.out.write(`${JSON.stringify(problemsOf(err), null, 2)}\n`);
    else {
      io.out.write(`${formatProblems(err.problems, err.source)}\n`);
      if (err instanceof HintedInputError) io.out.write(`  ${err.hint}\n`);
      if (err.problems.length > 1) io.out.write(`${err.problems.length} problems\n`);
    }
    return EXIT.invalidInput;
  }
}
