import * as vscode from 'vscode';
import { ConstellationError, InvalidInputError } from '../../core/model/errors';

/** A way out the warning offers: a button that runs a command. */
export interface ErrorAction {
  readonly title: string;
  readonly command: string;
}

/** A problem the user can fix, shown as a warning without a stack, with the ways to fix it as buttons. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly actions: readonly ErrorAction[] = [],
  ) {
    super(message);
  }
}

/** Why nothing runs in an untrusted workspace, with the way to trust it. */
export function untrustedWorkspaceError(): UserFacingError {
  return new UserFacingError('Tasks do not run in an untrusted workspace. Trust this folder to run plans.', [{ title: 'Manage Workspace Trust', command: 'workbench.trust.manage' }]);
}

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
      const actions = err instanceof UserFacingError ? err.actions : [];
      void show(short, ...actions.map((a) => a.title), 'Show Log').then((choice) => {
        if (choice === 'Show Log') log.show(true);
        const action = actions.find((a) => a.title === choice);
        if (action) void vscode.commands.executeCommand(action.command);
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
