import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

describe('layering', () => {
  for (const layer of ['src/core', 'src/devices', 'src/agent', 'src/shared', 'src/cli', 'webview']) {
    it(`${layer} does not import vscode or src/extension`, () => {
      const offenders = sources(path.join(root, layer)).filter((f) => /from ['"](vscode|[./]+(\.\.\/)*extension\/?[^'"]*)['"]|require\(['"]vscode['"]\)/.test(fs.readFileSync(f, 'utf8')));
      assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
    });
  }

  it('the core reads no environment variables', () => {
    const offenders = sources(path.join(root, 'src/core')).filter((f) => fs.readFileSync(f, 'utf8').includes('process.env'));
    assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
  });
});
