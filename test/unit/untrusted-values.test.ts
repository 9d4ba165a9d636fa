import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolveReferences } from '../../src/core/expr/references';
import { quoteAt, ShellScanner } from '../../src/core/expr/shell-words';
import { findTooDeep, MAX_VALUE_DEPTH } from '../../src/core/io/json-limits';
import { parseJsonText } from '../../src/core/io/json-text';
import { planFromJson } from '../../src/core/io/plan-file';
import { parseBatch } from '../../src/core/editing/operations';
import { Journal, wholeLines } from '../../src/core/persistence/journal';
import { MemoryJournalStore } from '../../src/core/persistence/store';
import { InvalidInputError } from '../../src/core/model/errors';

const HOSTILE = `; touch /tmp/PWNED # it's "$(rm -rf ~)" \`id\` $HOME \\ done`;
const source = { getTask: (id: string) => (id === 'a' ? { status: 'completed', result: { stdout: HOSTILE, n: 3, list: ['x y', 'z'] } } : undefined) };

/** What /bin/sh actually prints for a command line. */
function sh(line: string): string {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
}

function commandOf(command: unknown, shell?: 'posix' | 'cmd'): unknown {
  return (resolveReferences({ inputs: { command } }, source, { shell }).inputs).command;
}

describe('a substituted value is data, never code', () => {
  it('in a shell command line it is one quoted word, wherever it stands, and the shell prints it back exactly', () => {
    for (const line of ['printf %s ${tasks.a.result.stdout}', 'printf %s "${tasks.a.result.stdout}"', "printf %s '${tasks.a.result.stdout}'", 'printf %s pre${tasks.a.result.stdout}post', `printf '%s|' 'x'"y"\${tasks.a.result.stdout}`]) {
      const resolved = commandOf(line) as string;
      const expected = line.includes('pre') ? `pre${HOSTILE}post` : line.includes("'x'\"y\"") ? `xy${HOSTILE}|` : HOSTILE;
      assert.equal(sh(resolved), expected, `${line} → ${resolved}`);
    }
  });

  it('a value that is not a string is its JSON text, still one word', () => {
    assert.equal(sh(commandOf('printf %s ${tasks.a.result.list}') as string), '["x y","z"]');
    assert.equal(sh(commandOf('printf %s ${tasks.a.result.n}') as string), '3');
  });

  it('in argv it is one element, as text; in other inputs it keeps its JSON type', () => {
    assert.deepEqual(commandOf(['printf', '%s', '${tasks.a.result.stdout}', '${tasks.a.result.n}']), ['printf', '%s', HOSTILE, '3']);
    const inputs = resolveReferences({ inputs: { data: '${tasks.a.result.list}', n: '${tasks.a.result.n}' } }, source).inputs;
    assert.deepEqual(inputs, { data: ['x y', 'z'], n: 3 });
  });

  it('inside a command substitution or parameter expansion it is refused, at dispatch and when the plan is loaded', () => {
    for (const line of ['echo $(echo ${tasks.a.result.stdout})', 'echo "`echo ${tasks.a.result.stdout}`"', 'echo ${X:-${tasks.a.result.stdout}}']) {
      assert.throws(() => commandOf(line), /cannot be put in the command: it stands inside a command substitution/, line);
    }
    const plan = { tasks: [{ id: 'a' }, { id: 'b', inputs: { command: 'echo "$(cat ${tasks.a.result.stdout})"' } }], dependencies: [{ from: 'a', to: 'b' }] };
    assert.throws(() => planFromJson(plan), (err: unknown) => err instanceof InvalidInputError && err.problems.some((p) => p.code === 'bad_reference' && p.path === 'tasks[1].inputs.command' && /command substitution/.test(p.message)));
  });

  it('for cmd.exe: quoted outside quotes; what cmd cannot carry as data is refused with the argv form suggested', () => {
    assert.deepEqual(quoteAt('C:\\dir with space\\', 'plain', 'cmd'), { ok: true, text: '"C:\\dir with space\\\\"' });
    assert.match(JSON.stringify(quoteAt('50% & "x"', 'plain', 'cmd')), /cannot take as data.*argv form/);
    assert.match(JSON.stringify(quoteAt('x', 'double', 'cmd')), /must stand outside quotes/);
    assert.throws(() => commandOf('dir ${tasks.a.result.stdout}', 'cmd'), /cmd.exe cannot take as data/);
  });

  it('the scanner follows quotes, escapes and nesting', () => {
    const at = (text: string) => {
      const s = new ShellScanner();
      s.feed(text);
      return s.context;
    };
    assert.equal(at('echo a '), 'plain');
    assert.equal(at("echo 'a "), 'single');
    assert.equal(at('echo "a '), 'double');
    assert.equal(at('echo \\" '), 'plain');
    assert.equal(at('echo "$(x '), 'substitution');
    assert.equal(at('echo "$(x) '), 'double');
    assert.equal(at("echo '$(x' "), 'plain');
    assert.equal(at('echo $( (a) '), 'substitution');
  });
});

describe('deeply nested JSON is refused where it enters, never a stack overflow', () => {
  const deep = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

  it('the depth is measured without recursion, even at 100,000 levels', () => {
    assert.equal(findTooDeep(deep(100_000), MAX_VALUE_DEPTH)?.length, MAX_VALUE_DEPTH);
    assert.equal(findTooDeep(deep(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH), undefined);
  });

  it('in a plan: its inputs, metadata or result, named by path with the limit', () => {
    for (const key of ['inputs', 'metadata', 'result']) {
      const task = { id: 'a', [key]: key === 'metadata' ? { x: deep(5000) } : deep(5000) };
      assert.throws(
        () => planFromJson({ tasks: [task] }),
        (err: unknown) => err instanceof InvalidInputError && err.problems[0]!.code === 'too_deep' && err.problems[0]!.path!.startsWith(`tasks[0].${key}`) && /nested deeper than 64 levels/.test(err.message),
        key,
      );
    }
    const text = parseJsonText(`{"tasks": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    assert.ok('problem' in text && text.problem.code === 'too_deep');
  });

  it('in an edit batch: the operation that carries it is refused', () => {
    const r = parseBatch([{ op: 'add_task', task: { id: 'x' } }, { op: 'add_task', task: { id: 'y', inputs: deep(100) } }]);
    assert.ok(!r.ok);
    assert.equal(r.violations[0]!.opIndex, 1);
    assert.match(r.violations[0]!.message, /nested deeper than 64 levels at \[1\]\.task\.inputs/);
  });
});

describe('a torn or unreadable last line of a journal is cut before anything is appended', () => {
  it('keeps whole lines, and cuts half a line or a last line that is not JSON', () => {
    assert.equal(wholeLines('{"a":1}\n{"b":2}\n'), 16);
    assert.equal(wholeLines('{"a":1}\n{"b":'), 8);
    assert.equal(wholeLines('{"a":1}\ngarbage\n'), 8);
    assert.equal(wholeLines(''), 0);
  });

  it('the journal reopened on a damaged log cuts it, says what it cut, and appends after the last whole line', () => {
    const store = new MemoryJournalStore();
    store.write('r', 'events', '{"seq":1,"type":"constellation_started"}\n{"seq":2,"type":"task_st');
    store.write('r', 'snapshot', '{}');
    const journal = new Journal(store, 'r');
    assert.deepEqual(journal.repaired, { dropped: '{"seq":2,"type":"task_st', bytes: 24 });
    assert.equal(store.read('r', 'events'), '{"seq":1,"type":"constellation_started"}\n');
  });
});
