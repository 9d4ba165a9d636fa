// `npm test`: compile (type-check), lint, build, then every test tier. Stops at the first failing
// step. `node scripts/test.mjs unit devices` (what `npm run test:unit` etc. call) compiles and
// builds, then runs only the tiers named.
import { spawnSync } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const prepare = [
  ['type-check and compile', npx, ['tsc', '-p', '.']],
  ['build', process.execPath, ['scripts/build.mjs']],
];
const checks = [
  ['type-check the webview', npx, ['tsc', '-p', 'webview']],
  ['lint', npx, ['eslint', '.']],
];
const tiers = {
  unit: ['unit tests', process.execPath, ['scripts/run-node-tests.mjs', 'unit', 'out/test/unit']],
  // Real device agents in separate processes, over real WebSockets.
  devices: ['device tests', process.execPath, ['scripts/run-node-tests.mjs', 'devices', 'out/test/devices']],
  // Mocha inside a real VS Code extension host (code-server in Chromium; see .vscode-test.mjs).
  integration: ['integration tests', npx, ['vscode-test']],
  // The packaged extension installed in VS Code, driven like a user in Chromium (Playwright).
  e2e: ['end-to-end tests', process.execPath, ['scripts/run-node-tests.mjs', 'e2e', 'out/test/e2e']],
};

const asked = process.argv.slice(2);
const unknown = asked.filter((t) => !(t in tiers));
if (unknown.length > 0) {
  console.error(`unknown tier ${unknown.join(', ')}; tiers: ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}
const steps = asked.length === 0 ? [prepare[0], ...checks, prepare[1], ...Object.values(tiers)] : [...prepare, ...asked.map((t) => tiers[t])];

const started = Date.now();
for (const [name, cmd, args] of steps) {
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.log(`=== ${name}: ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`\nall steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
