#!/usr/bin/env node
/**
 * Entry point of the `constellation` command (bundled to dist/cli.js). It runs when loaded and
 * exports nothing; the commands live in ./cli and ./commands.
 */
import { runCli } from './cli';
import { processIo } from './io';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`constellation: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
