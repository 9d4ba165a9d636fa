import { escapeFor, isPlainObject, ownDataValue, readOwn } from './access';
import { resolveCommandLine } from './command-line';
import { TaskReferenceError } from './errors';
import type { ShellDialect } from './shell-words';

export { TaskReferenceError };

/**
 * Data references between tasks: `${tasks.<id>.result…}` and `${tasks.<id>.status}` inside a
 * task's description, tips and input values, found before a run and replaced at dispatch time.
 * `$${` stands for a literal `${`.
 */

/** One `${tasks…}` reference and where it was written. */
export interface TaskReference {
  /** Id of the upstream task. */
  readonly taskId: string;
  /** Which part of the upstream task is read. */
  readonly field: 'result' | 'status';
  /** Keys and indices into the result; always empty for `status`. */
  readonly path: readonly (string | number)[];
  /** The whole `${...}` text as written. */
  readonly text: string;
  /** Where it was found: `description`, `tips[1]`, `inputs.args[2]`, `inputs["a b"]`, … */
  readonly location: string;
}

/** The task fields that may contain references. */
export interface ReferenceFields {
  description?: string | undefined;
  tips?: readonly string[] | undefined;
  inputs?: unknown;
}

/** Where resolution reads upstream tasks from. */
export interface ResolvedValueSource {
  getTask(id: string): { status: string; result?: unknown } | undefined;
}

/**
 * Lists every reference in the description, then the tips, then input values (keys are not
 * scanned), in document order.
 *
 * @throws TaskReferenceError on text starting with `${tasks` that is not a well-formed reference.
 */
export function findReferences(fields: ReferenceFields): TaskReference[] {
  const found: TaskReference[] = [];
  const collect = (value: string, location: string): void => {
    for (const part of scanTemplate(value, location)) if (part.kind === 'ref') found.push(part.ref);
  };
  if (typeof fields.description === 'string') collect(fields.description, 'description');
  fields.tips?.forEach((tip, i) => {
    if (typeof tip === 'string') collect(tip, formatLocation('tips', [i]));
  });
  copyDeep(fields.inputs, (value, path) => collect(value, formatLocation('inputs', path)));
  return found;
}

/**
 * Whether the fields contain anything that reads like a reference (`${tasks`), well-formed or
 * not: the cheap test that decides whether a task needs resolving at dispatch and re-checking
 * after an edit. Walks the values (never their keys) without building text.
 */
export function hasReferences(fields: ReferenceFields): boolean {
  if (typeof fields.description === 'string' && fields.description.includes(OPENER)) return true;
  if (fields.tips?.some((t) => typeof t === 'string' && t.includes(OPENER))) return true;
  const inputs = fields.inputs;
  if (typeof inputs === 'string') return inputs.includes(OPENER);
  if (typeof inputs !== 'object' || inputs === null) return false; // most tasks: nothing to walk
  const stack: unknown[] = [inputs];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes(OPENER)) return true;
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (isPlainObject(v)) for (const key of Object.keys(v)) stack.push(ownDataValue(v, key));
  }
  return false;
}

/**
 * Returns a deep copy of `fields` with every reference replaced. In `inputs` a string that is
 * exactly one reference becomes the referenced value itself (deep-copied); everywhere else a
 * reference becomes text: strings as-is, `undefined` as `""`, anything else as JSON.
 *
 * @throws TaskReferenceError on a malformed reference or one naming a task `source` does not know.
 */
export function resolveReferences<T extends ReferenceFields>(fields: T, source: ResolvedValueSource, options: { readonly shell?: ShellDialect | undefined } = {}): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    let value: unknown;
    if (key === 'description' && typeof fields.description === 'string') {
      value = joinParts(scanTemplate(fields.description, 'description'), source);
    } else if (key === 'tips' && fields.tips !== undefined) {
      value = fields.tips.map((tip, i) =>
        typeof tip === 'string' ? joinParts(scanTemplate(tip, formatLocation('tips', [i])), source) : tip,
      );
    } else if (key === 'inputs') {
      value = copyDeep(fields.inputs, (text, path) => {
        const location = formatLocation('inputs', path);
        const parts = scanTemplate(text, location);
        // The shell executor's command: a line for the shell (each value one quoted word), or argv (each element text).
        if (path[0] === 'command' && path.length === 1) return resolveCommandLine(parts, location, (ref) => toText(lookup(ref, source), ref), options.shell ?? 'posix');
        if (path[0] === 'command' && path.length === 2 && typeof path[1] === 'number') return joinParts(parts, source);
        const only = parts.length === 1 ? parts[0] : undefined;
        if (only?.kind === 'ref') return copyDeep(lookup(only.ref, source));
        return joinParts(parts, source);
      });
    } else {
      value = copyDeep(ownDataValue(fields, key));
    }
    defineData(out, key, value);
  }
  return out as T;
}

/** Literal text (escapes undone) or a reference, in the order they stand. */
export type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'ref'; readonly ref: TaskReference };

const OPENER = '${tasks';
const ID_RE = /[A-Za-z0-9_-]+/y;
// 15 digits keep every index a safe integer.
const DIGITS_RE = /\d{1,15}/y;
const IDENTIFIER_KEY_RE = /^[A-Za-z_$][\w$]*$/;

function joinParts(parts: readonly Part[], source: ResolvedValueSource): string {
  return parts.map((part) => (part.kind === 'text' ? part.text : toText(lookup(part.ref, source), part.ref))).join('');
}

/** Splits `value` into literal text (escapes already undone) and references. */
export function scanTemplate(value: string, location: string): Part[] {
  // Escapes first, so the `${tasks` inside `$${tasks` is never taken for a reference.
  const special = /\$\$\{|\$\{tasks/g;
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  for (let m = special.exec(value); m !== null; m = special.exec(value)) {
    text += value.slice(i, m.index);
    if (m[0] === '$${') {
      text += '${';
      i = m.index + 3;
      continue;
    }
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    const reader = new ReferenceReader(value, m.index, location);
    parts.push({ kind: 'ref', ref: reader.read() });
    i = special.lastIndex = reader.pos;
  }
  text += value.slice(i);
  if (text !== '') parts.push({ kind: 'text', text });
  return parts;
}

/** Parses one reference starting at `${tasks`; `pos` ends just past its closing `}`. */
class ReferenceReader {
  pos: number;

  constructor(
    private readonly value: string,
    private readonly start: number,
    private readonly location: string,
  ) {
    this.pos = start + OPENER.length;
  }

  read(): TaskReference {
    let taskId: string;
    if (this.accept('.')) taskId = this.match(ID_RE, 'a task id');
    else if (this.accept('[')) {
      const at = this.pos;
      taskId = this.quoted('a quoted task id');
      if (taskId === '') this.fail('a non-empty task id', at);
      this.expect(']');
    } else this.fail("'.' or '[' after 'tasks'");
    this.expect('.');
    const fieldAt = this.pos;
    const field = this.match(ID_RE, "'result' or 'status'");
    if (field !== 'result' && field !== 'status') this.fail("'result' or 'status'", fieldAt, field);
    const path: (string | number)[] = [];
    if (field === 'status') {
      this.expect('}', "'}' (a status has no path)");
    } else {
      while (!this.accept('}')) {
        if (this.accept('.')) path.push(this.match(ID_RE, 'a property name'));
        else if (this.accept('[')) {
          const quoted = this.peek() === '"' || this.peek() === "'";
          path.push(quoted ? this.quoted('a quoted key') : Number(this.match(DIGITS_RE, 'an index or a quoted key')));
          this.expect(']');
        } else this.fail("'.', '[' or '}'");
      }
    }
    const text = this.value.slice(this.start, this.pos);
    return { taskId, field, path, text, location: this.location };
  }

  private quoted(expected: string): string {
    const quote = this.peek();
    if (quote !== '"' && quote !== "'") this.fail(expected);
    let out = '';
    for (this.pos++; this.peek() !== quote; ) {
      if (this.pos >= this.value.length) this.fail(`a closing ${quote}`);
      if (this.peek() !== '\\') out += this.value.charAt(this.pos++);
      else {
        const escaped = this.value.charAt(++this.pos);
        if (this.pos >= this.value.length) this.fail(`a closing ${quote}`);
        const replacement = escapeFor(escaped);
        if (replacement === undefined) this.fail('one of \\n \\t \\" \\\' \\\\');
        out += replacement;
        this.pos++;
      }
    }
    this.pos++;
    return out;
  }

  private peek(): string {
    return this.value.charAt(this.pos);
  }

  private accept(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  private expect(c: string, expected = `'${c}'`): void {
    if (!this.accept(c)) this.fail(expected);
  }

  private match(re: RegExp, expected: string): string {
    re.lastIndex = this.pos;
    const text = re.exec(this.value)?.[0];
    if (text === undefined) this.fail(expected);
    this.pos += text.length;
    return text;
  }

  private fail(expected: string, at = this.pos, found?: string): never {
    const snippet = this.value.slice(this.start, this.start + 60);
    const problem = at >= this.value.length
      ? `unterminated reference '${snippet}' at ${this.start}: expected ${expected}`
      : `malformed reference '${snippet}' at ${at}: expected ${expected}, found '${found ?? this.value.charAt(at)}'`;
    throw new TaskReferenceError(`${this.location}: ${problem}`, this.location);
  }
}

function lookup(ref: TaskReference, source: ResolvedValueSource): unknown {
  const task = source.getTask(ref.taskId);
  if (task === undefined) {
    throw new TaskReferenceError(`${ref.location}: unknown task '${ref.taskId}' in ${ref.text}`, ref.location);
  }
  if (ref.field === 'status') return task.status;
  let current: unknown = task.result;
  for (const key of ref.path) {
    current = readOwn(current, String(key));
    if (current === undefined) return undefined;
  }
  return current;
}

function toText(value: unknown, ref: TaskReference): string {
  if (typeof value === 'string') return value;
  try {
    // JSON.stringify gives undefined for undefined and functions; both read as "".
    const json: string | undefined = JSON.stringify(value);
    return json ?? '';
  } catch (err) {
    // Cycles and BigInts cannot be rendered; say which reference produced them.
    const reason = err instanceof Error ? err.message : String(err);
    const message = `${ref.location}: the value of ${ref.text} cannot be converted to text: ${reason}`;
    throw new TaskReferenceError(message, ref.location);
  }
}

type StringVisitor = (value: string, path: readonly (string | number)[]) => unknown;

/**
 * Copies arrays and plain objects recursively, passing each string value (never a key) through
 * `onString` when given. `seen` reproduces shared and cyclic structure instead of looping.
 */
function copyDeep(
  value: unknown,
  onString?: StringVisitor,
  path: (string | number)[] = [],
  seen = new Map<object, unknown>(),
): unknown {
  if (typeof value === 'string') return onString === undefined ? value : onString(value, path);
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) return seen.get(value);
  const visit = (item: unknown, key: string | number): unknown => {
    path.push(key);
    const copied = copyDeep(item, onString, path, seen);
    path.pop();
    return copied;
  };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    const items = value as readonly unknown[];
    for (let i = 0; i < items.length; i++) out.push(visit(ownDataValue(items, String(i)), i));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) defineData(out, key, visit(ownDataValue(value, key), key));
  return out;
}

// Plain assignment of a key named `__proto__` would replace the copy's prototype instead of
// creating a property; defining it keeps such keys as inert data.
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Formats a location as `inputs.args[2]` or `inputs["key with spaces"]`. */
function formatLocation(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += IDENTIFIER_KEY_RE.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}
