// Starts a real VS Code (code-server) on loopback and opens it in Debian's Chromium through
// Playwright (docs/testing.md). Used by the integration tier (extension tests inside the real
// extension host) and the end-to-end tier (driving the UI like a user).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, ensureCodeServer, ROOT as ROOT_DIR } from './vscode-env.mjs';

export { ROOT_DIR };

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Settings that keep the window quiet and the terminal readable (docs/testing.md). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'terminal.integrated.gpuAcceleration': 'off',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForHttp(port, child, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before listening`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`code-server did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts code-server for `folder` with its own user data and extensions directories under
 * `workDir`, then Chromium on it. Returns the page and a `close()` that ends both (the server's
 * whole process group). `smokeDriver` enables `window.codeAutomationExit` reporting.
 */
export async function launchVSCode({ workDir, folder, settings = {}, env = {}, extensionDevelopmentPath, extensionTestsPath, installVsix, onExit, log = () => undefined, viewport = { width: 1400, height: 900 } }) {
  const cs = ensureCodeServer();
  const userData = path.join(workDir, 'user-data');
  const extensionsDir = path.join(workDir, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  for (const vsix of [installVsix ?? []].flat()) {
    // As a user would: code-server installs the package into its extensions directory.
    const r = spawnSync(cs.node, [cs.entry, '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--install-extension', vsix], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing ${vsix} failed: ${r.stderr || r.stdout}`);
  }
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const port = await freePort();
  const smoke = extensionTestsPath !== undefined;
  const args = [cs.entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensionsDir, ...(smoke ? ['--vscode-option', 'enable-smoke-test-driver'] : []), folder];
  const server = spawn(cs.node, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let serverLog = '';
  const keep = (d) => {
    serverLog = (serverLog + d.toString()).slice(-20_000);
    log(d.toString());
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let browser;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  };
  try {
    await waitForHttp(port, server, 60_000);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport });
    if (onExit) await page.exposeFunction('codeAutomationExit', (code, logs) => onExit(code, logs));
    let url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
    if (smoke) {
      const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
      const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)], ['extensionTestsPath', remote(extensionTestsPath)]];
      url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    }
    await page.goto(url);
    return { page, browser, port, close, serverLog: () => serverLog };
  } catch (err) {
    await close();
    throw new Error(`${err.message}\n--- code-server log ---\n${serverLog}`);
  }
}
