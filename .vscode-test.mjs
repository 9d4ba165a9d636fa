// Integration tests: mocha inside the real extension host. Here the "VS Code executable" is a
// launcher that runs code-server in Chromium (docs/testing.md); on a machine with internet, drop
// `useInstallation` to run the same tests in a downloaded desktop VS Code.
import { mkdirSync, rmSync } from 'node:fs';
import { defineConfig } from '@vscode/test-cli';

// A scratch workspace the tests write plans into, outside the repository's tracked files; fresh
// each time (plans and journals of an earlier run would be listed, and its detached runs resumed).
const workspace = `${import.meta.dirname}/.vscode-test/workspace`;
rmSync(workspace, { recursive: true, force: true });
mkdirSync(workspace, { recursive: true });

export default defineConfig({
  // Deactivation is tested last, after the other files, since it shuts the extension down.
  files: ['out/test/integration/*.test.js', 'out/test/integration/last/*.test.js'],
  workspaceFolder: workspace,
  // Ours, and a test-only extension that provides a scripted language model through vscode.lm.
  extensionDevelopmentPath: [import.meta.dirname, `${import.meta.dirname}/test/fixtures/scripted-lm`],
  useInstallation: { fromPath: './scripts/code-server-launcher.mjs' },
  mocha: { ui: 'bdd', timeout: 60_000, reporter: `${import.meta.dirname}/out/test/integration/file-reporter.js` },
});
