/**
 * A value substituted into a shell command line is data, never code: it becomes one quoted word
 * of the shell that runs the line (`/bin/sh` on Unix, `cmd.exe` on Windows), quoted for where
 * the reference stands in the line. A reference inside a command substitution (`$(…)`,
 * backticks) or a parameter expansion (`${…}`) cannot be kept data by any quoting there and is
 * refused, as is a value `cmd.exe` cannot take as data.
 */

/** The shell a device runs command lines with. */
export type ShellDialect = 'posix' | 'cmd';

/** Where a point of a command line stands: unquoted, inside '…' or "…", or inside a substitution. */
export type ShellContext = 'plain' | 'single' | 'double' | 'substitution';

type Frame = 'plain' | 'single' | 'double' | 'subst' | 'paren' | 'backtick' | 'param';

/**
 * Follows the quoting state of a command line as its literal parts are read in order, so the
 * context of each reference between them is known.
 */
export class ShellScanner {
  private readonly stack: Frame[] = ['plain'];
  private escaped = false;

  constructor(private readonly dialect: ShellDialect = 'posix') {}

  /** Reads literal text (what stands between references). */
  feed(text: string): void {
    if (this.dialect === 'cmd') return this.feedCmd(text);
    for (let i = 0; i < text.length; i++) {
      const c = text.charAt(i);
      const next = text.charAt(i + 1);
      const top = this.stack[this.stack.length - 1]!;
      if (this.escaped) {
        this.escaped = false;
        continue;
      }
      if (top === 'single') {
        if (c === "'") this.stack.pop();
        continue;
      }
      if (c === '\\') {
        this.escaped = true;
        continue;
      }
      if (top === 'double') {
        if (c === '"') this.stack.pop();
        else if (c === '`') this.stack.push('backtick');
        else if (c === '$' && (next === '(' || next === '{')) {
          this.stack.push(next === '(' ? 'subst' : 'param');
          i++;
        }
        continue;
      }
      if (c === "'") this.stack.push('single');
      else if (c === '"') this.stack.push('double');
      else if (c === '`') {
        if (top === 'backtick') this.stack.pop();
        else this.stack.push('backtick');
      } else if (c === '$' && (next === '(' || next === '{')) {
        this.stack.push(next === '(' ? 'subst' : 'param');
        i++;
      } else if (c === '(' && (top === 'subst' || top === 'paren')) this.stack.push('paren');
      else if (c === ')' && (top === 'subst' || top === 'paren')) this.stack.pop();
      else if (c === '}' && top === 'param') this.stack.pop();
    }
  }

  private feedCmd(text: string): void {
    for (const c of text) {
      const top = this.stack[this.stack.length - 1]!;
      if (this.escaped) {
        this.escaped = false;
        continue;
      }
      if (top === 'double') {
        if (c === '"') this.stack.pop();
        continue;
      }
      if (c === '^') this.escaped = true;
      else if (c === '"') this.stack.push('double');
    }
  }

  /** The context of the point reached so far. */
  get context(): ShellContext {
    if (this.stack.some((f) => f === 'subst' || f === 'paren' || f === 'backtick' || f === 'param')) return 'substitution';
    const top = this.stack[this.stack.length - 1]!;
    return top === 'single' ? 'single' : top === 'double' ? 'double' : 'plain';
  }
}

/** Quoted for its context, or why it cannot be. */
export type Quoted = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** A value as one word of data at a point of a command line in `context`. */
export function quoteAt(value: string, context: ShellContext, dialect: ShellDialect): Quoted {
  if (context === 'substitution') return { ok: false, reason: 'it stands inside a command substitution or parameter expansion ($(…), `…`, ${…}), where no quoting keeps it data; move it out of there' };
  if (value.includes('\u0000')) return { ok: false, reason: 'the value contains a NUL character, which no command line can carry' };
  if (dialect === 'cmd') return quoteCmd(value, context);
  if (context === 'plain') return { ok: true, text: `'${value.replace(/'/g, `'\\''`)}'` };
  if (context === 'single') return { ok: true, text: value.replace(/'/g, `'\\''`) };
  return { ok: true, text: value.replace(/[\\$`"]/g, '\\$&') };
}

function quoteCmd(value: string, context: ShellContext): Quoted {
  const bad = /["%!\r\n]/.exec(value);
  if (bad) {
    const what = bad[0] === '\r' || bad[0] === '\n' ? 'a line break' : `'${bad[0]}'`;
    return { ok: false, reason: `the value contains ${what}, which cmd.exe cannot take as data in a command line; pass it in the argv form (an array) instead` };
  }
  if (context !== 'plain') return { ok: false, reason: 'on cmd.exe a reference must stand outside quotes: it is quoted for you' };
  // A trailing backslash would escape the closing quote for the program's own argument parser.
  return { ok: true, text: `"${value.replace(/(\\+)$/, '$1$1')}"` };
}
