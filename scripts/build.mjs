// Bundles the CLI, the benchmark and the extension with esbuild, and writes the plan's JSON
// Schema (generated from the zod schemas) to media/ for the extension's `jsonValidation`.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const schemaGen = path.join(root, 'out', 'schema-gen.cjs');
await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench.js' }),
  // jsonc-parser's UMD entry loads its parts with dynamic requires; its ES module entry bundles.
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], mainFields: ['module', 'main'] }),
  build({ ...common, sourcemap: false, entryPoints: ['src/core/io/json-schema.ts'], outfile: schemaGen }),
  // The DAG panel's script, for the browser (the webview), beside its stylesheet in media/.
  build({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', minify: true, sourcemap: false, logLevel: 'warning', entryPoints: ['webview/dag/main.ts'], outfile: 'media/dag.js' }),
]);
const { planJsonSchema } = createRequire(import.meta.url)(schemaGen);
mkdirSync(path.join(root, 'media'), { recursive: true });
writeFileSync(path.join(root, 'media', 'constellation.schema.json'), `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
rmSync(schemaGen);
