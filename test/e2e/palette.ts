import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

// Driving VS Code's quick input as a user would, and saying what the window showed when a step
// did not happen (a failure on a CI machine leaves only the test's output to read).

/** Where each page's run keeps its files (for its logs); set by `launch`. */
const workOf = new WeakMap<Page, { work: string; shots: string }>();

export function remember(page: Page, work: string, shots: string): void {
  workOf.set(page, { work, shots });
}

const WIDGET = '.quick-input-widget';

/** The quick input is up and usable: visible, not fading out (a closing one is inert). */
async function quickInputOpen(page: Page): Promise<boolean> {
  // (Evaluated in the page; the test's own TypeScript has no DOM types.)
  const open = `(() => { const el = document.querySelector('${WIDGET}'); return !!el && el.offsetParent !== null && getComputedStyle(el).display !== 'none' && !el.inert; })()`;
  return page.evaluate<boolean>(open).catch(() => false);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The label of the row the quick input would accept on Enter, if any. */
async function activeLabel(page: Page): Promise<string | undefined> {
  const row = page.locator(`${WIDGET} .quick-input-list .monaco-list-row.focused .label-name`).first();
  if ((await row.count()) === 0) return undefined;
  return (await row.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
}

/**
 * Runs a command from the palette as a user would; `pick` answers the quick pick the command
 * opens (the row whose label is `pick`). Enter is pressed only once the row to accept is the
 * active one. A step that failed before the command ran, or a pick seen to close unanswered
 * (something took focus: the command saw it dismissed and did nothing), is tried again; any
 * other failure (no pick ever opened: the command may have done something) is not. A step that
 * does not happen fails with what the window showed.
 */
export async function palette(page: Page, command: string, pick?: string): Promise<void> {
  const what = `${command}${pick ? ` → ${pick}` : ''}`;
  for (let attempt = 1; ; attempt++) {
    const failed = await tryPalette(page, command, pick);
    if (failed === undefined) return;
    if (!failed.again || attempt === 3) throw new Error(`palette: ${what}: ${failed.problem}\n${await describeWorkbench(page, 'palette')}`);
    console.error(`palette: ${what}: attempt ${attempt}: ${failed.problem}; again`);
    await page.keyboard.press('Escape').catch(() => undefined);
    await until(async () => !(await quickInputOpen(page)), 2_000);
  }
}

/** Why a palette step failed, and whether running the command again is safe. */
interface Failed {
  readonly problem: string;
  readonly again: boolean;
}

async function tryPalette(page: Page, command: string, pick?: string): Promise<Failed | undefined> {
  // A quick input still open (or fading out) would take the keys meant for the palette.
  if (!(await until(async () => !(await quickInputOpen(page)), 3_000))) await page.keyboard.press('Escape');
  // Focus inside a webview (a DAG tab just clicked) comes back to it when the palette closes, and
  // a webview takes focus asynchronously: late, it closes the pick the command just opened. The
  // keys reach the palette from anywhere in the window; leave the webview first.
  await page.evaluate(`(() => { const el = document.activeElement; if (el && el.tagName === 'IFRAME') el.blur(); })()`).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator(`${WIDGET} input`).first();
  // Taken: the quick input closed, or another input replaced it (or the page reloaded).
  const taken = (value: string) => until(async () => !(await quickInputOpen(page)) || (await input.inputValue().catch(() => '')) !== value, 5_000);
  if (!(await until(() => quickInputOpen(page), 5_000))) return { problem: 'the palette did not open', again: true };
  await input.fill(`>${command}`, { timeout: 5_000 }).catch(() => undefined);
  if (!(await until(async () => (await activeLabel(page)) === command, 5_000))) return { problem: `the palette never offered '${command}' first (it offers '${(await activeLabel(page)) ?? 'nothing'}')`, again: true };
  await page.keyboard.press('Enter');
  if (!(await taken(`>${command}`))) return { problem: `the palette did not take '${command}'`, again: true };
  if (pick === undefined) return undefined;
  const offered = async () => (await quickInputOpen(page)) && (await page.locator(`${WIDGET} .quick-input-list .monaco-list-row`, { hasText: pick }).count()) > 0;
  if (!(await until(offered, 15_000))) return { problem: `no pick offering '${pick}' opened`, again: false };
  await input.fill(pick, { timeout: 5_000 }).catch(() => undefined);
  if (!(await until(async () => (await activeLabel(page)) === pick, 5_000))) return { problem: `the pick never offered '${pick}' first (it offers '${(await activeLabel(page)) ?? 'nothing'}'; open: ${await quickInputOpen(page)})`, again: true };
  await page.keyboard.press('Enter');
  if (!(await taken(pick))) return { problem: `the pick did not take '${pick}'`, again: true };
  return undefined;
}

/**
 * What the window shows, for a failure message: notifications, the quick input, the focused
 * element, the editor and terminal tabs, the tail of the extension's log; and a screenshot.
 */
export async function describeWorkbench(page: Page, label: string): Promise<string> {
  const text = async (selector: string) =>
    (await page.locator(selector).allInnerTexts().catch(() => [] as string[])).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const focused = await page
    .evaluate<string>(`(() => { const el = document.activeElement; if (!el) return 'none'; const cls = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(Boolean).join('.') : ''; return el.tagName.toLowerCase() + (cls ? '.' + cls : '') + (el.getAttribute('aria-label') ? ' "' + el.getAttribute('aria-label') + '"' : ''); })()`)
    .catch(() => '?');
  const lines = [
    `notifications: ${JSON.stringify(await text('.notifications-toasts .notification-list-item-message'))}`,
    `quick input open: ${await quickInputOpen(page)}; rows: ${JSON.stringify((await text(`${WIDGET} .quick-input-list .monaco-list-row`)).slice(0, 8))}`,
    `focused: ${focused}`,
    `editor tabs: ${JSON.stringify(await text('.tabs-container .tab .label-name'))}`,
    `terminals: ${JSON.stringify(await text('.terminal-tabs-entry, .single-terminal-tab'))}; xterm screens: ${await page.locator('.xterm .xterm-rows').count()}`,
  ];
  const where = workOf.get(page);
  if (where) {
    const file = path.join(where.shots, `failure-${label}-${Date.now()}.png`);
    fs.mkdirSync(where.shots, { recursive: true });
    await page.screenshot({ path: file }).then(() => lines.push(`screenshot: ${file}`), () => undefined);
    for (const log of extensionLogs(where.work)) {
      const tail = fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15);
      lines.push(`${path.relative(where.work, log)} (last ${tail.length} lines):`, ...tail.map((l) => `  ${l}`));
    }
  }
  return lines.join('\n');
}

/** The Constellation output logs of every extension host the window had, oldest first. */
function extensionLogs(work: string): string[] {
  const root = path.join(work, 'user-data', 'logs');
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && e.name === 'Constellation.log') found.push(p);
    }
  };
  walk(root, 0);
  return found.sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
}
