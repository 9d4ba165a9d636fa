import * as vscode from 'vscode';
import type { Logger } from '../core/clock';

/** The extension's log: a `LogOutputChannel`, also usable as the core's {@link Logger}. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Constellation', { log: true });
}

export function asLogger(log: vscode.LogOutputChannel): Logger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, e) => (e instanceof Error ? log.error(m, e) : log.error(e === undefined ? m : `${m}: ${JSON.stringify(e)}`)),
  };
}
