import { parseJsonText } from '../../core/io/json-text';
import { parsePlanText, planFromJson } from '../../core/io/plan-file';
import { describeExtras, EXTRAS_KEY, type ReferenceExtras } from '../../core/io/reference-extras';
import { exportReference, importReference } from '../../core/io/reference-format';
import { InvalidInputError } from '../../core/model/errors';
import { expectPositionals, parseArgs } from '../args';
import { EXIT } from '../errors';
import { readTextFile, writeOutput, type CliIo } from '../io';
import { commandInfo } from '../usage';

/** `constellation import <reference.json>`: the reference's JSON to a checked native plan. */
export function importCommand(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, commandInfo('import')!.options, 'import');
  const [file] = expectPositionals(args, ['reference.json'], 'import') as [string];
  const parsed = parseJsonText(readTextFile(file, io.cwd));
  if ('problem' in parsed) throw new InvalidInputError([parsed.problem], file);
  const plan = importReference(parsed.value, file);
  // The converted plan must also be a valid plan (endpoints, cycles, conditions, references).
  planFromJson(plan, { source: `${file} (converted)` });
  writeOutput(io, JSON.stringify(plan, null, 2), args.values.get('output'));
  return EXIT.ok;
}

/** `constellation export <plan>`: a native plan to the reference's `to_dict` JSON. */
export function exportCommand(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, commandInfo('export')!.options, 'export');
  const [file] = expectPositionals(args, ['plan'], 'export') as [string];
  const c = parsePlanText(readTextFile(file, io.cwd), { source: file });
  const doc = exportReference(c, new Date(), { aipInputs: args.flags.has('aip-inputs') });
  writeOutput(io, JSON.stringify(doc, null, 2), args.values.get('output'));
  const carried = describeExtras((doc.metadata as Record<string, unknown>)[EXTRAS_KEY] as ReferenceExtras | undefined);
  if (carried.length > 0) {
    io.err.write(`constellation: note: the reference's format has no field for ${carried.join(', ')}; they travel under metadata.${EXTRAS_KEY}, which the reference ignores and 'constellation import' reads back\n`);
  }
  return EXIT.ok;
}
