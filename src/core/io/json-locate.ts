/**
 * Finds where JSON text first goes wrong, for the syntax errors whose `JSON.parse` message
 * carries no position (Node 20 says only `Unexpected token 'x', "…" is not valid JSON`).
 * A validating scanner with an explicit stack, so hostile nesting cannot overflow the call stack.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | undefined {
  const s = new Scanner(text);
  return s.run();
}

const WS = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

/** What the scanner expects next inside a container. */
type Expect = 'value' | 'key' | 'colon' | 'comma-or-close';

class Scanner {
  private i = 0;
  /** Open containers: `{` or `[`. */
  private readonly stack: string[] = [];

  constructor(private readonly t: string) {}

  run(): { offset: number; reason: string } | undefined {
    let expect: Expect = 'value';
    for (;;) {
      this.skipWs();
      const ch = this.t[this.i];
      const top = this.stack.at(-1);
      if (ch === undefined) {
        return this.stack.length === 0 && expect === 'comma-or-close' ? undefined : this.fail('unexpected end of input');
      }
      if (expect === 'comma-or-close') {
        if (top === undefined) return this.fail(`unexpected '${ch}' after the end of the document`);
        const close = top === '{' ? '}' : ']';
        if (ch === ',') {
          this.i++;
          expect = top === '{' ? 'key' : 'value';
        } else if (ch === close) {
          this.i++;
          this.stack.pop();
        } else return this.fail(`expected ',' or '${close}' but found '${ch}'`);
        continue;
      }
      if (expect === 'colon') {
        if (ch !== ':') return this.fail(`expected ':' after a property name but found '${ch}'`);
        this.i++;
        expect = 'value';
        continue;
      }
      if (expect === 'key') {
        if (ch === '}' && this.t[this.lastNonWs()] === '{') {
          this.i++;
          this.stack.pop();
          expect = 'comma-or-close';
          continue;
        }
        if (ch !== '"') return this.fail(`expected a double-quoted property name but found '${ch}'`);
        const bad = this.string();
        if (bad) return bad;
        expect = 'colon';
        continue;
      }
      // expect === 'value'
      if (ch === ']' && top === '[' && this.t[this.lastNonWs()] === '[') {
        this.i++;
        this.stack.pop();
        expect = 'comma-or-close';
      } else if (ch === '{' || ch === '[') {
        this.stack.push(ch);
        this.i++;
        expect = ch === '{' ? 'key' : 'value';
      } else if (ch === '"') {
        const bad = this.string();
        if (bad) return bad;
        expect = 'comma-or-close';
      } else {
        const bad = this.scalar(ch);
        if (bad) return bad;
        expect = 'comma-or-close';
      }
    }
  }

  private skipWs(): void {
    while (this.i < this.t.length && WS.has(this.t[this.i]!)) this.i++;
  }

  /** Offset of the last non-whitespace character before the cursor. */
  private lastNonWs(): number {
    let j = this.i - 1;
    while (j >= 0 && WS.has(this.t[j]!)) j--;
    return j;
  }

  private string(): { offset: number; reason: string } | undefined {
    STRING_BODY.lastIndex = this.i + 1;
    STRING_BODY.exec(this.t);
    const end = STRING_BODY.lastIndex;
    const next = this.t[end];
    if (next === '"') {
      this.i = end + 1;
      return undefined;
    }
    this.i = end;
    if (next === undefined) return this.fail('unterminated string');
    if (next === '\\') return this.fail('invalid escape in a string');
    return this.fail('control character in a string (escape it)');
  }

  private scalar(ch: string): { offset: number; reason: string } | undefined {
    for (const lit of LITERALS) {
      if (this.t.startsWith(lit, this.i)) {
        this.i += lit.length;
        return undefined;
      }
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = this.i;
      if (NUMBER.exec(this.t)) {
        this.i = NUMBER.lastIndex;
        return undefined;
      }
      return this.fail('invalid number');
    }
    if (ch === "'") return this.fail("strings must use double quotes, not '");
    return this.fail(`unexpected '${ch}' where a value was expected`);
  }

  private fail(reason: string): { offset: number; reason: string } {
    return { offset: this.i, reason };
  }
}
