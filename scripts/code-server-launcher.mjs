#!/usr/bin/env node
// Stands in for the VS Code executable of @vscode/test-electron (`useInstallation.fromPath`):
// takes the arguments it would pass to VS Code, runs them in code-server opened in Chromium
// (docs/testing.md), and exits with the code the workbench reports through `codeAutomationExit`.
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { launchVSCode, ROOT_DIR } from './vscode-launch.mjs';

/** `vsce package` of an extension folder into `dir`; returns the .vsix path. */
function packageExtension(folder, dir) {
  const out = path.join(dir, `${path.basename(folder)}.vsix`);
  const vsce = path.join(ROOT_DIR, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: folder, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging ${folder} failed: ${r.stderr || r.stdout}`);
  return out;
}

const args = process.argv.slice(2);
const flags = (name) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const flag = (name) => flags(name)[0];
// Several development paths load several extensions (ours and the scripted language model).
const extensionDevelopmentPaths = flags('extensionDevelopmentPath');
const extensionDevelopmentPath = extensionDevelopmentPaths[0];
const extensionTestsPath = flag('extensionTestsPath');
const folder = args.filter((a) => !a.startsWith('-')).at(-1);
if (!extensionDevelopmentPath || !extensionTestsPath || !folder) {
  console.error(`code-server-launcher: expected --extensionDevelopmentPath=, --extensionTestsPath= and a folder; got ${args.join(' ')}`);
  process.exit(2);
}
const workDir = path.join(ROOT_DIR, '.vscode-test', 'runs', `integration-${Date.now()}`);
mkdirSync(workDir, { recursive: true });
const report = path.join(workDir, 'report.txt');
const TIMEOUT_MS = Number(process.env.CONSTELLATION_INTEGRATION_TIMEOUT_MS ?? 600_000);

let finish;
const exited = new Promise((resolve) => (finish = resolve));
const timer = setTimeout(() => finish({ code: 124, why: `no result within ${TIMEOUT_MS} ms` }), TIMEOUT_MS);
let vs;
try {
  vs = await launchVSCode({
    workDir,
    folder: path.resolve(folder),
    extensionDevelopmentPath: path.resolve(extensionDevelopmentPath),
    // code-server loads one development path; the others (the scripted language model) are
    // packaged and installed, which is also how a user would get them.
    installVsix: extensionDevelopmentPaths.slice(1).map((p) => packageExtension(path.resolve(p), workDir)),
    extensionTestsPath: path.resolve(extensionTestsPath),
    env: { CONSTELLATION_TEST_REPORT: report, CONSTELLATION_TEST_ARTEFACTS: workDir },
    onExit: (code) => finish({ code }),
  });
} catch (err) {
  console.error(`code-server-launcher: ${err.message}`);
  process.exit(1);
}
const result = await exited;
clearTimeout(timer);
await vs.page.screenshot({ path: path.join(workDir, 'final.png') }).catch(() => undefined);
await vs.close();
if (existsSync(report)) process.stdout.write(readFileSync(report, 'utf8'));
else console.error('code-server-launcher: the tests wrote no report (did the extension host start?)');
if (result.why) console.error(`code-server-launcher: ${result.why}`);
console.error(`code-server-launcher: artefacts in ${workDir}`);
process.exit(typeof result.code === 'number' ? result.code : 1);
