import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planFromJson } from '../../src/core/io/plan-file';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import { Orchestrator } from '../../src/core/orchestrator/orchestrator';
import type { EditRequest } from '../../src/core/orchestrator/edit-source';
import { parseArgs, type OptionSpec } from '../../src/cli/args';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeviceOption, requestedIds } from '../../src/cli/device-spec';
import { UsageError } from '../../src/cli/errors';
import { InvalidInputError } from '../../src/core/model/errors';
import { colourWanted, makeStyle, truncate, visibleWidth } from '../../src/cli/render/format';
import { LiveDisplay } from '../../src/cli/render/live-display';
import { renderSummary } from '../../src/cli/render/summary';
import { parseEditScript, ScriptedEditSource } from '../../src/cli/scripted-edits';

const SPECS: OptionSpec[] = [
  { name: 'devices', kind: 'value', description: '' },
  { name: 'output', short: 'o', kind: 'value', description: '' },
  { name: 'json', kind: 'flag', description: '' },
];

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new assert.AssertionError({ message: 'expected a UsageError' });
}

describe('argv parser', () => {
  it('reads values in both forms, short aliases, flags and -- ', () => {
    const a = parseArgs(['plan.json', '--devices=sim:2', '-o', 'out.json', '--json', '--', '--not-an-option'], SPECS, 'run');
    assert.deepEqual(a.positionals, ['plan.json', '--not-an-option']);
    assert.equal(a.values.get('devices'), 'sim:2');
    assert.equal(a.values.get('output'), 'out.json');
    assert.ok(a.flags.has('json'));
  });

  it('names unknown options with the closest known one, and missing values', () => {
    const unknown = usageError(() => parseArgs(['--jsno'], SPECS, 'run'));
    assert.match(unknown.message, /unknown option '--jsno' for 'run'/);
    assert.match(unknown.hint ?? '', /did you mean --json\?/);
    assert.match(usageError(() => parseArgs(['--devices'], SPECS, 'run')).message, /--devices needs a value/);
    assert.match(usageError(() => parseArgs(['--json=yes'], SPECS, 'run')).message, /takes no value/);
  });
});

describe('--devices', () => {
  it('sim:N names N devices sim-1..sim-N; sim:a,b names them; local: likewise', () => {
    assert.deepEqual(requestedIds(parseDeviceOption('sim:3')), ['sim-1', 'sim-2', 'sim-3']);
    assert.deepEqual(requestedIds(parseDeviceOption('sim:linux-1,windows-1')), ['linux-1', 'windows-1']);
    assert.deepEqual(parseDeviceOption('local:2'), { kind: 'local', ids: ['local-1', 'local-2'] });
    assert.match(usageError(() => parseDeviceOption('local:65')).message, /from 1 to 64/);
  });

  it('a devices.json is read, with every problem named by its path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devices-json-'));
    fs.writeFileSync(path.join(dir, 'a.token'), 'a-token-of-enough-length');
    const good = path.join(dir, 'devices.json');
    fs.writeFileSync(good, JSON.stringify({ devices: [{ id: 'a', url: 'ws://127.0.0.1:7801', tokenFile: 'a.token', capabilities: ['linux'] }], reconnect: { attempts: 5 }, graceMs: 1000 }));
    const req = parseDeviceOption(good);
    assert.equal(req.kind, 'file');
    assert.deepEqual(requestedIds(req), ['a']);
    assert.equal(req.kind === 'file' && req.devices[0]!.token, 'a-token-of-enough-length');
    assert.deepEqual(req.kind === 'file' && req.settings, { backoff: { attempts: 5 }, graceMs: 1000 });
    const badFile = path.join(dir, 'bad.json');
    fs.writeFileSync(badFile, JSON.stringify({ devices: [{ id: 'a', url: 'http://x', token: 'short' }, { id: 'b', url: 'ws://h:1', tokenFile: 'missing.token' }, { id: 'b', url: 'ws://h:2', token: 'long-enough-token-here' }] }));
    const err = (() => {
      try {
        parseDeviceOption(badFile);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.ok(err);
    assert.match(err.message, /devices\[0\]\.url: must be a ws:\/\/ or wss:\/\/ URL/);
    assert.match(err.message, /devices\[0\]\.token: must be at least 16 characters/);
    fs.writeFileSync(badFile, JSON.stringify({ devices: [{ id: 'b', url: 'ws://h:1', tokenFile: 'missing.token' }, { id: 'b', url: 'ws://h:2', token: 'long-enough-token-here' }] }));
    assert.throws(() => parseDeviceOption(badFile), (e: Error) => /devices\[0\]\.tokenFile: cannot read token file .*missing\.token: ENOENT/.test(e.message) && /devices\[1\]\.id: device 'b' is listed twice/.test(e.message));
    assert.throws(() => parseDeviceOption(path.join(dir, 'none.json')), /none\.json.*no such file/);
    fs.rmSync(dir, { recursive: true });
  });

  it('a devices.json lists UFO agent servers with "dialect": "aip": their own token rules, aipTarget, never a token in the URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devices-aip-'));
    fs.writeFileSync(path.join(dir, 'ufo.token'), 'short\n');
    const file = path.join(dir, 'devices.json');
    fs.writeFileSync(file, JSON.stringify({ devices: [
      { id: 'win', url: 'ws://127.0.0.1:5000/ws', dialect: 'aip', aipTarget: 'desk-7', tokenFile: 'ufo.token' },
      { id: 'box', url: 'ws://127.0.0.1:7801', token: 'a-token-of-enough-length' },
    ] }));
    const req = parseDeviceOption(file);
    assert.equal(req.kind, 'file');
    assert.deepEqual(req.kind === 'file' && req.devices, [
      { id: 'win', url: 'ws://127.0.0.1:5000/ws', token: 'short', dialect: 'aip', aipTarget: 'desk-7' },
      { id: 'box', url: 'ws://127.0.0.1:7801', token: 'a-token-of-enough-length' },
    ], "a UFO server's key is whatever its owner chose (a short one is accepted); ours stay 16 or more");
    fs.writeFileSync(file, JSON.stringify({ devices: [
      { id: 'a', url: 'ws://h:5000/ws?token=abc', dialect: 'aip', token: 'abc' },
      { id: 'b', url: 'ws://h:7801', aipTarget: 'x', token: 'a-token-of-enough-length' },
      { id: 'c', url: 'ws://h:7802', token: 'short' },
      { id: 'd', url: 'ws://h:5000/ws', dialect: 'galaxy', token: 'k' },
    ] }));
    assert.throws(() => parseDeviceOption(file), (e: Error) => {
      assert.match(e.message, /devices\[0\]\.url: the URL must not hold the token/);
      assert.match(e.message, /devices\[1\]\.aipTarget: aipTarget is for devices with "dialect": "aip"/);
      assert.match(e.message, /devices\[2\]\.token: must be at least 16 characters/);
      assert.match(e.message, /devices\[3\]\.dialect: /);
      return true;
    });
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects unknown kinds, empty and duplicate ids', () => {
    assert.match(usageError(() => parseDeviceOption('ssh:3')).message, /unknown kind of device 'ssh'/);
    assert.match(usageError(() => parseDeviceOption('sim:')).message, /says which kind but not which devices/);
    assert.match(usageError(() => parseDeviceOption('sim:a,,b')).message, /empty/);
    assert.match(usageError(() => parseDeviceOption('sim:a,a')).message, /listed twice/);
    assert.match(usageError(() => parseDeviceOption('sim:0')).message, /from 1 to/);
  });
});

describe('scripted edits', () => {
  const script = parseEditScript(
    JSON.stringify({
      rounds: [
        { after: 'a', operations: [{ op: 'remove_task', taskId: 'x' }] },
        { after: 'a', status: 'finish', operations: [{ op: 'remove_task', taskId: 'y' }] },
        { after: 'b', delayMs: 5_000, operations: [] },
      ],
    }),
    'edits.json',
    new Set(['a', 'b']),
  );
  const request = (ids: string[], signal = new AbortController().signal) => ({ completions: ids.map((taskId) => ({ taskId, status: 'completed' })), signal }) as unknown as EditRequest;

  it('answers a round whose completions include `after`, merging entries due together, each once', async () => {
    const source = new ScriptedEditSource(script);
    assert.deepEqual(await source.propose(request(['c'])), { operations: [] });
    const due = await source.propose(request(['c', 'a']));
    assert.equal(due?.status, 'finish');
    assert.deepEqual(due?.operations, [
      { op: 'remove_task', taskId: 'x' },
      { op: 'remove_task', taskId: 'y' },
    ]);
    assert.deepEqual(await source.propose(request(['a'])), { operations: [] });
  });

  it('stops waiting when the round is aborted', async () => {
    const controller = new AbortController();
    const answer = new ScriptedEditSource(script).propose(request(['b'], controller.signal));
    controller.abort();
    assert.equal(await answer, undefined);
  });

  it('reports schema problems with paths, and rounds after unknown tasks', () => {
    const bad = (text: string) => {
      try {
        parseEditScript(text, 'e.json', new Set(['a']));
      } catch (err) {
        if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.code}`);
        throw err;
      }
      return [];
    };
    assert.deepEqual(bad('{"rounds": [{"after": "a", "operations": [{"op": "nope"}]}]}'), ['rounds[0].operations[0].op: invalid_field']);
    assert.deepEqual(bad('{"rounds": [{"after": "q", "operations": []}]}'), ['rounds[0].after: unknown_task']);
    assert.deepEqual(bad('{"rounds": [{"after": "a", "operations": [{"op": "add_task", "task": {"id": "n"}}]}, {"after": "n", "operations": []}]}'), []);
    assert.deepEqual(bad('{"rounds": [\n  {"after": "a",}]}'), ['line 2, column 17: invalid_json']);
  });
});

describe('rendering', () => {
  it('colours only a TTY, and never with NO_COLOR', () => {
    assert.equal(colourWanted({ write: () => true, isTTY: true }, {}), true);
    assert.equal(colourWanted({ write: () => true, isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted({ write: () => true, isTTY: false }, {}), false);
  });

  it('truncates to a screen width without counting or breaking escape sequences', () => {
    const s = makeStyle(true);
    const line = `${s.red('abcdef')}ghij`;
    const cut = truncate(line, 5);
    assert.equal(visibleWidth(cut), 5);
    assert.ok(cut.startsWith('\u001b[31mabcd'));
    assert.equal(truncate('short', 10), 'short');
  });

  it('summarises a large run: failures first, the rest counted', async () => {
    const tasks = Array.from({ length: 50 }, (_, i) => ({ id: `t${String(i).padStart(2, '0')}`, inputs: { sim: i === 45 ? { fail: 'boom' } : {} } }));
    const c = planFromJson({ id: 'big', tasks, dependencies: [{ from: 't45', to: 't46', type: 'success_only' }] });
    const report = await new Orchestrator(c, { devices: [{ id: 'd', executor: new SimExecutor() }] }).run();
    const text = renderSummary(report, c, { style: makeStyle(false) });
    assert.match(text, /^ {2}t45 +failed +d +1 +\S+ +boom \[sim_failure\]$/m);
    assert.match(text, /^ {2}t46 +skipped/m);
    assert.match(text, /… and 11 more tasks not shown \(11 completed\)/);
    assert.match(text, /t45 failed on d: boom \[sim_failure\]\n +so 1 task never ran: t46/);
  });

  it('the live display redraws in place at most ~10 times a second, within the terminal width', async () => {
    const writes: string[] = [];
    const stream = { write: (t: string) => writes.push(t), isTTY: true, columns: 60, rows: 20 };
    const c = planFromJson({
      id: 'live',
      name: 'Live',
      tasks: [
        { id: 'a', inputs: { sim: { durationMs: 400, output: ['hello from a', 'second line of a'] } } },
        { id: 'b', inputs: { sim: { durationMs: 200, fail: 'nope' } } },
        { id: 'c', inputs: { sim: { durationMs: 100 } } },
      ],
      dependencies: [{ from: 'b', to: 'c', type: 'success_only' }],
    });
    const o = new Orchestrator(c, { devices: [{ id: 'd1', executor: new SimExecutor() }, { id: 'd2', executor: new SimExecutor() }] });
    const display = new LiveDisplay(o, stream, makeStyle(false));
    const started = Date.now();
    const midRun = new Promise<string>((resolve) => setTimeout(() => resolve(writes.join('')), 350));
    await o.run();
    const mid = await midRun;
    const elapsed = Date.now() - started;
    display.stop();
    const frames = writes.filter((w) => w.includes('Live  '));
    assert.ok(frames.length >= 2, `drew ${frames.length} frames`);
    assert.ok(frames.length <= Math.ceil(elapsed / 100) + 2, `${frames.length} frames in ${elapsed} ms`);
    let previous = 0;
    for (const frame of frames) {
      // Each frame goes back exactly as many lines as the previous one drew, then redraws.
      assert.ok(frame.startsWith(previous === 0 ? '\r' : `\u001b[${previous}A\r`), JSON.stringify(frame.slice(0, 12)));
      const lines = frame.split('\n').slice(0, -1);
      for (const l of lines) assert.ok(visibleWidth(l) <= 59, `too wide: ${l}`);
      assert.ok(lines.length <= 19, 'fits the terminal height');
      previous = lines.length;
    }
    assert.match(mid, /▶ a +d\d/);
    assert.match(mid, /│ hello from a/);
    assert.match(mid, /✖ b on d\d \(attempt 1\): nope/);
    assert.match(mid, /↷ c: upstream 'b' failed \(success_only dependency\)/);
    assert.ok(writes.at(-1)!.endsWith('\u001b[?25h'), 'the cursor is shown again');
  });
});
