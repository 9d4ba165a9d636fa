import * as path from 'node:path';
import { ASSIGNMENT_STRATEGIES, type AssignmentStrategy } from '../../core/orchestrator/assignment';
import type { LockScope } from '../../core/orchestrator/edit-source';
import { choiceOption, intOption, type ParsedArgs } from '../args';
import type { CliIo } from '../io';
import { readTextFile } from '../io';
import { parseEditScript, ScriptedEditSource } from '../scripted-edits';

export const LOCK_SCOPES: readonly LockScope[] = ['all', 'downstream'];

/** The options `run` and `resume` share, checked. Paths are absolute. */
export interface RunOptions {
  readonly devices?: string | undefined;
  readonly strategy?: AssignmentStrategy | undefined;
  readonly journal?: string | undefined;
  readonly edits?: string | undefined;
  readonly lockScope?: LockScope | undefined;
  readonly editTimeoutMs?: number | undefined;
  readonly maxConcurrent?: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

export function readRunOptions(args: ParsedArgs, io: CliIo): RunOptions {
  const abs = (name: string) => {
    const v = args.values.get(name);
    return v === undefined ? undefined : path.resolve(io.cwd, v);
  };
  return {
    devices: args.values.get('devices'),
    strategy: choiceOption(args, 'strategy', ASSIGNMENT_STRATEGIES),
    journal: abs('journal'),
    edits: abs('edits'),
    lockScope: choiceOption(args, 'lock-scope', LOCK_SCOPES),
    editTimeoutMs: intOption(args, 'edit-timeout', 1, 86_400_000),
    maxConcurrent: intOption(args, 'max-concurrent', 1, 1_000_000),
    json: args.flags.has('json'),
    quiet: args.flags.has('quiet'),
  };
}

/** Options that only matter with an edit source, named if given without one. */
export function editOptionsWithoutEdits(o: RunOptions): string[] {
  if (o.edits !== undefined) return [];
  return [o.lockScope !== undefined ? '--lock-scope' : '', o.editTimeoutMs !== undefined ? '--edit-timeout' : ''].filter(Boolean);
}

/** Loads a scripted edit source; `shownAs` is how the file is named in messages. */
export function loadEditSource(file: string, shownAs: string, taskIds: Iterable<string>): ScriptedEditSource {
  return new ScriptedEditSource(parseEditScript(readTextFile(file, undefined, shownAs), shownAs, new Set(taskIds)));
}
