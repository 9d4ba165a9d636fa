import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { remember } from './palette';

export { describeWorkbench, palette } from './palette';

export const E2E_ROOT = path.resolve(__dirname, '..', '..', '..');
const ARTEFACTS = path.join(E2E_ROOT, 'test-results', 'e2e');

export interface Launched {
  readonly page: Page;
  readonly folder: string;
  /** code-server's user settings file. */
  readonly userSettings: string;
  /** The run's directory (user data, extensions, the workspace). */
  readonly work: string;
  /** Ends the browser and code-server, then the local device agent the extension left running (it outlives windows by design). */
  close(): Promise<void>;
}

/** The local device agent's state file, which the extension keeps in its workspace storage. */
export function localDeviceState(work: string): { file: string; pid: number; url: string } | undefined {
  const root = path.join(work, 'user-data', 'User', 'workspaceStorage');
  if (!fs.existsSync(root)) return undefined;
  for (const dir of fs.readdirSync(root)) {
    const file = path.join(root, dir, 'constellation-dev.constellation', 'local-device.json');
    if (!fs.existsSync(file)) continue;
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; url: string };
    return { file, pid: s.pid, url: s.url };
  }
  return undefined;
}

/** Whether a process runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let vsix: string | undefined;

/** Packages the extension as a .vsix once per process, as `npm run package` does. */
function packageVsix(): string {
  if (vsix) return vsix;
  const out = path.join(E2E_ROOT, '.vscode-test', `e2e-${process.pid}.vsix`);
  execFileSync(process.execPath, [path.join(E2E_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '-o', out], { cwd: E2E_ROOT, stdio: 'pipe' });
  vsix = out;
  return out;
}

/** The test-only language-model provider (test/fixtures/scripted-lm), packaged once per process. */
let scriptedLmVsix: string | undefined;
function packageScriptedLm(): string {
  if (scriptedLmVsix) return scriptedLmVsix;
  const out = path.join(E2E_ROOT, '.vscode-test', `e2e-scripted-lm-${process.pid}.vsix`);
  execFileSync(process.execPath, [path.join(E2E_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: path.join(E2E_ROOT, 'test', 'fixtures', 'scripted-lm'), stdio: 'pipe' });
  scriptedLmVsix = out;
  return out;
}

/**
 * VS Code (code-server) with the .vsix installed like a user would, on a folder holding `files`;
 * `scriptedModel` also installs the scripted language model (answers from `.scripted-lm.json`).
 */
export async function launch(name: string, files: Record<string, unknown>, settings: Record<string, unknown> = {}, options: { scriptedModel?: boolean } = {}): Promise<Launched> {
  const work = path.join(E2E_ROOT, '.vscode-test', 'runs', `e2e-${name}-${Date.now()}`);
  const folder = path.join(work, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(folder, file), JSON.stringify(content, null, 2));
  const { launchVSCode } = (await import(pathToFileURL(path.join(E2E_ROOT, 'scripts', 'vscode-launch.mjs')).href)) as {
    launchVSCode: (o: object) => Promise<{ page: Page; close(): Promise<void> }>;
  };
  const vsix = options.scriptedModel ? [packageVsix(), packageScriptedLm()] : packageVsix();
  const vs = await launchVSCode({ workDir: work, folder, installVsix: vsix, settings });
  remember(vs.page, work, ARTEFACTS);
  await vs.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The extension's view container appears once its contributions are loaded.
  await vs.page.locator('.activitybar a[aria-label^="Constellation"]').first().waitFor({ timeout: 60_000 });
  const close = async () => {
    await vs.close();
    const agent = localDeviceState(work);
    if (agent && alive(agent.pid)) process.kill(agent.pid, 'SIGTERM');
  };
  return { page: vs.page, folder, work, userSettings: path.join(work, 'user-data', 'User', 'settings.json'), close };
}

/**
 * Makes the page paint continuously, as a window on a screen does: a headless browser paints only
 * when something asks for a frame, so webviews (the DAG panel) would stay blank in screenshots.
 * Start it again after a reload. Returns a stop.
 */
export async function keepPainting(page: Page): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Page.screencastFrame', (f: { sessionId: number }) => void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined));
  await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 1, maxWidth: 320, maxHeight: 200, everyNthFrame: 1 });
  return async () => {
    await cdp.send('Page.stopScreencast').catch(() => undefined);
    await cdp.detach().catch(() => undefined);
  };
}

/** A screenshot kept as a test artefact; returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  const file = path.join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
