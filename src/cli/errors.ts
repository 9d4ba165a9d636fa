import { ConstellationError, InvalidInputError, formatProblems, type Problem } from '../core/model/errors';
import type { CliIo } from './io';

/** Exit codes of every command. */
/** Exit codes of every command; `detached`: SIGTERM or SIGHUP let go of the run, to be resumed. */
export const EXIT = { ok: 0, runFailed: 1, invalidInput: 2, detached: 3, interrupted: 130 } as const;

/** A bad command line: unknown command or option, missing or malformed value. */
export class UsageError extends Error {
  readonly code = 'usage';

  constructor(
    message: string,
    /** What to do instead, shown on the next line. */
    readonly hint?: string,
    /** The offending argument, e.g. `--strategy`. */
    readonly argument?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Invalid input with advice on what to do about it. */
export class HintedInputError extends InvalidInputError {
  constructor(
    problems: readonly Problem[],
    source: string | undefined,
    readonly hint: string,
  ) {
    super(problems, source);
  }
}

/** A problem as printed by `--json`: always with a `path`, plus the file it is in. */
export interface JsonProblem {
  readonly code: string;
  readonly message: string;
  readonly path: string;
  readonly file?: string;
}

/** Problems of an error the CLI reports as invalid input (exit 2), or undefined for anything else. */
export function problemsOf(err: unknown): JsonProblem[] | undefined {
  if (err instanceof UsageError) {
    const message = err.hint ? `${err.message} (${err.hint})` : err.message;
    return [{ code: err.code, message, path: err.argument ?? '(command line)' }];
  }
  if (err instanceof InvalidInputError) {
    return err.problems.map((p) => withFile({ code: p.code, message: p.message, path: p.path ?? '(root)' }, err.source));
  }
  if (err instanceof ConstellationError) return [{ code: err.code, message: err.message, path: '(root)' }];
  return undefined;
}

function withFile(p: JsonProblem, file: string | undefined): JsonProblem {
  return file === undefined ? p : { ...p, file };
}

/**
 * Prints an error the way the user asked for (readable lines on stderr, or a JSON array of
 * problems on stdout with `--json`) and returns the exit code: 2 for invalid input, 1 for an
 * unexpected failure (printed with its stack, which is a bug to report).
 */
export function reportError(err: unknown, io: CliIo, json: boolean): number {
  const problems = problemsOf(err);
  if (problems === undefined) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.err.write(`constellation: internal error: ${text}\n`);
    return EXIT.runFailed;
  }
  if (json) {
    io.out.write(`${JSON.stringify(problems, null, 2)}\n`);
    return EXIT.invalidInput;
  }
  if (err instanceof UsageError) {
    io.err.write(`constellation: ${err.message}\n`);
    if (err.hint) io.err.write(`  ${err.hint}\n`);
  } else if (err instanceof InvalidInputError) {
    const n = err.problems.length;
    io.err.write(`${formatProblems(err.problems, err.source)}\n`);
    if (n > 1) io.err.write(`${n} problems\n`);
    if (err instanceof HintedInputError) io.err.write(`  ${err.hint}\n`);
  } else {
    io.err.write(`constellation: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return EXIT.invalidInput;
}

/** An invalid-input error about a whole file (unreadable, wrong kind), located at the file. */
export function fileProblem(file: string, code: string, message: string): InvalidInputError {
  const problem: Problem = { code, message };
  return new InvalidInputError([problem], file);
}
