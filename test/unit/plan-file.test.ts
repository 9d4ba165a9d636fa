import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlanText, planFromJson, toPlanFile } from '../../src/core/io/plan-file';
import { InvalidInputError } from '../../src/core/model/errors';
import { locateJsonError } from '../../src/core/io/json-locate';
import { parseJsonText } from '../../src/core/io/json-text';

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => [p.code, p.path]);
    throw err;
  }
  assert.fail('expected InvalidInputError');
}

describe('plan files', () => {
  it('loads a minimal plan with defaults', () => {
    const c = planFromJson({ tasks: [{ id: 'a' }, { id: 'b' }], dependencies: [{ from: 'a', to: 'b' }] });
    assert.equal(c.task('a').priority, 2);
    assert.equal(c.dependency('a->b').type, 'unconditional');
    assert.equal(c.state, 'ready');
  });

  it('schema errors name the JSON path', () => {
    assert.deepEqual(
      problemsOf(() => planFromJson({ tasks: [{ id: 'a', priority: 9 }, { id: 'b c' }, { id: 'd', dependsOn: ['a'] }], dependencies: [{ from: 'a' }] })),
      [
        ['invalid_field', 'tasks[0].priority'],
        ['invalid_field', 'tasks[1].id'],
        ['invalid_field', 'tasks[2]'],
        ['invalid_field', 'dependencies[0].to'],
      ],
    );
  });

  it('JSON syntax errors give line and column', () => {
    const err = (() => {
      try {
        parsePlanText('{\n  "tasks": [\n    {"id": "a",}\n  ]\n}', { source: 'x.constellation.json' });
      } catch (e) {
        return e as InvalidInputError;
      }
      return undefined;
    })();
    assert.ok(err instanceof InvalidInputError);
    assert.equal(err.problems[0]?.path, 'line 3, column 16');
    assert.match(err.message, /^x\.constellation\.json: line 3, column 16: not valid JSON/);
  });

  it('every kind of JSON syntax error is located, including those V8 gives no position for', () => {
    const cases: [text: string, where: string, reason: RegExp][] = [
      ['{\n  "a": tru\n}', 'line 2, column 8', /value was expected|Unexpected token/],
      ['{\n  "a": 1', 'line 2, column 9', /end|after property value/],
      ['', 'line 1, column 1', /end/],
      ['{"a": "x\ty"}', 'line 1, column 9', /control character|Bad control character/],
      ["{'a': 1}", 'line 1, column 2', /property name/],
      ['[1, 2] 3', 'line 1, column 8', /after the end|Unexpected non-whitespace/],
      ['{"a": [1, {"b": }]}', 'line 1, column 17', /value was expected|Unexpected token/],
      ['[' + '['.repeat(100_000), 'line 1, column 100002', /end/],
    ];
    for (const [text, where, reason] of cases) {
      const result = parseJsonText(text);
      assert.ok('problem' in result, JSON.stringify(text.slice(0, 40)));
      assert.equal(result.problem.path, where, JSON.stringify(text.slice(0, 40)));
      assert.match(result.problem.message, reason);
    }
    for (const ok of ['{}', '[]', ' { "a" : [ 1 , -2.5e3 , "\\u00e9" , true , null , { } ] } ']) assert.equal(locateJsonError(ok), undefined, ok);
  });

  it('structural problems are all reported', () => {
    assert.deepEqual(
      problemsOf(() =>
        planFromJson({
          tasks: [{ id: 'a', device: 'ghost' }, { id: 'a' }, { id: 'b' }],
          dependencies: [{ from: 'a', to: 'zz' }, { from: 'b', to: 'b' }, { from: 'a', to: 'b', type: 'conditional', when: 'result.(' }],
        }, { devices: { hasDevice: () => false } }),
      ),
      [
        ['unknown_device', 'tasks[0].device'],
        ['duplicate_id', 'tasks[1].id'],
        ['unknown_task', 'dependencies[0].to'],
        ['cycle', 'dependencies[1]'],
        ['bad_condition', 'dependencies[2].when'],
      ],
    );
  });

  it('a cycle is reported with its path', () => {
    assert.throws(
      () => planFromJson({ tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], dependencies: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }] }),
      /dependencies form a cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/,
    );
  });

  it('references must point upstream', () => {
    assert.deepEqual(problemsOf(() => planFromJson({ tasks: [{ id: 'a' }, { id: 'b', description: '${tasks.a.result}' }] })), [['bad_reference', 'tasks[1].description']]);
  });

  it('round-trips through toPlanFile, with state when asked', () => {
    const plan = { id: 'p', name: 'P', tasks: [{ id: 'a', name: 'A', priority: 4, inputs: { x: 1 } }, { id: 'b', name: 'b', priority: 2 }], dependencies: [{ id: 'a->b', from: 'a', to: 'b', type: 'success_only' as const }] };
    const c = planFromJson(plan);
    assert.deepEqual(toPlanFile(c), plan);
    c.transition('a', 'completed');
    c.task('a').result = { ok: 1 };
    const again = planFromJson(toPlanFile(c, true));
    assert.equal(again.task('a').status, 'completed');
    assert.deepEqual(again.task('a').result, { ok: 1 });
  });

});
