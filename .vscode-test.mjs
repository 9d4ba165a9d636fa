// Integration tests: mocha inside the real extension host. Here the "VS Code executable" is a
// launcher that runs code-server in Chromium (TESTING.md); on a machine with internet, drop
// `useInstallation` to run the same tests in a downloaded desktop VS Code.
import { mkdirSync } from 'node:fs';
import { defineConfig } from '@vscode/test-cli';

// A scratch workspace the tests write plans into, outside the repository's tracked files.
const workspace = `${import.meta.dirname}/.vscode-test/workspace`;
mkdirSync(workspace, { recursive: true });

export default defineConfig({
  files: 'out/test/integration/**/*.test.js',
  workspaceFolder: workspace,
  useInstallation: { fromPath: './scripts/code-server-launcher.mjs' },
  mocha: { ui: 'bdd', timeout: 60_000, reporter: `${import.meta.dirname}/out/test/integration/file-reporter.js` },
});
