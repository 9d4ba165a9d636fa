import { ExpressionError, tokenize, type Punctuator, type Token } from './lexer';

/** Deepest nesting of parentheses, brackets, call arguments and prefix operators accepted. */
export const MAX_NESTING_DEPTH = 64;

/** Callable built-ins and how many arguments each takes; nothing else can be called. */
export const BUILTIN_ARITY = {
  len: 1,
  contains: 2,
  startsWith: 2,
  endsWith: 2,
  lower: 1,
  upper: 1,
  number: 1,
} as const;

/** Name of a whitelisted built-in function. */
export type BuiltinName = keyof typeof BUILTIN_ARITY;

/** Property names that would reach into prototypes; never readable, whatever the data says. */
export const FORBIDDEN_PROPERTIES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** Binary operators other than the short-circuiting ones. */
export type BinaryOperator = '*' | '/' | '%' | '+' | '-' | '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Syntax tree of a parsed expression. */
export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'member'; readonly object: ExpressionNode; readonly name: string }
  | { readonly kind: 'index'; readonly object: ExpressionNode; readonly index: ExpressionNode }
  | { readonly kind: 'unary'; readonly op: '!' | '-'; readonly operand: ExpressionNode }
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: ExpressionNode; readonly right: ExpressionNode }
  | { readonly kind: 'logical'; readonly op: '&&' | '||'; readonly left: ExpressionNode; readonly right: ExpressionNode }
  | { readonly kind: 'call'; readonly name: BuiltinName; readonly args: readonly ExpressionNode[] };

const KEYWORDS: Readonly<Record<string, boolean | null>> = { true: true, false: false, null: null };

/**
 * Parses `source` into a syntax tree.
 *
 * @throws ExpressionError naming the offending position and what was expected there.
 */
export function parseExpression(source: string): ExpressionNode {
  return new Parser(tokenize(source)).parseAll();
}

function isBuiltin(name: string): name is BuiltinName {
  // hasOwnProperty, not `in`: `toString(x)` must not slip through as a "known" function.
  return Object.prototype.hasOwnProperty.call(BUILTIN_ARITY, name);
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): ExpressionNode {
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'eof') throw this.unexpected(next, 'an operator or the end of the expression');
    return node;
  }

  private parseOr(): ExpressionNode {
    let left = this.parseAnd();
    while (this.accept('||')) left = { kind: 'logical', op: '||', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): ExpressionNode {
    let left = this.parseEquality();
    while (this.accept('&&')) left = { kind: 'logical', op: '&&', left, right: this.parseEquality() };
    return left;
  }

  private parseEquality(): ExpressionNode {
    return this.parseBinaryLevel(['==', '!='], () => this.parseComparison());
  }

  private parseComparison(): ExpressionNode {
    return this.parseBinaryLevel(['<', '<=', '>', '>='], () => this.parseAdditive());
  }

  private parseAdditive(): ExpressionNode {
    return this.parseBinaryLevel(['+', '-'], () => this.parseMultiplicative());
  }

  private parseMultiplicative(): ExpressionNode {
    return this.parseBinaryLevel(['*', '/', '%'], () => this.parseUnary());
  }

  // Left-associative loop rather than recursion, so long flat chains cannot exhaust the stack.
  private parseBinaryLevel(ops: readonly BinaryOperator[], operand: () => ExpressionNode): ExpressionNode {
    let left = operand();
    for (;;) {
      const next = this.peek();
      if (next.kind !== 'punct' || !(ops as readonly string[]).includes(next.value)) return left;
      this.index++;
      left = { kind: 'binary', op: next.value as BinaryOperator, left, right: operand() };
    }
  }

  private parseUnary(): ExpressionNode {
    const next = this.peek();
    if (next.kind === 'punct' && (next.value === '!' || next.value === '-')) {
      this.index++;
      this.enter(next.pos);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'unary', op: next.value, operand };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): ExpressionNode {
    let node = this.parsePrimary();
    for (;;) {
      const next = this.peek();
      if (next.kind !== 'punct') return node;
      if (next.value === '.') {
        this.index++;
        const name = this.peek();
        if (name.kind !== 'identifier') throw this.unexpected(name, 'a property name');
        if (FORBIDDEN_PROPERTIES.has(name.value)) {
          throw new ExpressionError(`Property '${name.value}' is not accessible at ${name.pos}`, name.pos);
        }
        this.index++;
        node = { kind: 'member', object: node, name: name.value };
      } else if (next.value === '[') {
        this.index++;
        this.enter(next.pos);
        const index = this.parseOr();
        this.expect(']', "']'");
        this.depth--;
        node = { kind: 'index', object: node, index };
      } else if (next.value === '(') {
        throw new ExpressionError(
          `Unexpected token '(' at ${next.pos}: only built-in functions can be called`,
          next.pos,
        );
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): ExpressionNode {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
      case 'string':
        this.index++;
        return { kind: 'literal', value: token.value };
      case 'identifier': {
        this.index++;
        if (Object.prototype.hasOwnProperty.call(KEYWORDS, token.value)) {
          return { kind: 'literal', value: KEYWORDS[token.value] ?? null };
        }
        const after = this.peek();
        if (after.kind === 'punct' && after.value === '(') return this.parseCall(token.value, token.pos);
        return { kind: 'identifier', name: token.value };
      }
      case 'punct':
        if (token.value === '(') {
          this.index++;
          this.enter(token.pos);
          const inner = this.parseOr();
          this.expect(')', "')'");
          this.depth--;
          return inner;
        }
        throw this.unexpected(token, 'an expression');
      case 'eof':
        throw this.unexpected(token, 'an expression');
    }
  }

  private parseCall(name: string, pos: number): ExpressionNode {
    if (!isBuiltin(name)) throw new ExpressionError(`Unknown function '${name}' at ${pos}`, pos);
    const open = this.peek();
    this.index++;
    this.enter(open.pos);
    const args: ExpressionNode[] = [];
    if (!this.accept(')')) {
      for (;;) {
        args.push(this.parseOr());
        if (this.accept(')')) break;
        if (!this.accept(',')) throw this.unexpected(this.peek(), "',' or ')'");
      }
    }
    this.depth--;
    const arity = BUILTIN_ARITY[name];
    if (args.length !== arity) {
      throw new ExpressionError(
        `Function '${name}' at ${pos} expects ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`,
        pos,
      );
    }
    return { kind: 'call', name, args };
  }

  private enter(pos: number): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new ExpressionError(
        `Expression nested too deeply at ${pos}: at most ${MAX_NESTING_DEPTH} levels are allowed`,
        pos,
      );
    }
  }

  private peek(): Token {
    // The token list always ends with 'eof' and the parser never advances past it.
    const token = this.tokens[Math.min(this.index, this.tokens.length - 1)];
    if (token === undefined) throw new ExpressionError('Internal error: empty token stream at 0', 0);
    return token;
  }

  private accept(value: Punctuator): boolean {
    const next = this.peek();
    if (next.kind === 'punct' && next.value === value) {
      this.index++;
      return true;
    }
    return false;
  }

  private expect(value: Punctuator, description: string): void {
    if (!this.accept(value)) throw this.unexpected(this.peek(), description);
  }

  private unexpected(token: Token, expected: string): ExpressionError {
    const what = token.kind === 'eof' ? 'Unexpected end of expression' : `Unexpected token '${token.text}'`;
    return new ExpressionError(`${what} at ${token.pos}: expected ${expected}`, token.pos);
  }
}
