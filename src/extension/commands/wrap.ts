import * as vscode from 'vscode';
import { ConstellationError, InvalidInputError } from '../../core/model/errors';

/** A problem the user can fix, shown as a warning without a stack. */
export class UserFacingError extends Error {}

/**
 * Wraps a command handler once: the full error goes to the log, the user sees a short message
 * with "Show Log", and nothing escapes into VS Code.
 */
export function wrapCommand(id: string, log: vscode.LogOutputChannel, handler: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      log.error(`${id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      const short = shortMessage(err);
      const show = err instanceof UserFacingError ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
      void show(short, 'Show Log').then((choice) => {
        if (choice === 'Show Log') log.show(true);
      });
      return undefined;
    }
  };
}

function shortMessage(err: unknown): string {
  if (err instanceof InvalidInputError) {
    const more = err.problems.length > 1 ? ` (and ${err.problems.length - 1} more problem(s))` : '';
    return `${err.message.split('\n')[0] ?? 'invalid input'}${more}`;
  }
  if (err instanceof ConstellationError || err instanceof UserFacingError) return err.message;
  return `Constellation: ${err instanceof Error ? err.message : String(err)}`;
}
