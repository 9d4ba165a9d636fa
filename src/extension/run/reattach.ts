import * as vscode from 'vscode';
import type { ExtensionCtx } from '../context';
import { started } from '../commands/history-commands';

export type ReattachMode = 'always' | 'ask' | 'never';

/**
 * On activation: lists the journal's runs, and resumes the ones an earlier window of this
 * workspace detached from (a reload, a closed window) or lost (a crash of the extension host),
 * as the `constellation.runs.reattach` setting says. Nothing runs in an untrusted workspace.
 * `hostRestarted`: this window had an extension host before (it crashed or was restarted).
 */
export async function reattachOnActivation(ctx: ExtensionCtx, mode: ReattachMode, hostRestarted: boolean): Promise<void> {
  ctx.runs.loadHistory();
  if (hostRestarted) await ctx.dags.replaceOrphans();
  const candidates = ctx.runs.reattachable();
  if (candidates.length === 0) return;
  const names = candidates.map((r) => `'${r.name}'`).join(', ');
  if (mode === 'never' || !vscode.workspace.isTrusted) {
    ctx.log.info(`${candidates.length} detached run(s) in the journal (${names}); resume them from the Constellations view`);
    return;
  }
  if (mode === 'ask') {
    const choice = await vscode.window.showInformationMessage(`${candidates.length === 1 ? 'A run' : `${candidates.length} runs`} of this workspace went on while the window was away (${names}). Resume ${candidates.length === 1 ? 'it' : 'them'}?`, 'Resume', 'Not Now');
    if (choice !== 'Resume') return;
  }
  for (const run of candidates) {
    try {
      const live = await ctx.runs.resume(run);
      ctx.log.info(`resumed run ${live.id} (${live.name})`);
      started(ctx, live, true);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      ctx.log.warn(`run ${run.id} (${run.name}) could not be resumed: ${why}`);
      void vscode.window.showWarningMessage(`Constellation could not resume '${run.name}': ${why}`);
    }
  }
}
