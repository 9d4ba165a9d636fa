import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  findReferences,
  resolveReferences,
  TaskReferenceError,
  type ResolvedValueSource,
  type TaskReference,
} from '../../src/core/expr/references';

/** A source backed by a plain map of task id → status/result; records the ids asked for. */
function sourceOf(tasks: Record<string, { status: string; result?: unknown }>): ResolvedValueSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getTask(id: string) {
      asked.push(id);
      return Object.prototype.hasOwnProperty.call(tasks, id) ? tasks[id] : undefined;
    },
  };
}

/** Asserts that `fn` throws a TaskReferenceError with exactly this message and location. */
function assertReferenceError(fn: () => unknown, message: string, location: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TaskReferenceError, 'expected a TaskReferenceError');
    assert.equal(err.message, message);
    assert.equal(err.location, location);
    assert.equal(err.code, 'bad_reference');
    assert.equal(err.name, 'TaskReferenceError');
    return true;
  });
}

const summary = (refs: readonly TaskReference[]): string[] => refs.map((r) => `${r.location} ${r.text}`);

describe('findReferences', () => {
  it('parses a result reference with a path', () => {
    const refs = findReferences({ description: 'Summarise ${tasks.fetch_logs.result.files[0].name} now' });
    assert.deepEqual(refs, [
      {
        taskId: 'fetch_logs',
        field: 'result',
        path: ['files', 0, 'name'],
        text: '${tasks.fetch_logs.result.files[0].name}',
        location: 'description',
      },
    ]);
  });

  it('parses bracketed ids and keys with either quote style and escapes', () => {
    const [ref] = findReferences({ description: `\${tasks["weird.id"].result["key with spaces"]['it\\'s'][12]}` });
    assert.ok(ref);
    assert.equal(ref.taskId, 'weird.id');
    assert.deepEqual(ref.path, ['key with spaces', "it's", 12]);
    const [ref2] = findReferences({ description: "${tasks['a\\\\b\\\"c'].status}" });
    assert.equal(ref2?.taskId, 'a\\b"c');
  });

  it('parses status references, hyphenated ids and a bare result', () => {
    const refs = findReferences({ description: '${tasks.build-1.status} / ${tasks.x.result}' });
    assert.deepEqual(
      refs.map((r) => [r.taskId, r.field, r.path]),
      [
        ['build-1', 'status', []],
        ['x', 'result', []],
      ],
    );
  });

  it('reports description, then tips, then input values in document order with locations', () => {
    const refs = findReferences({
      description: '${tasks.a.result}',
      tips: ['no refs here', 'use ${tasks.b.status} and ${tasks.c.result.x}'],
      inputs: {
        cmd: '${tasks.d.result}',
        args: ['--x', 1, '${tasks.e.result[0]}'],
        'key with spaces': 'v=${tasks.f.result}',
        nested: { list: [{ x: '${tasks.g.result}' }] },
        $ok: '${tasks.h.result}',
      },
    });
    assert.deepEqual(summary(refs), [
      'description ${tasks.a.result}',
      'tips[1] ${tasks.b.status}',
      'tips[1] ${tasks.c.result.x}',
      'inputs.cmd ${tasks.d.result}',
      'inputs.args[2] ${tasks.e.result[0]}',
      'inputs["key with spaces"] ${tasks.f.result}',
      'inputs.nested.list[0].x ${tasks.g.result}',
      'inputs.$ok ${tasks.h.result}',
    ]);
  });

  it('uses "inputs" as the location of a string input', () => {
    assert.deepEqual(summary(findReferences({ inputs: '${tasks.a.result}' })), ['inputs ${tasks.a.result}']);
  });

  it('does not scan object keys', () => {
    assert.deepEqual(findReferences({ inputs: { '${tasks.a.result}': 1, '${tasks': 2 } }), []);
  });

  it('leaves other dollar text alone', () => {
    const fields = { description: '${HOME} costs $5, $ alone, $tasks.a.result, ${ tasks.a.result}', tips: ['${task.a.result}'] };
    assert.deepEqual(findReferences(fields), []);
  });

  it('does not report escaped references', () => {
    assert.deepEqual(findReferences({ description: 'literal $${tasks.x.result}', inputs: ['$${tasks.y.status}'] }), []);
    // "$$${" is a lone "$" followed by the escape, so still no reference.
    assert.deepEqual(findReferences({ description: '$$${tasks.x.result}' }), []);
    assert.deepEqual(summary(findReferences({ description: '$${ ${tasks.x.result}' })), ['description ${tasks.x.result}']);
  });

  it('accepts missing and empty fields', () => {
    assert.deepEqual(findReferences({}), []);
    assert.deepEqual(findReferences({ description: undefined, tips: undefined, inputs: undefined }), []);
    assert.deepEqual(findReferences({ description: '', tips: [], inputs: null }), []);
  });

  it('terminates on cyclic inputs', () => {
    const inputs: Record<string, unknown> = { a: '${tasks.x.result}' };
    inputs.self = inputs;
    assert.deepEqual(summary(findReferences({ inputs })), ['inputs.a ${tasks.x.result}']);
  });

  it('rejects malformed references, naming location, offset and what was expected', () => {
    const cases: [string, string][] = [
      ['${tasks.a.result', "description: unterminated reference '${tasks.a.result' at 0: expected '.', '[' or '}'"],
      ['x ${tasks.a.output}', "description: malformed reference '${tasks.a.output}' at 12: expected 'result' or 'status', found 'output'"],
      ['${tasks.a.status.x}', "description: malformed reference '${tasks.a.status.x}' at 16: expected '}' (a status has no path), found '.'"],
      ['${tasks..result}', "description: malformed reference '${tasks..result}' at 8: expected a task id, found '.'"],
      ['${tasksX}', "description: malformed reference '${tasksX}' at 7: expected '.' or '[' after 'tasks', found 'X'"],
      ['${tasks[""].result}', "description: malformed reference '${tasks[\"\"].result}' at 8: expected a non-empty task id, found '\"'"],
      ['${tasks[a].result}', "description: malformed reference '${tasks[a].result}' at 8: expected a quoted task id, found 'a'"],
      ['${tasks.a.result[-1]}', "description: malformed reference '${tasks.a.result[-1]}' at 17: expected an index or a quoted key, found '-'"],
      ['${tasks.a.result[0}', "description: malformed reference '${tasks.a.result[0}' at 18: expected ']', found '}'"],
      ['${tasks.a.result.}', "description: malformed reference '${tasks.a.result.}' at 17: expected a property name, found '}'"],
      ['${tasks.a.result x}', "description: malformed reference '${tasks.a.result x}' at 16: expected '.', '[' or '}', found ' '"],
      ['${tasks["abc', "description: unterminated reference '${tasks[\"abc' at 0: expected a closing \""],
      ['${tasks.a.result["k\\q"]}', "description: malformed reference '${tasks.a.result[\"k\\q\"]}' at 20: expected one of \\n \\t \\\" \\' \\\\, found 'q'"],
      ['${tasks', "description: unterminated reference '${tasks' at 0: expected '.' or '[' after 'tasks'"],
    ];
    for (const [description, message] of cases) {
      assertReferenceError(() => findReferences({ description }), message, 'description');
    }
  });

  it('names tip and input locations in errors', () => {
    assertReferenceError(
      () => findReferences({ tips: ['fine', 'bad ${tasks.x}'] }),
      "tips[1]: malformed reference '${tasks.x}' at 13: expected '.', found '}'",
      'tips[1]',
    );
    assertReferenceError(
      () => findReferences({ inputs: { args: ['a', 'b', '${tasks.x.result'] } }),
      "inputs.args[2]: unterminated reference '${tasks.x.result' at 0: expected '.', '[' or '}'",
      'inputs.args[2]',
    );
  });
});

describe('resolveReferences', () => {
  const source = sourceOf({
    fetch: { status: 'completed', result: { files: [{ name: 'a.log', size: 3 }], count: 2, text: 'hi', flag: false, none: null } },
    'weird.id': { status: 'failed', result: 'plain text' },
    empty: { status: 'skipped' },
  });

  it('renders text form in descriptions and tips', () => {
    const out = resolveReferences(
      {
        description: 'name=${tasks.fetch.result.files[0].name} count=${tasks.fetch.result.count} status=${tasks.fetch.status}',
        tips: ['obj=${tasks.fetch.result.files[0]}', 'flag=${tasks.fetch.result.flag} none=${tasks.fetch.result.none}', 'plain'],
      },
      source,
    );
    assert.equal(out.description, 'name=a.log count=2 status=completed');
    assert.deepEqual(out.tips, ['obj={"name":"a.log","size":3}', 'flag=false none=null', 'plain']);
  });

  it('renders missing paths and absent results as empty text', () => {
    const out = resolveReferences(
      { description: '[${tasks.fetch.result.nope.deeper}][${tasks.empty.result}][${tasks.fetch.result.files[9]}]' },
      source,
    );
    assert.equal(out.description, '[][][]');
  });

  it('reads array length and string characters but nothing inherited', () => {
    const out = resolveReferences(
      {
        description:
          '${tasks.fetch.result.files.length} ${tasks.fetch.result.text[1]} ${tasks.fetch.result.text.length}|${tasks.fetch.result.constructor}|${tasks.fetch.result.__proto__}|${tasks.fetch.result["toString"]}|',
      },
      source,
    );
    assert.equal(out.description, '1 i 2||||');
  });

  it('replaces an exact input reference by the value itself, deep-copied', () => {
    const result = { files: [{ name: 'a.log' }], n: 1 };
    const src = sourceOf({ up: { status: 'completed', result } });
    const out = resolveReferences(
      { inputs: { all: '${tasks.up.result}', files: '${tasks.up.result.files}', n: '${tasks.up.result.n}', s: '${tasks.up.status}' } },
      src,
    );
    assert.deepEqual(out.inputs, { all: result, files: result.files, n: 1, s: 'completed' });
    const inputs = out.inputs as { all: typeof result; files: typeof result.files };
    assert.notEqual(inputs.all, result);
    assert.notEqual(inputs.files, result.files);
    assert.notEqual(inputs.all.files[0], result.files[0]);
    inputs.all.files[0]!.name = 'changed';
    assert.equal(result.files[0]!.name, 'a.log');
  });

  it('gives undefined for an exact input reference to a missing path', () => {
    const out = resolveReferences({ inputs: { x: '${tasks.fetch.result.missing}', list: ['${tasks.empty.result}'] } }, source);
    const inputs = out.inputs as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(inputs, 'x'));
    assert.equal(inputs.x, undefined);
    assert.deepEqual(inputs.list, [undefined]);
  });

  it('uses text form for references embedded in longer input strings', () => {
    const out = resolveReferences(
      { inputs: ['n=${tasks.fetch.result.count}', ' ${tasks.fetch.result.count}', '${tasks.fetch.result.count}${tasks.fetch.result.count}', '${tasks.fetch.result.files}!'] },
      source,
    );
    assert.deepEqual(out.inputs, ['n=2', ' 2', '22', '[{"name":"a.log","size":3}]!']);
  });

  it('resolves bracketed task ids', () => {
    const src = sourceOf({ 'weird.id': { status: 'failed', result: 'plain text' } });
    const out = resolveReferences({ inputs: '${tasks["weird.id"].result}', description: '${tasks["weird.id"].status}' }, src);
    assert.equal(out.inputs, 'plain text');
    assert.equal(out.description, 'failed');
    assert.deepEqual(src.asked, ['weird.id', 'weird.id']);
  });

  it('turns the $${ escape into a literal ${ everywhere, including exact-looking inputs', () => {
    const out = resolveReferences(
      {
        description: 'literal $${tasks.fetch.result} and ${tasks.fetch.result.count}',
        tips: ['$${HOME} stays ${HOME}, $5 stays'],
        inputs: { a: '$${tasks.fetch.result}', b: '$$${tasks.fetch.status}' },
      },
      source,
    );
    assert.equal(out.description, 'literal ${tasks.fetch.result} and 2');
    assert.deepEqual(out.tips, ['${HOME} stays ${HOME}, $5 stays']);
    assert.deepEqual(out.inputs, { a: '${tasks.fetch.result}', b: '$${tasks.fetch.status}' });
  });

  it('leaves object keys untouched and copies non-string values', () => {
    const inputs = { '${tasks.fetch.result}': '${tasks.fetch.result.count}', n: 1, b: true, z: null, list: [1, [2]] };
    const out = resolveReferences({ inputs }, source);
    assert.deepEqual(out.inputs, { '${tasks.fetch.result}': 2, n: 1, b: true, z: null, list: [1, [2]] });
    assert.notEqual((out.inputs as typeof inputs).list, inputs.list);
  });

  it('returns a deep copy, keeps other fields and never mutates its argument', () => {
    const fields = {
      id: 'next',
      deps: ['fetch'],
      description: 'x ${tasks.fetch.status}',
      tips: ['t'],
      inputs: { nested: { v: '${tasks.fetch.result.count}' } },
    };
    const before = structuredClone(fields);
    const out = resolveReferences(fields, source);
    assert.deepEqual(fields, before);
    assert.deepEqual(out, { id: 'next', deps: ['fetch'], description: 'x completed', tips: ['t'], inputs: { nested: { v: 2 } } });
    assert.notEqual(out.deps, fields.deps);
    assert.notEqual(out.tips, fields.tips);
    assert.ok(!('description' in resolveReferences({ inputs: 1 }, source)));
  });

  it('throws on an unknown task, naming the location', () => {
    assertReferenceError(
      () => resolveReferences({ inputs: { x: ['${tasks.nope.result}'] } }, source),
      "inputs.x[0]: unknown task 'nope' in ${tasks.nope.result}",
      'inputs.x[0]',
    );
    assertReferenceError(
      () => resolveReferences({ description: 'see ${tasks.nope.status}' }, source),
      "description: unknown task 'nope' in ${tasks.nope.status}",
      'description',
    );
  });

  it('throws on malformed references during resolution too', () => {
    assertReferenceError(
      () => resolveReferences({ tips: ['${tasks.fetch.result'] }, source),
      "tips[0]: unterminated reference '${tasks.fetch.result' at 0: expected '.', '[' or '}'",
      'tips[0]',
    );
  });

  it('reports values that cannot become text', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const src = sourceOf({ c: { status: 'completed', result: cyclic }, b: { status: 'completed', result: 10n } });
    assert.throws(
      () => resolveReferences({ description: 'v=${tasks.c.result}' }, src),
      (err: unknown) =>
        err instanceof TaskReferenceError &&
        err.location === 'description' &&
        err.message.startsWith('description: the value of ${tasks.c.result} cannot be converted to text: '),
    );
    assert.throws(() => resolveReferences({ inputs: 'v=${tasks.b.result}' }, src), TaskReferenceError);
    const out = resolveReferences({ inputs: '${tasks.c.result}' }, src);
    const copy = out.inputs as unknown as Record<string, unknown>;
    assert.notEqual(copy, cyclic);
    assert.equal(copy.self, copy);
  });

  it('does not let __proto__ keys pollute prototypes', () => {
    const inputs = JSON.parse('{"__proto__": {"polluted": "${tasks.fetch.status}"}, "a": 1}') as unknown;
    const result = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const src = sourceOf({ up: { status: 'completed', result } });
    const out = resolveReferences({ inputs, description: '${tasks.up.result.__proto__.polluted}' }, {
      getTask: (id) => src.getTask(id) ?? source.getTask(id),
    });
    const copy = out.inputs as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { polluted: 'completed' });
    assert.equal(copy.polluted, undefined);
    assert.equal(out.description, 'true');
    const exact: unknown = resolveReferences({ inputs: '${tasks.up.result}' }, src).inputs;
    assert.ok(typeof exact === 'object' && exact !== null);
    assert.equal(Object.getPrototypeOf(exact), Object.prototype);
    assert.equal((exact as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('never runs getters on upstream results', () => {
    let calls = 0;
    const result = {
      get secret(): string {
        calls++;
        return 'leaked';
      },
      plain: 'ok',
    };
    const src = sourceOf({ up: { status: 'completed', result } });
    const out = resolveReferences({ description: '${tasks.up.result.secret}|${tasks.up.result.plain}', inputs: '${tasks.up.result}' }, src);
    assert.equal(out.description, '|ok');
    assert.deepEqual(out.inputs, { secret: undefined, plain: 'ok' });
    assert.equal(calls, 0);
  });
});
