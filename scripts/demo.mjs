// `npm run demo`: the sample constellation on three device agents over real WebSockets.
// The demo starts the agents itself (`constellation device`), writes a devices.json for them and
// runs the plan with `constellation run`, whose output goes straight to this terminal (the live
// view on a terminal, the plain log otherwise). Mid-run it kills one agent (SIGKILL, by pid) and
// restarts it on the same port. Before the run it says what to watch for; after it, it reads the
// run's journal and says what happened.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'constellation.js');
const work = process.env.CONSTELLATION_DEMO_DIR ? path.resolve(process.env.CONSTELLATION_DEMO_DIR) : path.join(root, '.constellation');
const dir = path.join(work, 'demo');
const journalRoot = path.join(work, 'runs');
const ids = ['linux-1', 'linux-2', 'windows-1'];
const VICTIM = 'linux-1';
const tty = process.stdout.isTTY === true && process.env.TERM !== 'dumb';
const colour = tty && !process.env.NO_COLOR;
const paint = (code, text) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
const note = (text) => process.stdout.write(`${paint('1;35', 'demo:')} ${text}\n`);
const say = (text) => process.stdout.write(`${text}\n`);

mkdirSync(dir, { recursive: true });
mkdirSync(journalRoot, { recursive: true });
const agents = new Map();

/** Starts `constellation device` for `id` and resolves with its URL. */
function startAgent(id, port = 0) {
  const tokenFile = path.join(dir, `${id}.token`);
  if (!agents.has(id)) writeFileSync(tokenFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const child = spawn(process.execPath, [cli, 'device', '--id', id, '--port', String(port), '--token-file', tokenFile, '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /listening on (ws:\/\/\S+)/.exec(line);
      if (!m) return;
      agents.set(id, { child, url: m[1], tokenFile, port: Number(new URL(m[1]).port) });
      resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`device ${id} exited (${code}) before listening`)));
  });
}

function stopAll() {
  for (const { child } of agents.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

say('');
note('Checkout 5xx triage: 10 tasks on three device agents (linux-1, linux-2, windows-1), over WebSocket.');
say('      Watch for:');
say(`      • ${VICTIM} is killed (SIGKILL) while it runs a task and restarted 1.5 s later on the same port:`);
say('        its task waits for it, is found lost, and runs again;');
say('      • export-latency-metrics fails once by design (a flaky API) and its retry succeeds;');
say('      • query-legacy-db fails for good by design (the legacy database is down), so correlate-db-errors,');
say('        which needs its result, is skipped, while close-db-tunnel cleans up anyway (completion_only);');
say('      • so the run ends "partially failed": that one failure is the point of the demo.');
say('');

try {
  await Promise.all(ids.map((id) => startAgent(id)));
} catch (err) {
  stopAll();
  console.error(`demo: ${err.message}`);
  process.exit(1);
}
const devicesFile = path.join(dir, 'devices.json');
writeFileSync(devicesFile, `${JSON.stringify({ devices: ids.map((id) => ({ id, url: agents.get(id).url, tokenFile: `${id}.token` })) }, null, 2)}\n`);
note(`3 device agents listening: ${ids.map((id) => `${id} ${agents.get(id).url} (pid ${agents.get(id).child.pid})`).join(', ')}`);

const before = new Set(readdirSync(journalRoot));
const run = spawn(process.execPath, [cli, 'run', path.join(root, 'examples', 'demo.constellation.json'), '--devices', devicesFile, '--journal', journalRoot], { stdio: ['ignore', 'inherit', 'inherit'] });
const exited = new Promise((resolve) => run.once('exit', (c) => resolve(c ?? 1)));

/** The run's journal directory, once `run` has created it. */
function runDir() {
  const fresh = readdirSync(journalRoot).filter((d) => !before.has(d) && existsSync(path.join(journalRoot, d, 'events.jsonl')));
  return fresh.length === 1 ? path.join(journalRoot, fresh[0]) : undefined;
}

function events(runPath) {
  const text = readFileSync(path.join(runPath, 'events.jsonl'), 'utf8');
  return text.split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l)] : [];
    } catch {
      return []; // a line still being written
    }
  });
}

// Kill the victim once the journal says it started a task; the live view shows it drop and return.
let victimTask;
const watcher = setInterval(() => {
  const d = runDir();
  if (!d || victimTask) return;
  const started = events(d).find((e) => e.type === 'task_started' && e.device === VICTIM);
  if (!started) return;
  victimTask = started.taskId;
  setTimeout(() => void chaos(), 300);
}, 50);

async function chaos() {
  const victim = agents.get(VICTIM);
  if (!tty) note(`killing device ${VICTIM} (pid ${victim.child.pid}) while it runs ${victimTask}; it comes back in 1.5 s`);
  victim.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1_500));
  await startAgent(VICTIM, victim.port);
  if (!tty) note(`restarted device ${VICTIM} on the same port (pid ${agents.get(VICTIM).child.pid})`);
}

const code = await exited;
clearInterval(watcher);
stopAll();
const runPath = runDir();
if (runPath) explain(events(runPath));
// The plan fails one task by design, so the run ends "partially failed" (exit 1); anything worse
// (invalid input, a crash) fails the demo.
process.exit(code <= 1 ? 0 : code);

/** Says what the run showed, from its journal. */
function explain(all) {
  const failedOnce = (id) => all.find((e) => e.type === 'task_failed' && e.taskId === id && e.willRetry);
  const completed = (id) => all.find((e) => e.type === 'task_completed' && e.taskId === id);
  const lines = [];
  if (victimTask) {
    const lost = failedOnce(victimTask);
    const done = completed(victimTask);
    const how = lost ? `it was lost (${lost.error.code}) and ran again` : 'it waited for the device';
    lines.push(`✔ ${VICTIM} was killed while running ${victimTask}; ${how}${done ? `: attempt ${done.attempt} completed on ${done.device}` : ''}`);
  }
  const flaky = failedOnce('export-latency-metrics');
  if (flaky && completed('export-latency-metrics')) lines.push(`✔ export-latency-metrics failed once ("${flaky.error.message}") and its retry completed`);
  const broken = all.find((e) => e.type === 'task_failed' && !e.willRetry);
  if (broken) lines.push(`✖ ${broken.taskId} failed by design: ${broken.error.message}`);
  for (const e of all.filter((x) => x.type === 'task_skipped')) lines.push(`↷ ${e.taskId} was skipped: ${e.reason}`);
  if (completed('close-db-tunnel')) lines.push('✔ close-db-tunnel ran anyway: a completion_only dependency waits for its upstream to finish, however it ends');
  const end = all.findLast((e) => e.type === 'constellation_completed' || e.type === 'constellation_failed');
  say('');
  note('what happened (read from the journal)');
  for (const l of lines) say(`      ${l}`);
  if (end) say(`      → the run ended "${end.state.replace('_', ' ')}"${end.state === 'partially_failed' ? ', as intended: only the deliberate failure and what depended on it' : ''}`);
  const shown = path.relative(process.cwd(), runPath);
  say(`      journal: ${shown.startsWith('..') ? runPath : shown}`);
}
