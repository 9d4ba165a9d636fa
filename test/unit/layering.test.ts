import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Every module a file imports: relative ones resolved to a repository path, packages by name. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => (s.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), s)).split(path.sep).join('/') : s));
}

/** Files of `layer` that import something matching `forbidden`, as `file → import`. */
function offenders(layer: string, forbidden: (spec: string) => boolean): string[] {
  return sources(path.join(root, layer)).flatMap((f) => importsOf(f).filter(forbidden).map((spec) => `${path.relative(root, f)} → ${spec}`));
}

const inLayer = (spec: string, ...layers: string[]) => layers.some((l) => spec === l || spec.startsWith(`${l}/`));

describe('layering', () => {
  it('the core imports no other layer and no Node module (storage, ids and time come in through interfaces)', () => {
    assert.deepEqual(offenders('src/core', (s) => inLayer(s, 'src/devices', 'src/agent', 'src/runtime', 'src/cli', 'src/extension', 'src/shared') || s === 'vscode' || s.startsWith('node:')), []);
  });

  it('devices and the agent import only the core (and their own code)', () => {
    assert.deepEqual(offenders('src/devices', (s) => inLayer(s, 'src/agent', 'src/runtime', 'src/cli', 'src/extension', 'src/shared') || s === 'vscode'), []);
    assert.deepEqual(offenders('src/agent', (s) => inLayer(s, 'src/devices', 'src/runtime', 'src/cli', 'src/extension', 'src/shared') || s === 'vscode'), []);
  });

  it("the orchestrator's side of the devices never imports the device agent's side", () => {
    for (const side of ['src/devices/session', 'src/devices/fleet.ts', 'src/devices/local']) {
      assert.deepEqual(offenders(side, (s) => inLayer(s, 'src/devices/agent')), [], side);
    }
    assert.deepEqual(offenders('src/devices/agent', (s) => inLayer(s, 'src/devices/session')), []);
  });

  it('only src/extension imports vscode', () => {
    for (const layer of ['src/core', 'src/devices', 'src/agent', 'src/shared', 'src/runtime', 'src/cli', 'webview']) {
      assert.deepEqual(offenders(layer, (s) => s === 'vscode'), [], layer);
    }
  });

  it('nothing imports src/cli but src/cli, and nothing imports src/extension', () => {
    for (const layer of ['src/core', 'src/devices', 'src/agent', 'src/shared', 'src/runtime', 'src/extension', 'webview']) {
      assert.deepEqual(offenders(layer, (s) => inLayer(s, 'src/cli')), [], layer);
    }
    for (const layer of ['src/core', 'src/devices', 'src/agent', 'src/shared', 'src/runtime', 'src/cli', 'webview']) {
      assert.deepEqual(offenders(layer, (s) => inLayer(s, 'src/extension')), [], layer);
    }
  });

  it('the webview imports only src/shared (and its component library)', () => {
    assert.deepEqual(offenders('webview', (s) => s.startsWith('src/') && !inLayer(s, 'src/shared')), []);
  });

  it('the core reads no environment variables', () => {
    const found = sources(path.join(root, 'src/core')).filter((f) => fs.readFileSync(f, 'utf8').includes('process.env'));
    assert.deepEqual(found.map((f) => path.relative(root, f)), []);
  });
});
