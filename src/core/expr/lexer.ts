import { escapeFor } from './access';
import { ExpressionError } from './errors';

export { ExpressionError };

/** Longest source accepted; conditions are one-liners, so anything longer is a mistake or an attack. */
export const MAX_SOURCE_LENGTH = 2000;

/** Operators and delimiters the language knows. */
export type Punctuator =
  | '(' | ')' | '[' | ']' | '.' | ',' | '!' | '-' | '+' | '*' | '/' | '%'
  | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

/** One lexical unit; `text` is the raw source slice, used verbatim in error messages. */
export type Token =
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string; readonly text: string; readonly pos: number }
  | { readonly kind: 'identifier'; readonly value: string; readonly text: string; readonly pos: number }
  | { readonly kind: 'punct'; readonly value: Punctuator; readonly text: string; readonly pos: number }
  | { readonly kind: 'eof'; readonly text: ''; readonly pos: number };

const TWO_CHAR: ReadonlySet<string> = new Set(['<=', '>=', '==', '!=', '&&', '||']);
const ONE_CHAR: ReadonlySet<string> = new Set(['(', ')', '[', ']', '.', ',', '!', '-', '+', '*', '/', '%', '<', '>']);

// A lone '=', '&' or '|' is almost always a typo for the doubled operator, so say so.
const LONE_HINTS: Readonly<Record<string, string>> = { '=': "expected '=='", '&': "expected '&&'", '|': "expected '||'" };

const NUMBER_RE = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENTIFIER_RE = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const WHITESPACE_RE = /\s/;

/**
 * Splits `source` into tokens, ending with a single `eof` token.
 *
 * @throws ExpressionError when the source is too long, a string is unterminated or uses an
 *   unknown escape, or a character belongs to no token.
 */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(
      `Expression too long at ${MAX_SOURCE_LENGTH}: at most ${MAX_SOURCE_LENGTH} characters are allowed, got ${source.length}`,
      MAX_SOURCE_LENGTH,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (WHITESPACE_RE.test(ch)) {
      i++;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      NUMBER_RE.lastIndex = i;
      const text = NUMBER_RE.exec(source)?.[0] ?? ch;
      tokens.push({ kind: 'number', value: Number(text), text, pos: i });
      i += text.length;
      continue;
    }
    IDENTIFIER_RE.lastIndex = i;
    const word = IDENTIFIER_RE.exec(source)?.[0];
    if (word !== undefined) {
      tokens.push({ kind: 'identifier', value: word, text: word, pos: i });
      i += word.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const token = readString(source, i);
      tokens.push(token);
      i += token.text.length;
      continue;
    }
    const pair = source.slice(i, i + 2);
    if (TWO_CHAR.has(pair)) {
      if ((pair === '==' || pair === '!=') && source.charAt(i + 2) === '=') {
        throw new ExpressionError(
          `Unexpected character '=' at ${i + 2}: use '${pair}' (equality is already strict)`,
          i + 2,
        );
      }
      tokens.push({ kind: 'punct', value: pair as Punctuator, text: pair, pos: i });
      i += 2;
      continue;
    }
    if (ONE_CHAR.has(ch)) {
      tokens.push({ kind: 'punct', value: ch as Punctuator, text: ch, pos: i });
      i++;
      continue;
    }
    const hint = LONE_HINTS[ch];
    throw new ExpressionError(`Unexpected character '${ch}' at ${i}${hint ? `: ${hint}` : ''}`, i);
  }
  tokens.push({ kind: 'eof', text: '', pos: source.length });
  return tokens;
}

function readString(source: string, start: number): Token {
  const quote = source.charAt(start);
  let value = '';
  let j = start + 1;
  for (;;) {
    if (j >= source.length) throw new ExpressionError(`Unterminated string at ${start}`, start);
    const c = source.charAt(j);
    if (c === quote) break;
    if (c === '\\') {
      if (j + 1 >= source.length) throw new ExpressionError(`Unterminated string at ${start}`, start);
      const escaped = source.charAt(j + 1);
      const replacement = escapeFor(escaped);
      if (replacement === undefined) {
        throw new ExpressionError(
          `Invalid escape '\\${escaped}' at ${j}: expected one of \\n \\t \\" \\' \\\\`,
          j,
        );
      }
      value += replacement;
      j += 2;
      continue;
    }
    value += c;
    j++;
  }
  return { kind: 'string', value, text: source.slice(start, j + 1), pos: start };
}
