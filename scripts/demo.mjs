// `npm run demo`: the sample constellation on three device agents over real WebSockets.
// The demo starts the agents itself (`constellation device`), writes a devices.json for them,
// runs the plan with `constellation run`, and mid-run kills one agent (SIGKILL, by pid) and
// restarts it on the same port: the run carries on, the lost task is retried, and it finishes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'constellation.js');
const dir = path.join(root, '.constellation', 'demo');
const ids = ['linux-1', 'linux-2', 'windows-1'];
const VICTIM = 'linux-1';
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const note = (text) => process.stdout.write(`${colour ? '\u001b[1;35m' : ''}demo: ${text}${colour ? '\u001b[0m' : ''}\n`);

mkdirSync(dir, { recursive: true });
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

const run = spawn(process.execPath, [cli, 'run', path.join(root, 'examples', 'demo.constellation.json'), '--devices', devicesFile, '--journal', path.join(root, '.constellation', 'runs')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, ...(colour ? { FORCE_COLOR: '1' } : {}) },
});
let killed = false;
createInterface({ input: run.stderr }).on('line', (line) => process.stderr.write(`${line}\n`));
createInterface({ input: run.stdout }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (!killed && line.includes('started') && line.includes(`on ${VICTIM}`)) {
    killed = true;
    setTimeout(() => void chaos(), 300);
  }
});

async function chaos() {
  const victim = agents.get(VICTIM);
  note(`killing device ${VICTIM} (pid ${victim.child.pid}) mid-task; it comes back in 1.5 s`);
  victim.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1_500));
  await startAgent(VICTIM, victim.port);
  note(`restarted device ${VICTIM} on the same port (pid ${agents.get(VICTIM).child.pid})`);
}

const code = await new Promise((resolve) => run.once('exit', (c) => resolve(c ?? 1)));
stopAll();
// The plan has a task that fails by design (the legacy database is down), so the run ends
// "partially failed" (exit 1); anything worse fails the demo.
process.exit(code <= 1 ? 0 : code);
