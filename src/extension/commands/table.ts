import * as vscode from 'vscode';
import { isTerminal, type TaskStatus } from '../../core/model/types';
import { config } from '../config';
import { COMMANDS, VIEWS, type CommandId } from '../constants';
import type { ExtensionCtx } from '../context';
import type { RunHandle } from '../run/run-service';
import type { RunsNode } from '../views/runs-tree';
import { UserFacingError } from './wrap';

type Handler = (...args: unknown[]) => unknown;

const PLAN_GLOB = '**/*.constellation.json';

/** Every command, as a factory of its handler; keyed by the ids of `constants.ts`. */
export const COMMAND_TABLE: Readonly<Record<CommandId, (ctx: ExtensionCtx) => Handler>> = {
  [COMMANDS.openPlan]: () => async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Constellation plans': ['json'] }, title: 'Open a constellation plan' });
    if (picked?.[0]) await vscode.window.showTextDocument(picked[0]);
  },
  [COMMANDS.runPlan]: (ctx) => async (arg?: unknown) => {
    if (!vscode.workspace.isTrusted) throw new UserFacingError('Tasks do not run in an untrusted workspace. Trust this folder to run plans.');
    if (!config.localDeviceEnabled()) throw new UserFacingError('The local device is turned off (setting constellation.localDevice.enabled), and no other device is configured.');
    const uri = arg instanceof vscode.Uri ? arg : await pickPlan();
    if (!uri) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Constellation: starting the local device' }, () => ctx.runs.start(uri, text));
    ctx.devicesTree.refresh();
    void vscode.commands.executeCommand(`${VIEWS.runs}.focus`);
    void run.orchestrator.run().then((report) => {
      const n = run.constellation.statusCounts();
      const msg = `Constellation '${run.name}' ${report.state.replace('_', ' ')}: ${n.completed} completed, ${n.failed} failed, ${n.skipped} skipped.`;
      void (report.state === 'completed' ? vscode.window.showInformationMessage(msg) : vscode.window.showWarningMessage(msg, 'Show Log').then((c) => c && ctx.log.show(true)));
    });
    return run.id;
  },
  [COMMANDS.pause]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.pause(),
  [COMMANDS.resume]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.resume(),
  [COMMANDS.cancel]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.cancel('cancelled from VS Code'),
  [COMMANDS.retryTask]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, (s) => s === 'failed' || s === 'cancelled' || s === 'skipped', 'failed, cancelled or skipped');
    if (t && !t.run.orchestrator.retryTask(t.taskId)) throw new UserFacingError(`Task '${t.taskId}' cannot be retried now.`);
  },
  [COMMANDS.cancelTask]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, (s) => !isTerminal(s), 'unfinished');
    if (t && !t.run.orchestrator.cancelTask(t.taskId, 'cancelled from VS Code')) throw new UserFacingError(`Task '${t.taskId}' has already finished.`);
  },
  [COMMANDS.showLog]: (ctx) => () => ctx.log.show(true),
  [COMMANDS.openDag]: (ctx) => (node?: unknown) => {
    const run = isRunsNode(node) ? node.run : ctx.runs.current;
    if (!run) throw new UserFacingError('No constellation has run in this window yet: run a plan to see its DAG.');
    ctx.dags.open(run);
  },
  [COMMANDS.showTaskOutput]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, () => true, '', true);
    if (t) ctx.terminals.show(t.run, t.taskId);
  },
};

async function pickPlan(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active?.fileName.endsWith('.constellation.json')) return active.uri;
  const files = await vscode.workspace.findFiles(PLAN_GLOB, '**/node_modules/**', 200);
  if (files.length === 0) throw new UserFacingError('No *.constellation.json plan in this workspace. Open or create one first.');
  if (files.length === 1) return files[0];
  const pick = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Run which plan?', placeHolder: 'a *.constellation.json file' },
  );
  return pick?.uri;
}

function isRunsNode(v: unknown): v is RunsNode {
  return typeof v === 'object' && v !== null && 'kind' in v && 'run' in v;
}

function activeRun(ctx: ExtensionCtx, node: unknown): RunHandle {
  const run = isRunsNode(node) ? node.run : ctx.runs.current;
  if (!run) throw new UserFacingError('No constellation is running.');
  if (run.orchestrator.isEnded) throw new UserFacingError(`Run '${run.name}' has already ended.`);
  return run;
}

async function taskOf(ctx: ExtensionCtx, node: unknown, fits: (status: TaskStatus) => boolean, what: string, endedRunsToo = false): Promise<{ run: RunHandle; taskId: string } | undefined> {
  if (isRunsNode(node) && node.kind === 'task') return { run: node.run, taskId: node.taskId };
  if (typeof node === 'object' && node !== null && 'runId' in node && 'taskId' in node) {
    const { runId, taskId } = node;
    const run = ctx.runs.runs.find((r) => r.id === runId);
    if (run && typeof taskId === 'string' && run.constellation.hasTask(taskId)) return { run, taskId };
  }
  const run = endedRunsToo ? (isRunsNode(node) ? node.run : ctx.runs.current) : activeRun(ctx, node);
  if (!run) throw new UserFacingError('No constellation has run in this window yet.');
  const tasks = [...run.constellation.tasks()].filter((t) => fits(t.status));
  if (tasks.length === 0) throw new UserFacingError(`Run '${run.name}' has no ${what} task.`);
  const pick = await vscode.window.showQuickPick(tasks.map((t) => ({ label: t.id, description: t.status, detail: t.name })), { title: `Which ${what ? `${what} ` : ''}task?` });
  return pick ? { run, taskId: pick.label } : undefined;
}
