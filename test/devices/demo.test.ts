import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/ws-devices';

const DEMO = path.join(REPO_ROOT, 'scripts', 'demo.mjs');
const ESC = String.fromCharCode(27);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'constellation-demo-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

/** The demo's promises before the run and its account after it, whatever the terminal. */
function assertExplained(out: string): void {
  assert.match(out, /Watch for:/);
  assert.match(out, /the run ends "partially failed": that one failure is the point of the demo/);
  assert.match(out, /what happened \(read from the journal\)/);
  assert.match(out, /✔ linux-1 was killed while running \S+; it was lost \(device_lost\) and ran again: attempt 2 completed on linux-1/);
  assert.match(out, /✔ export-latency-metrics failed once .* and its retry completed/);
  assert.match(out, /✖ query-legacy-db failed by design: connection refused/);
  assert.match(out, /↷ correlate-db-errors was skipped: upstream 'query-legacy-db' failed/);
  assert.match(out, /✔ close-db-tunnel ran anyway/);
  assert.match(out, /→ the run ended "partially failed", as intended/);
}

describe('npm run demo', () => {
  it('on a terminal: the live view redraws in place, framed by what to watch for and what happened', async () => {
    // `script` gives the demo a real pseudo-terminal, as a person running it has.
    const { code, out } = await run('script', ['-qec', `stty cols 120 rows 40; ${process.execPath} ${DEMO}`, '/dev/null'], { CONSTELLATION_DEMO_DIR: path.join(tmp, 'tty'), TERM: 'xterm-256color' });
    assert.equal(code, 0, out);
    assert.ok(out.includes(`${ESC}[?25l`), 'the live view hid the cursor');
    assert.match(out, new RegExp(`${ESC}\\[\\d+A\\r`), 'the live view moved up to redraw its frame in place');
    assert.match(out, /linux-1 dropped; reconnecting/, 'the live view showed the killed device');
    assert.doesNotMatch(out, /demo: killing device/, 'no note from the demo tears the live view');
    assert.doesNotMatch(out, /\nconstellation: warning:/, 'warnings appear inside the live view, not under it');
    assert.match(out, /! warning: device 'linux-1': connection closed/, 'the device warning is among the live view\'s recent lines');
    assertExplained(out);
  });

  it('without a terminal: the plain log, one line per event, with the demo\'s notes between', async () => {
    const { code, out } = await run(process.execPath, [DEMO], { CONSTELLATION_DEMO_DIR: path.join(tmp, 'pipe'), NO_COLOR: '1' });
    assert.equal(code, 0, out);
    assert.ok(!out.includes(`${ESC}[`), 'no escape sequences in a log');
    assert.match(out, /^\s*\+\d+\.\ds\s+started\s+collect-logs-web-1 on linux-1$/m);
    assert.match(out, /demo: killing device linux-1 \(pid \d+\) while it runs \S+; it comes back in 1\.5 s/);
    assertExplained(out);
  });
});
