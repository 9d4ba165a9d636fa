import * as vscode from 'vscode';
import { toJsonReport } from '../../core/report/json-report';
import { runPaths } from '../../runtime/file-journal-store';
import { endStateLabel } from '../../core/report/words';
import { config } from '../config';
import { COMMANDS, VIEWS } from '../constants';
import type { ExtensionCtx } from '../context';
import { isActive, isResumable, reportOf, runStateOf, type LiveRun } from '../run/run-handle';
import { chosenRun, pickRun, runArg } from './targets';
import { UserFacingError, untrustedWorkspaceError } from './wrap';

type Handler = (...args: unknown[]) => unknown;

/** Commands on runs as a whole, past ones included: resume, run again, report, delete. */
export const HISTORY_COMMANDS = {
  [COMMANDS.resumeRun]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const given = arg !== undefined ? runArg(ctx, arg) : await pickRun(ctx.runs.runs.filter(isResumable), 'Resume which detached run?', 'No detached run to resume: every run of the journal has ended or is running.');
    if (!given) return undefined;
    if (isActive(given)) return given.id;
    if (!vscode.workspace.isTrusted) throw untrustedWorkspaceError();
    if (!isResumable(given)) throw new UserFacingError(`Run '${given.name}' cannot be resumed: it is ${runStateOf(given)}.`);
    const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Resuming '${given.name}'…` }, () => ctx.runs.resume(given));
    started(ctx, run);
    return run.id;
  },
  [COMMANDS.rerun]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => again(ctx, arg, false),
  [COMMANDS.rerunFromFailure]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => again(ctx, arg, true),
  [COMMANDS.openReport]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const run = await chosenRun(ctx, arg, 'Open the report of which run?');
    if (!run) return undefined;
    const json = toJsonReport(reportOf(run), run.journal ? runPaths(run.journal.root, run.id).dir : undefined);
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: `${JSON.stringify(json, null, 2)}\n` });
    await vscode.window.showTextDocument(doc, { preview: true });
    return run.id;
  },
  [COMMANDS.deleteRun]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const run = await chosenRun(ctx, arg, 'Delete which run?');
    if (!run) return undefined;
    if (isActive(run)) throw new UserFacingError(`Run '${run.name}' is still running: cancel it first.`);
    const where = run.journal ? ' and its journal (events, snapshot, task output)' : '';
    // `{runId, confirmed: true}` skips the question (for scripts and tests).
    const ok = typeof arg === 'object' && arg !== null && 'confirmed' in arg && arg.confirmed === true ? true : (await vscode.window.showWarningMessage(`Delete run '${run.name}' (${run.id})${where}?`, { modal: true }, 'Delete')) === 'Delete';
    if (!ok) return undefined;
    ctx.runs.delete(run);
    return run.id;
  },
  [COMMANDS.refreshRuns]: (ctx: ExtensionCtx): Handler => () => ctx.runs.loadHistory(),
};

async function again(ctx: ExtensionCtx, arg: unknown, fromFailure: boolean): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) throw untrustedWorkspaceError();
  const from = await chosenRun(ctx, arg, fromFailure ? 'Run which run again from failure?' : 'Run which run again?');
  if (!from) return undefined;
  if (isActive(from)) throw new UserFacingError(`Run '${from.name}' is still running.`);
  if (fromFailure && from.constellation.statusCounts().completed === from.constellation.size) throw new UserFacingError(`Every task of '${from.name}' completed: nothing to run again from failure.`);
  const run = await ctx.runs.rerun(from, fromFailure);
  started(ctx, run);
  return run.id;
}

/**
 * What every start does for the user: the tree, the DAG panel, a note when the run ends. A run
 * resumed on activation (`quietly`) opens nothing: its DAG tab, if it had one, comes back by itself.
 */
export function started(ctx: ExtensionCtx, run: LiveRun, quietly = false): void {
  ctx.devicesTree.refresh();
  if (!quietly) {
    void vscode.commands.executeCommand(`${VIEWS.runs}.focus`);
    if (config.dagAutoOpen()) ctx.dags.open(run, true);
  }
  void run.orchestrator.run().then((report) => {
    if (report.reason?.code === 'detached') return;
    const n = run.constellation.statusCounts();
    const msg = `Constellation '${run.name}' ${endStateLabel(report.state)}: ${n.completed} completed, ${n.failed} failed, ${n.skipped} skipped.`;
    void (report.state === 'completed' ? vscode.window.showInformationMessage(msg) : vscode.window.showWarningMessage(msg, 'Show Log').then((c) => c && ctx.log.show(true)));
  });
}
