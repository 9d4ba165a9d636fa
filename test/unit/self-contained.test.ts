import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|js|mjs|cjs|json|sh)$/.test(e.name) || e.name === 'run' ? [p] : [];
  });
}

const scanned = ['src', 'test', 'scripts', '.ci', 'webview'].flatMap((d) => files(path.join(root, d)));

describe('the repository stands alone', () => {
  it('every relative import and require stays inside the repository', () => {
    const outside: string[] = [];
    for (const file of scanned) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        if (path.relative(root, target).startsWith('..')) outside.push(`${path.relative(root, file)}: ${m[1]!}`);
      }
    }
    assert.deepEqual(outside, []);
  });

  it('nothing reads the shared folder beside the checkout or cites a document the repository does not have', () => {
    const patterns = [/\.\.\/shared\/(bench|workloads)/, /['"]\.\.['"],\s*['"]shared['"]/, /TESTING\.md/, /DESIGN\.md|STYLE\.md|AIP\.md/];
    const hits = scanned.filter((f) => f !== __filename.replace(/\.js$/, '.ts') && !f.endsWith('self-contained.test.ts')).flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return patterns.filter((p) => p.test(text)).map((p) => `${path.relative(root, f)} matches ${String(p)}`);
    });
    assert.deepEqual(hits, []);
  });
});
