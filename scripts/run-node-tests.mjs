// Runs every *.test.js under the given directories with node's test runner; prints the
// spec output and a closing "<tier>: N passed, N failed" line. Exit code: the runner's.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [tier, ...dirs] = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
for (const d of dirs) if (existsSync(d)) walk(d);
if (files.length === 0) {
  console.error(`${tier}: no test files under ${dirs.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=./scripts/count-reporter.mjs', '--test-reporter-destination=stdout', ...files],
  { stdio: 'inherit', env: { ...process.env, CONSTELLATION_TEST_TIER: tier } },
);
process.exit(result.status ?? 1);
