import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractJsonObject, readEditAnswer } from '../../src/agent/answer';

function problemsOf(r: ReturnType<typeof readEditAnswer> | ReturnType<typeof extractJsonObject>) {
  assert.equal(r.ok, false, 'expected the answer to be rejected');
  return r.ok ? [] : r.problems;
}

describe('agent answers: finding the JSON', () => {
  it('reads a bare object, one in a ```json fence, and one with prose around it', () => {
    const bare = extractJsonObject('  {"status": "continue", "operations": []}\n');
    assert.deepEqual(bare.ok && bare.value, { status: 'continue', operations: [] });
    const fenced = extractJsonObject('Here is my answer:\n```json\n{"a": 1}\n```\nThanks.');
    assert.deepEqual(fenced.ok && fenced.value, { a: 1 });
    const prose = extractJsonObject('I will continue: {"a": {"b": 2}} as planned.');
    assert.deepEqual(prose.ok && prose.value, { a: { b: 2 } });
  });

  it('prefers the ```json fence over other fences and braces in the prose', () => {
    const text = 'The old plan was {broken}.\n```text\n{"not": "this"}\n```\n```json\n{"this": true}\n```';
    const r = extractJsonObject(text);
    assert.deepEqual(r.ok && r.value, { this: true });
  });

  it('says precisely when there is no JSON at all, or nothing', () => {
    const [none] = problemsOf(extractJsonObject('I think we should continue with the plan.'));
    assert.equal(none?.code, 'no_json');
    assert.match(none?.message ?? '', /contains no JSON object .* it began: "I think we should continue/);
    const [empty] = problemsOf(extractJsonObject('  \n'));
    assert.equal(empty?.message, 'the answer is empty; expected one JSON object');
  });

  it('locates a syntax error by line and column of the whole answer, fence included', () => {
    const text = 'Sure.\n```json\n{\n  "status": "continue",\n  "operations": [,]\n}\n```';
    const [p] = problemsOf(extractJsonObject(text));
    assert.equal(p?.code, 'invalid_json');
    assert.equal(p?.path, 'line 5, column 18', 'line 5 of the answer, not of the fenced block');
    assert.match(p?.message ?? '', /^not valid JSON: /);
  });

  it('rejects a top-level array with what it found', () => {
    const [p] = problemsOf(extractJsonObject('[{"op": "remove_task", "taskId": "a"}]'));
    assert.equal(p?.message, 'expected a JSON object at the top level, found an array');
  });
});

describe('agent answers: the edit answer shape', () => {
  it('accepts status, reason and operations; operations default to none; null reason is no reason', () => {
    const r = readEditAnswer('{"status": "finish", "reason": null}');
    assert.deepEqual(r.ok && r.value, { status: 'finish', reason: undefined, operations: [] });
    const ops = readEditAnswer('{"status":"continue","operations":[{"op":"whatever"}],"thoughts":"ignored"}');
    assert.deepEqual(ops.ok && ops.value.operations, [{ op: 'whatever' }], 'operations are left to the core to check');
  });

  it('reports every shape error with its JSON path', () => {
    const r = readEditAnswer('{"status": "done", "operations": {"op": "add_task"}, "reason": 3}');
    assert.equal(r.ok, false);
    const byPath = new Map(problemsOf(r).map((p) => [p.path, p.message]));
    assert.equal(byPath.get('status'), 'status must be "continue", "finish" or "fail"');
    assert.equal(byPath.get('operations'), 'operations must be an array');
    assert.equal(byPath.get('reason'), 'reason must be a string');
    assert.ok(!r.ok && r.message.includes('status: status must be "continue", "finish" or "fail" [invalid_field]'), r.ok ? '' : r.message);
  });

  it('a fail answer must say why', () => {
    const [p] = problemsOf(readEditAnswer('{"status": "fail", "operations": []}'));
    assert.deepEqual({ path: p?.path, message: p?.message }, { path: 'reason', message: 'a "fail" answer needs a reason' });
  });
});
