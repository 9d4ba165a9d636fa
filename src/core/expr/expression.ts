/**
 * A small, safe expression language for conditional dependencies, e.g.
 * `status == "completed" && result.count > 3`. Source is parsed into a tree and interpreted;
 * nothing is ever handed to `eval` or `Function`, and evaluation only reads own data properties
 * of plain data, so no getter, prototype or host function can be reached.
 */
import { isPlainObject, ownDataValue, readOwn } from './access';
import { ExpressionError } from './errors';
import {
  FORBIDDEN_PROPERTIES,
  parseExpression,
  type BinaryOperator,
  type BuiltinName,
  type ExpressionNode,
} from './parser';

export { ExpressionError };

/** A parsed expression, ready to be evaluated against any number of scopes. */
export interface CompiledExpression {
  /** The text the expression was compiled from. */
  readonly source: string;
  /** Evaluates against `scope`; never throws, whatever the scope holds. */
  evaluate(scope: Readonly<Record<string, unknown>>): unknown;
}

/**
 * Compiles `source` once so it can be evaluated repeatedly.
 *
 * @throws ExpressionError with a message such as `Unexpected token ')' at 14: expected an expression`.
 */
export function compileExpression(source: string): CompiledExpression {
  const tree = parseExpression(source);
  return Object.freeze({
    source,
    evaluate: (scope: Readonly<Record<string, unknown>>): unknown => evaluateNode(tree, scope),
  });
}

/** JavaScript truthiness: `false`, `0`, `NaN`, `""`, `null` and `undefined` are falsy, all else truthy. */
export function isTruthy(value: unknown): boolean {
  return Boolean(value);
}

// Cyclic or pathologically shared data must not hang or overflow deep equality; beyond these
// bounds two distinct containers are reported unequal.
const MAX_EQUALITY_DEPTH = 64;
const MAX_EQUALITY_NODES = 100_000;

type Builtin = (args: readonly unknown[]) => unknown;

const BUILTINS: { readonly [K in BuiltinName]: Builtin } = {
  len: ([x]) => {
    if (typeof x === 'string') return x.length;
    if (Array.isArray(x)) return x.length;
    return isPlainObject(x) ? Object.keys(x).length : undefined;
  },
  contains: ([haystack, needle]) => {
    if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
    if (!Array.isArray(haystack)) return false;
    const items = haystack as readonly unknown[];
    for (let i = 0; i < items.length; i++) {
      if (deepEqual(ownDataValue(items, String(i)), needle)) return true;
    }
    return false;
  },
  startsWith: ([s, p]) => typeof s === 'string' && typeof p === 'string' && s.startsWith(p),
  endsWith: ([s, p]) => typeof s === 'string' && typeof p === 'string' && s.endsWith(p),
  lower: ([s]) => (typeof s === 'string' ? s.toLowerCase() : undefined),
  upper: ([s]) => (typeof s === 'string' ? s.toUpperCase() : undefined),
  number: ([x]) => {
    if (typeof x === 'number') return x;
    if (typeof x === 'boolean') return x ? 1 : 0;
    // Number('') and Number('  ') are 0, which would make blank output look like a real zero.
    if (typeof x !== 'string' || x.trim() === '') return undefined;
    const n = Number(x);
    return Number.isNaN(n) ? undefined : n;
  },
};

function evaluateNode(node: ExpressionNode, scope: Readonly<Record<string, unknown>>): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'identifier':
      return FORBIDDEN_PROPERTIES.has(node.name) ? undefined : ownDataValue(scope, node.name);
    case 'member':
      return readProperty(evaluateNode(node.object, scope), node.name);
    case 'index':
      return readProperty(evaluateNode(node.object, scope), evaluateNode(node.index, scope));
    case 'unary': {
      const operand = evaluateNode(node.operand, scope);
      if (node.op === '!') return !isTruthy(operand);
      return typeof operand === 'number' ? -operand : undefined;
    }
    case 'logical': {
      const left = isTruthy(evaluateNode(node.left, scope));
      if (node.op === '&&') return left && isTruthy(evaluateNode(node.right, scope));
      return left || isTruthy(evaluateNode(node.right, scope));
    }
    case 'binary':
      return applyBinary(node.op, evaluateNode(node.left, scope), evaluateNode(node.right, scope));
    case 'call':
      return BUILTINS[node.name](node.args.map((arg) => evaluateNode(arg, scope)));
  }
}

function applyBinary(op: BinaryOperator, left: unknown, right: unknown): unknown {
  switch (op) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, left, right);
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      return undefined;
    case '-':
    case '*':
    case '/':
    case '%':
      if (typeof left !== 'number' || typeof right !== 'number') return undefined;
      if (op === '-') return left - right;
      if (op === '*') return left * right;
      return op === '/' ? left / right : left % right;
  }
}

function compare(op: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  // Mixed types would coerce in JavaScript ("10" < 9); refusing keeps conditions predictable.
  if (typeof left === 'number' && typeof right === 'number') return ordered(op, left, right);
  if (typeof left === 'string' && typeof right === 'string') return ordered(op, left, right);
  return false;
}

function ordered<T extends number | string>(op: '<' | '<=' | '>' | '>=', a: T, b: T): boolean {
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

/** Reads `key` from `target` as data (see ./access), never a prototype-reaching name. */
function readProperty(target: unknown, key: unknown): unknown {
  const name = propertyName(key);
  if (name === undefined || FORBIDDEN_PROPERTIES.has(name)) return undefined;
  return readOwn(target, name);
}

function propertyName(key: unknown): string | undefined {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isInteger(key) && key >= 0) return String(key);
  return undefined;
}

/** Strict equality for primitives, structural equality for arrays and plain objects. */
function deepEqual(a: unknown, b: unknown): boolean {
  return equalAt(a, b, 0, { nodes: 0 });
}

function equalAt(a: unknown, b: unknown, depth: number, budget: { nodes: number }): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  budget.nodes++;
  if (depth >= MAX_EQUALITY_DEPTH || budget.nodes > MAX_EQUALITY_NODES) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const key = String(i);
      if (!equalAt(ownDataValue(a, key), ownDataValue(b, key), depth + 1, budget)) return false;
    }
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!equalAt(ownDataValue(a, key), ownDataValue(b, key), depth + 1, budget)) return false;
  }
  return true;
}
