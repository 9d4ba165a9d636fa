import { TaskReferenceError } from './errors';
import type { Part, TaskReference } from './references';
import { quoteAt, ShellScanner, type ShellDialect } from './shell-words';

/**
 * Resolves the references of a shell command line: each value becomes one quoted word for
 * where it stands in the line (see ./shell-words).
 *
 * @throws TaskReferenceError naming the reference when its value cannot stand there as data.
 */
export function resolveCommandLine(parts: readonly Part[], location: string, valueOf: (ref: TaskReference) => string, dialect: ShellDialect): string {
  const scanner = new ShellScanner(dialect);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      scanner.feed(part.text);
      out += part.text;
      continue;
    }
    const quoted = quoteAt(valueOf(part.ref), scanner.context, dialect);
    if (!quoted.ok) throw new TaskReferenceError(`${location}: ${part.ref.text} cannot be put in the command: ${quoted.reason}`, location);
    out += quoted.text;
  }
  return out;
}

/** References of a command line that no value could stand in as data (checked when a plan is loaded or edited). */
export function commandLineProblems(parts: readonly Part[]): TaskReference[] {
  const scanner = new ShellScanner('posix');
  const bad: TaskReference[] = [];
  for (const part of parts) {
    if (part.kind === 'text') scanner.feed(part.text);
    else if (scanner.context === 'substitution') bad.push(part.ref);
  }
  return bad;
}
