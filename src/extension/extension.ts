import type * as vscode from 'vscode';

/** Entry point; the extension's features arrive with the extension issue. */
export function activate(_context: vscode.ExtensionContext): void {
  // Nothing to wire yet: commands and views are contributed by later work.
}

export function deactivate(): void {
  // No resources are held.
}
