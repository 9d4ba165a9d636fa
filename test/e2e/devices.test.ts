import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E2E_ROOT, launch, palette, shot, type Launched } from './harness';

const TOKEN = 'e2e-secret-token-0123456789';

describe('end to end: adding a device from the palette', () => {
  let vs: Launched;
  let agent: ChildProcess;
  let url: string;
  let ufo: ChildProcess;
  let ufoUrl: string;

  before(async () => {
    const tokenFile = path.join(E2E_ROOT, '.vscode-test', `e2e-${process.pid}.token`);
    fs.writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
    agent = spawn(process.execPath, [path.join(E2E_ROOT, 'bin', 'constellation.js'), 'device', '--id', 'build-box', '--token-file', tokenFile, '--capabilities', 'linux,docker', '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      agent.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (ws:\/\/\S+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      agent.once('exit', (code) => reject(new Error(`device agent exited (${String(code)})`)));
    });
    // A device Galaxy could drive: our device speaking AIP, as a UFO agent server would.
    ufo = spawn(process.execPath, [path.join(E2E_ROOT, 'bin', 'constellation.js'), 'device', '--id', 'ufo-box', '--dialect', 'aip', '--token-file', tokenFile, '--capabilities', 'ui', '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'inherit'] });
    ufoUrl = await new Promise<string>((resolve, reject) => {
      ufo.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (ws:\/\/\S+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      ufo.once('exit', (code) => reject(new Error(`AIP device exited (${String(code)})`)));
    });
    vs = await launch('devices', {
      'hello.constellation.json': {
        id: 'hello',
        name: 'Hello build box',
        tasks: [
          { id: 'uname', device: 'build-box', inputs: { command: ['uname', '-s'] } },
          { id: 'ufo-echo', description: 'say hello over AIP', device: 'ufo-box', inputs: { command: ['echo', 'hello over AIP'] } },
        ],
      },
    });
  });

  after(async () => {
    await vs?.close();
    agent?.kill('SIGTERM');
    ufo?.kill('SIGTERM');
  });

  it('asks for id, kind, URL and token (a Constellation device and a UFO agent server), connects, keeps the token out of settings, and runs a task there', async (t) => {
    const { page } = vs;
    await palette(page, 'Constellation: Add Device…');
    const input = page.locator('.quick-input-widget input');
    const answer = async (values: readonly string[]) => {
      for (const value of values) {
        await input.waitFor({ state: 'visible' });
        await input.fill(value);
        await page.keyboard.press('Enter');
        await page.waitForTimeout(300);
      }
    };
    // id, what it is (a quick pick: typing filters it to the one meant), URL, token
    await answer(['build-box', 'Constellation device', url, TOKEN]);
    const row = page.locator('.pane-body [role="treeitem"]', { hasText: 'build-box' });
    await page.locator('.activitybar a[aria-label^="Constellation"]').first().click();
    await row.filter({ hasText: 'ready' }).first().waitFor({ timeout: 20_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'device-added')}`);

    // A UFO agent server (AIP) is added the same way and listed like the others, marked AIP.
    await palette(page, 'Constellation: Add Device…');
    await answer(['ufo-box', 'UFO agent server', ufoUrl, TOKEN]);
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'ufo-box' }).filter({ hasText: 'ready · AIP' }).first().waitFor({ timeout: 20_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'device-added-aip')}`);
    const settings = fs.readFileSync(vs.userSettings, 'utf8');
    assert.ok(settings.includes(url), 'the URL is in the user settings');
    assert.match(settings, /"dialect": "aip"/, 'the AIP device is saved with its dialect');
    assert.ok(!settings.includes(TOKEN), 'the token is not');

    // The token came from SecretStorage: the device accepts this window's runs.
    await palette(page, 'Constellation: Run Plan');
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'uname' }).filter({ hasText: 'completed · build-box' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.pane-body [role="treeitem"]', { hasText: 'ufo-echo' }).filter({ hasText: 'completed · ufo-box' }).first().waitFor({ timeout: 30_000 });
    t.diagnostic(`screenshot: ${await shot(page, 'device-ran-task')}`);
  });
});
