import { appendFileSync, writeFileSync } from 'node:fs';
import Mocha from 'mocha';

/**
 * Mocha reporter for tests inside the extension host, whose console nobody sees: writes each
 * result and the closing `integration: N passed, N failed` line to `$CONSTELLATION_TEST_REPORT`,
 * which the launcher prints.
 */
class FileReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const file = process.env.CONSTELLATION_TEST_REPORT;
    const out = (line: string) => {
      if (file) appendFileSync(file, `${line}\n`);
      else console.log(line);
    };
    if (file) writeFileSync(file, '');
    let passed = 0;
    let failed = 0;
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (s: Mocha.Suite) => {
      if (s.title) out(`${'  '.repeat(Math.max(0, depth(s) - 1))}${s.title}`);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (t: Mocha.Test) => {
      passed++;
      out(`${'  '.repeat(depth(t))}✔ ${t.title} (${t.duration ?? 0} ms)`);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (t: Mocha.Test, err: Error) => {
      failed++;
      out(`${'  '.repeat(depth(t))}✖ ${t.title}\n${(err.stack ?? err.message).split('\n').map((l) => `      ${l}`).join('\n')}`);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => out(`integration: ${passed} passed, ${failed} failed`));
  }
}

function depth(r: Mocha.Runnable | Mocha.Suite): number {
  let d = 0;
  for (let p = r.parent; p && !p.root; p = p.parent) d++;
  return d;
}

module.exports = FileReporter;
