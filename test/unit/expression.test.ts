import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, ExpressionError, isTruthy } from '../../src/core/expr/expression';

/** Compiles and evaluates in one go. */
function run(source: string, scope: Readonly<Record<string, unknown>> = {}): unknown {
  return compileExpression(source).evaluate(scope);
}

/** Asserts that compiling `source` fails with exactly `message` at `position`. */
function assertCompileError(source: string, message: string, position: number): void {
  assert.throws(
    () => compileExpression(source),
    (err: unknown) => {
      assert.ok(err instanceof ExpressionError, 'expected an ExpressionError');
      assert.equal(err.message, message);
      assert.equal(err.position, position);
      assert.equal(err.code, 'bad_expression');
      assert.equal(err.name, 'ExpressionError');
      return true;
    },
  );
}

describe('compileExpression: literals', () => {
  it('parses integers, floats and exponents', () => {
    assert.equal(run('42'), 42);
    assert.equal(run('3.25'), 3.25);
    assert.equal(run('1.5e2'), 150);
    assert.equal(run('2E-1'), 0.2);
  });

  it('parses negative numbers through unary minus', () => {
    assert.equal(run('-3'), -3);
    assert.equal(run('- -3'), 3);
    assert.equal(run('-x', { x: 2 }), -2);
    assert.equal(run('-"a"'), undefined);
    assert.equal(run('-x', { x: null }), undefined);
  });

  it('parses strings with both quote styles and every escape', () => {
    assert.equal(run('"a\\nb"'), 'a\nb');
    assert.equal(run("'a\\tb'"), 'a\tb');
    assert.equal(run('"say \\"hi\\""'), 'say "hi"');
    assert.equal(run("'it\\'s'"), "it's");
    assert.equal(run('"back\\\\slash"'), 'back\\slash');
    assert.equal(run('"it\'s"'), "it's");
    assert.equal(run('""'), '');
  });

  it('parses true, false and null', () => {
    assert.equal(run('true'), true);
    assert.equal(run('false'), false);
    assert.equal(run('null'), null);
  });

  it('keeps the source and can be evaluated repeatedly against different scopes', () => {
    const compiled = compileExpression('result.exitCode == 0');
    assert.equal(compiled.source, 'result.exitCode == 0');
    assert.equal(compiled.evaluate({ result: { exitCode: 0 } }), true);
    assert.equal(compiled.evaluate({ result: { exitCode: 1 } }), false);
    assert.equal(compiled.evaluate({}), false);
    assert.ok(Object.isFrozen(compiled));
  });
});

describe('compileExpression: identifiers and member access', () => {
  const scope = {
    status: 'completed',
    result: { exitCode: 0, files: [{ name: 'a.log' }, { name: 'b.log' }], 'key with spaces': 7, nested: { deep: { value: 'x' } } },
    items: [10, 20, 30],
    text: 'hello',
    key: 'exitCode',
    nothing: null,
  };

  it('looks identifiers up in the scope and yields undefined for unknown ones', () => {
    assert.equal(run('status', scope), 'completed');
    assert.equal(run('unknownName', scope), undefined);
  });

  it('does not see inherited members of the scope object', () => {
    assert.equal(run('toString', scope), undefined);
    assert.equal(run('hasOwnProperty', scope), undefined);
    assert.equal(run('constructor', scope), undefined);
    assert.equal(run('__proto__', scope), undefined);
  });

  it('refuses the forbidden names as identifiers even when the scope owns them', () => {
    const own = JSON.parse('{"__proto__": 1, "constructor": 2, "prototype": 3, "ok": 4}') as Record<string, unknown>;
    assert.equal(run('__proto__', own), undefined);
    assert.equal(run('constructor', own), undefined);
    assert.equal(run('prototype', own), undefined);
    assert.equal(run('ok', own), 4);
  });

  it('works with a null-prototype scope', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 5;
    assert.equal(run('x + 1', bare), 6);
  });

  it('reads nested properties with dots and brackets', () => {
    assert.equal(run('result.exitCode', scope), 0);
    assert.equal(run('result.files[1].name', scope), 'b.log');
    assert.equal(run('result["key with spaces"]', scope), 7);
    assert.equal(run('result[key]', scope), 0);
    assert.equal(run('result.nested.deep.value', scope), 'x');
    assert.equal(run('items[1 + 1]', scope), 30);
  });

  it('allows keywords as property names after a dot', () => {
    assert.equal(run('o.true + o.null', { o: { true: 1, null: 2 } }), 3);
  });

  it('yields undefined for missing properties and access on null or undefined', () => {
    assert.equal(run('result.missing', scope), undefined);
    assert.equal(run('result.missing.deeper.still', scope), undefined);
    assert.equal(run('nothing.x', scope), undefined);
    assert.equal(run('nothing[0]', scope), undefined);
    assert.equal(run('unknownName.x[3].y', scope), undefined);
    assert.equal(run('true.x'), undefined);
    assert.equal(run('(5).x'), undefined);
  });

  it('indexes arrays by non-negative integers only', () => {
    assert.equal(run('items[0]', scope), 10);
    assert.equal(run('items[3]', scope), undefined);
    assert.equal(run('items[-1]', scope), undefined);
    assert.equal(run('items[1.5]', scope), undefined);
    assert.equal(run('items[true]', scope), undefined);
    assert.equal(run('items[null]', scope), undefined);
    assert.equal(run('items["1"]', scope), 20);
    assert.equal(run('items.length', scope), 3);
  });

  it('indexes strings and reads their length', () => {
    assert.equal(run('text.length', scope), 5);
    assert.equal(run('text[0]', scope), 'h');
    assert.equal(run('text[4]', scope), 'o');
    assert.equal(run('text[5]', scope), undefined);
    assert.equal(run('text["1"]', scope), 'e');
    assert.equal(run('text["01"]', scope), undefined);
    assert.equal(run('text.toUpperCase', scope), undefined);
  });

  it('does not read from non-plain objects', () => {
    class Box {
      value = 1;
    }
    assert.equal(run('b.value', { b: new Box() }), undefined);
    assert.equal(run('d.getTime', { d: new Date(0) }), undefined);
    assert.equal(run('m.size', { m: new Map([[1, 2]]) }), undefined);
    assert.equal(run('f.name', { f: function named(): void {} }), undefined);
  });
});

describe('compileExpression: safety', () => {
  it('rejects literal access to constructor, __proto__ and prototype at compile time', () => {
    assertCompileError('x.constructor', "Property 'constructor' is not accessible at 2", 2);
    assertCompileError('a.b.__proto__', "Property '__proto__' is not accessible at 4", 4);
    assertCompileError('f.prototype.x', "Property 'prototype' is not accessible at 2", 2);
  });

  it('yields undefined for computed access to the forbidden names, even when they are own data', () => {
    const own = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 2, "prototype": 3}') as unknown;
    const scope = { o: own, k: '__proto__' };
    assert.equal(run('o["__proto__"]', scope), undefined);
    assert.equal(run('o[k]', scope), undefined);
    assert.equal(run('o["constructor"]', scope), undefined);
    assert.equal(run('o["prototype"]', scope), undefined);
    assert.equal(run('o["__proto__"]["polluted"]', scope), undefined);
    assert.equal(run('s["constructor"]', { s: 'str' }), undefined);
    assert.equal(run('a["constructor"]', { a: [] }), undefined);
  });

  it('cannot reach inherited members through computed access', () => {
    assert.equal(run('o["toString"]', { o: {} }), undefined);
    assert.equal(run('o["hasOwnProperty"]', { o: {} }), undefined);
    assert.equal(run('a["map"]', { a: [] }), undefined);
  });

  it('only calls whitelisted functions', () => {
    assertCompileError('exec("rm -rf /")', "Unknown function 'exec' at 0", 0);
    assertCompileError('x == toString(1)', "Unknown function 'toString' at 5", 5);
    assertCompileError('constructor(1)', "Unknown function 'constructor' at 0", 0);
    assertCompileError('hasOwnProperty(1)', "Unknown function 'hasOwnProperty' at 0", 0);
    assertCompileError('a.b(1)', "Unexpected token '(' at 3: only built-in functions can be called", 3);
    assertCompileError('(len)(x)', "Unexpected token '(' at 5: only built-in functions can be called", 5);
    assertCompileError('true(1)', "Unexpected token '(' at 4: only built-in functions can be called", 4);
  });

  it('has no assignment, so prototype pollution attempts do not compile', () => {
    assertCompileError('a.__proto__.polluted = 1', "Unexpected character '=' at 21: expected '=='", 21);
    assertCompileError('a.__proto__.polluted == 1', "Property '__proto__' is not accessible at 2", 2);
    assertCompileError('a["__proto__"].polluted = 1', "Unexpected character '=' at 24: expected '=='", 24);
    const probe: Record<string, unknown> = {};
    assert.equal(probe.polluted, undefined);
  });

  it('never runs getters, even ones that throw or have side effects', () => {
    let calls = 0;
    const scope = {
      o: {
        get boom(): never {
          throw new Error('getter ran');
        },
        get counted(): number {
          calls++;
          return 1;
        },
      },
    };
    assert.equal(run('o.boom', scope), undefined);
    assert.equal(run('o.counted == 1', scope), false);
    assert.equal(run('len(o) == 2', scope), true);
    assert.equal(calls, 0);
  });

  it('never throws on odd scope values', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const scope: Record<string, unknown> = {
      big: 10n,
      sym: Symbol('s'),
      fn: () => 1,
      cyclic,
      date: new Date(0),
      nan: NaN,
    };
    const sources = [
      'big + 1', '-big', 'big < 1', 'big == 10', 'sym + "x"', 'sym.x', 'lower(sym)', 'number(sym)',
      'number(big)', 'len(fn)', 'fn.x', 'contains(cyclic, 1)', 'cyclic.self.self.self.name',
      'cyclic == cyclic.self', 'date > 0', 'nan < 1', 'upper(date)', 'startsWith(big, "1")',
    ];
    for (const source of sources) assert.doesNotThrow(() => run(source, scope), source);
    assert.equal(run('cyclic.self.self.self.name', scope), 'c');
    assert.equal(run('big + 1', scope), undefined);
  });
});

describe('compileExpression: operators', () => {
  it('applies multiplicative before additive, left to right', () => {
    assert.equal(run('1 + 2 * 3'), 7);
    assert.equal(run('(1 + 2) * 3'), 9);
    assert.equal(run('10 - 4 - 3'), 3);
    assert.equal(run('12 / 4 / 3'), 1);
    assert.equal(run('7 % 4'), 3);
    assert.equal(run('2 * 3 % 4'), 2);
    assert.equal(run('1 + 6 / 2 - 1'), 3);
  });

  it('binds unary operators tighter than binary ones and looser than member access', () => {
    assert.equal(run('-2 * 3'), -6);
    assert.equal(run('-a.b', { a: { b: 4 } }), -4);
    assert.equal(run('!true == false'), true);
    assert.equal(run('!a.b', { a: { b: 0 } }), true);
    assert.equal(run('!!"x"'), true);
  });

  it('adds numbers, concatenates two strings and refuses to mix', () => {
    assert.equal(run('"a" + "b"'), 'ab');
    assert.equal(run('"a" + 1'), undefined);
    assert.equal(run('1 + "a"'), undefined);
    assert.equal(run('1 + true'), undefined);
    assert.equal(run('null + 1'), undefined);
    assert.equal(run('"a" * 2'), undefined);
    assert.equal(run('"6" - 1'), undefined);
  });

  it('follows IEEE arithmetic for division by zero', () => {
    assert.equal(run('1 / 0'), Infinity);
    assert.ok(Number.isNaN(run('5 % 0')));
  });

  it('compares numbers or strings only', () => {
    assert.equal(run('1 < 2'), true);
    assert.equal(run('2 <= 2'), true);
    assert.equal(run('3 > 2'), true);
    assert.equal(run('2 >= 3'), false);
    assert.equal(run('"apple" < "banana"'), true);
    assert.equal(run('"b" >= "a"'), true);
    assert.equal(run('"10" < 9'), false);
    assert.equal(run('"10" > 9'), false);
    assert.equal(run('null < 1'), false);
    assert.equal(run('null >= 0'), false);
    assert.equal(run('missing > 0'), false);
    assert.equal(run('missing <= 0'), false);
  });

  it('ranks comparison above equality and equality above logic', () => {
    assert.equal(run('1 < 2 == true'), true);
    assert.equal(run('1 + 1 > 1 == true'), true);
    assert.equal(run('2 == 2 && 3 != 4'), true);
    assert.equal(run('true || false && false'), true);
    assert.equal(run('(true || false) && false'), false);
    assert.equal(run('false && false || true'), true);
    assert.equal(run('status == "completed" && result.count > 3', { status: 'completed', result: { count: 4 } }), true);
    assert.equal(run('status == "completed" && result.count > 3', { status: 'completed', result: { count: 3 } }), false);
  });

  it('returns booleans from && and ||', () => {
    assert.equal(run('1 && "x"'), true);
    assert.equal(run('0 || ""'), false);
    assert.equal(run('"a" || 0'), true);
    assert.equal(run('null && 1'), false);
  });

  it('short-circuits && and ||', () => {
    const looked: string[] = [];
    const scope = new Proxy<Record<string, unknown>>(
      { yes: true, no: false },
      {
        getOwnPropertyDescriptor(target, name) {
          looked.push(String(name));
          return Reflect.getOwnPropertyDescriptor(target, name);
        },
      },
    );
    assert.equal(compileExpression('no && boom').evaluate(scope), false);
    assert.equal(compileExpression('yes || boom').evaluate(scope), true);
    assert.deepEqual(looked, ['no', 'yes']);
    assert.equal(compileExpression('yes && no').evaluate(scope), false);
    assert.deepEqual(looked, ['no', 'yes', 'yes', 'no']);
  });
});

describe('compileExpression: equality', () => {
  it('is strict on primitives', () => {
    assert.equal(run('1 == 1'), true);
    assert.equal(run('1 == "1"'), false);
    assert.equal(run('0 == false'), false);
    assert.equal(run('null == null'), true);
    assert.equal(run('missing == null'), false);
    assert.equal(run('missing == other'), true);
    assert.equal(run('"a" != "b"'), true);
    assert.equal(run('x == x', { x: NaN }), false);
    assert.equal(run('x != x', { x: NaN }), true);
  });

  it('is deep on arrays and plain objects', () => {
    const scope = {
      a: { list: [1, { k: 'v' }], n: null },
      b: { n: null, list: [1, { k: 'v' }] },
      c: { list: [1, { k: 'w' }], n: null },
      d: { list: [1, { k: 'v' }] },
      arr: [1, 2],
      arr2: [1, 2],
      arr3: [1, 2, 3],
      emptyArr: [],
      emptyObj: {},
      withUndef: { x: undefined },
      withOther: { y: undefined },
    };
    assert.equal(run('a == b', scope), true);
    assert.equal(run('a != b', scope), false);
    assert.equal(run('a == c', scope), false);
    assert.equal(run('a == d', scope), false);
    assert.equal(run('arr == arr2', scope), true);
    assert.equal(run('arr == arr3', scope), false);
    assert.equal(run('emptyArr == emptyObj', scope), false);
    assert.equal(run('withUndef == withOther', scope), false);
    assert.equal(run('a.list[1] == b.list[1]', scope), true);
  });

  it('compares non-plain objects by identity only', () => {
    const d = new Date(0);
    assert.equal(run('x == y', { x: d, y: new Date(0) }), false);
    assert.equal(run('x == y', { x: d, y: d }), true);
  });

  it('terminates on distinct cyclic values', () => {
    const a: Record<string, unknown> = { v: 1 };
    a.self = a;
    const b: Record<string, unknown> = { v: 1 };
    b.self = b;
    assert.equal(run('a == b', { a, b }), false);
    assert.equal(run('a == a', { a }), true);
    assert.equal(run('a.self == a', { a }), true);
  });

  it('bounds the depth it compares', () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    assert.equal(run('x == y', { x: nest(10), y: nest(10) }), true);
    assert.equal(run('x == y', { x: nest(10), y: nest(11) }), false);
    assert.equal(run('x == y', { x: nest(100), y: nest(100) }), false);
  });
});

describe('compileExpression: built-in functions', () => {
  it('len counts string characters, array items and object keys', () => {
    assert.equal(run('len("abc")'), 3);
    assert.equal(run('len(x)', { x: [1, 2] }), 2);
    assert.equal(run('len(x)', { x: { a: 1, b: 2, c: 3 } }), 3);
    assert.equal(run('len(5)'), undefined);
    assert.equal(run('len(null)'), undefined);
  });

  it('contains finds substrings and deep-equal array elements', () => {
    assert.equal(run('contains(result.text, "ERROR")', { result: { text: 'x ERROR y' } }), true);
    assert.equal(run('contains(result.text, "ERROR")', { result: { text: 'all good' } }), false);
    assert.equal(run('contains(x, 2)', { x: [1, 2, 3] }), true);
    assert.equal(run('contains(x, "2")', { x: [1, 2, 3] }), false);
    assert.equal(run('contains(x, y)', { x: [{ id: 1 }, { id: 2 }], y: { id: 2 } }), true);
    assert.equal(run('contains("123", 2)'), false);
    assert.equal(run('contains(null, "x")'), false);
    assert.equal(run('contains(o, "a")', { o: { a: 1 } }), false);
  });

  it('startsWith and endsWith need two strings', () => {
    assert.equal(run('startsWith("constellation", "con")'), true);
    assert.equal(run('startsWith("constellation", "tion")'), false);
    assert.equal(run('endsWith("constellation", "tion")'), true);
    assert.equal(run('endsWith("123", 3)'), false);
    assert.equal(run('startsWith(null, "")'), false);
  });

  it('lower and upper convert strings only', () => {
    assert.equal(run('lower("MiXeD")'), 'mixed');
    assert.equal(run('upper("MiXeD")'), 'MIXED');
    assert.equal(run('lower(1)'), undefined);
    assert.equal(run('upper(null)'), undefined);
  });

  it('number converts numeric strings and booleans', () => {
    assert.equal(run('number("42")'), 42);
    assert.equal(run('number(" 3.5 ")'), 3.5);
    assert.equal(run('number(7)'), 7);
    assert.equal(run('number(true)'), 1);
    assert.equal(run('number(false)'), 0);
    assert.equal(run('number("")'), undefined);
    assert.equal(run('number("  ")'), undefined);
    assert.equal(run('number("abc")'), undefined);
    assert.equal(run('number(null)'), undefined);
    assert.equal(run('number(result.count) > 3', { result: { count: '10' } }), true);
  });

  it('checks the argument count at compile time', () => {
    assertCompileError('len(a, b)', "Function 'len' at 0 expects 1 argument, got 2", 0);
    assertCompileError('x && contains(a)', "Function 'contains' at 5 expects 2 arguments, got 1", 5);
    assertCompileError('upper()', "Function 'upper' at 0 expects 1 argument, got 0", 0);
  });
});

describe('compileExpression: errors', () => {
  it('names the unexpected token and what was expected', () => {
    assertCompileError('result.count >)', "Unexpected token ')' at 14: expected an expression", 14);
    assertCompileError('a b', "Unexpected token 'b' at 2: expected an operator or the end of the expression", 2);
    assertCompileError('len(a b)', "Unexpected token 'b' at 6: expected ',' or ')'", 6);
    assertCompileError('a.1', "Unexpected token '1' at 2: expected a property name", 2);
    assertCompileError('.5', "Unexpected token '.' at 0: expected an expression", 0);
    assertCompileError('a == "x" "y"', 'Unexpected token \'"y"\' at 9: expected an operator or the end of the expression', 9);
    assertCompileError('a[1)', "Unexpected token ')' at 3: expected ']'", 3);
  });

  it('reports the end of the expression when input runs out', () => {
    assertCompileError('', 'Unexpected end of expression at 0: expected an expression', 0);
    assertCompileError('   ', 'Unexpected end of expression at 3: expected an expression', 3);
    assertCompileError('1 +', 'Unexpected end of expression at 3: expected an expression', 3);
    assertCompileError('(1 + 2', "Unexpected end of expression at 6: expected ')'", 6);
    assertCompileError('a[1', "Unexpected end of expression at 3: expected ']'", 3);
    assertCompileError('a.', 'Unexpected end of expression at 2: expected a property name', 2);
    assertCompileError('len(a,', 'Unexpected end of expression at 6: expected an expression', 6);
  });

  it('reports lexical problems', () => {
    assertCompileError('name == "abc', 'Unterminated string at 8', 8);
    assertCompileError("'abc\\", 'Unterminated string at 0', 0);
    assertCompileError('"a\\xb"', 'Invalid escape \'\\x\' at 2: expected one of \\n \\t \\" \\\' \\\\', 2);
    assertCompileError('a # b', "Unexpected character '#' at 2", 2);
    assertCompileError('a = 1', "Unexpected character '=' at 2: expected '=='", 2);
    assertCompileError('a & b', "Unexpected character '&' at 2: expected '&&'", 2);
    assertCompileError('a | b', "Unexpected character '|' at 2: expected '||'", 2);
    assertCompileError('a === b', "Unexpected character '=' at 4: use '==' (equality is already strict)", 4);
    assertCompileError('a !== b', "Unexpected character '=' at 4: use '!=' (equality is already strict)", 4);
  });

  it('caps the source length at 2,000 characters', () => {
    const ok = `1${' '.repeat(1999)}`;
    assert.equal(run(ok), 1);
    assertCompileError(
      `${ok} `,
      'Expression too long at 2000: at most 2000 characters are allowed, got 2001',
      2000,
    );
  });

  it('caps nesting at 64 levels', () => {
    assert.equal(run(`${'('.repeat(64)}1${')'.repeat(64)}`), 1);
    assertCompileError(
      `${'('.repeat(65)}1${')'.repeat(65)}`,
      'Expression nested too deeply at 64: at most 64 levels are allowed',
      64,
    );
    assert.equal(run(`${'!'.repeat(64)}x`, { x: true }), true);
    assertCompileError(`${'!'.repeat(65)}x`, 'Expression nested too deeply at 64: at most 64 levels are allowed', 64);
    assertCompileError(
      `${'a['.repeat(65)}0${']'.repeat(65)}`,
      'Expression nested too deeply at 129: at most 64 levels are allowed',
      129,
    );
    assertCompileError(
      `${'len('.repeat(65)}x${')'.repeat(65)}`,
      'Expression nested too deeply at 259: at most 64 levels are allowed',
      259,
    );
  });

  it('handles long flat chains without hitting the nesting cap', () => {
    const source = Array.from({ length: 500 }, () => '1').join('+');
    assert.equal(run(source), 500);
  });
});

describe('isTruthy', () => {
  it('follows JavaScript truthiness', () => {
    for (const v of [false, 0, -0, NaN, '', null, undefined]) assert.equal(isTruthy(v), false, String(v));
    for (const v of [true, 1, -1, 'x', '0', 'false', [], {}, Infinity]) assert.equal(isTruthy(v), true, JSON.stringify(v));
  });
});
