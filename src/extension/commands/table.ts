import * as vscode from 'vscode';
import { isTerminal, type TaskStatus } from '../../core/model/types';
import { toJsonReport } from '../../core/report/json-report';
import { COMMANDS, type CommandId } from '../constants';
import type { ExtensionCtx } from '../context';
import { MIN_TOKEN } from '../../devices/config';
import { isLoopbackUrl } from '../../devices/protocol/loopback';
import { hasTokenParam } from '../../devices/session/aip-link';
import type { ConfiguredDevice } from '../run/device-registry';
import type { RunHandle } from '../run/run-service';
import { config } from '../config';
import { samplePlan } from './sample-plan';
import { AGENT_COMMANDS } from './agent-commands';
import { HISTORY_COMMANDS, started } from './history-commands';
import { activeRun, chosenRun, isRunsNode, runArg } from './targets';
import { isActive, reportOf } from '../run/run-handle';
import { writeNewPlan } from './new-plan-file';
import { UserFacingError, untrustedWorkspaceError } from './wrap';

type Handler = (...args: unknown[]) => unknown;

const PLAN_GLOB = '**/*.constellation.json';

/** Every command, as a factory of its handler; keyed by the ids of `constants.ts`. */
export const COMMAND_TABLE: Readonly<Record<CommandId, (ctx: ExtensionCtx) => Handler>> = {
  ...AGENT_COMMANDS,
  ...HISTORY_COMMANDS,
  [COMMANDS.newPlan]: () => () => newSamplePlan(),
  [COMMANDS.openPlan]: () => async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Constellation plans': ['json'] }, title: 'Open a constellation plan' });
    if (picked?.[0]) await vscode.window.showTextDocument(picked[0]);
  },
  [COMMANDS.runPlan]: (ctx) => async (arg?: unknown) => {
    if (!vscode.workspace.isTrusted) throw untrustedWorkspaceError();
    const uri = arg instanceof vscode.Uri ? arg : await pickPlan();
    if (!uri) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const starting = config.localDeviceEnabled() && !ctx.local.current;
    const run = starting
      ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Constellation: starting the local device…' }, () => ctx.runs.start(uri, text))
      : await ctx.runs.start(uri, text);
    started(ctx, run);
    return run.id;
  },
  [COMMANDS.pause]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.pause(),
  [COMMANDS.resume]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.resume(),
  [COMMANDS.cancel]: (ctx) => (node?: unknown) => activeRun(ctx, node).orchestrator.cancel('cancelled from VS Code'),
  [COMMANDS.retryTask]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, isTerminal, 'finished', true);
    if (!t) return undefined;
    const again = await runTaskAgain(ctx, t.run, t.taskId);
    if (again !== t.run) ctx.terminals.show(again, t.taskId, true);
    return again.id;
  },
  [COMMANDS.cancelTask]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, (s) => !isTerminal(s), 'unfinished');
    if (t && !t.run.orchestrator?.cancelTask(t.taskId, 'cancelled from VS Code')) throw new UserFacingError(`Task '${t.taskId}' has already finished.`);
  },
  [COMMANDS.showLog]: (ctx) => () => ctx.log.show(true),
  [COMMANDS.addDevice]: (ctx) => () => addDevice(ctx),
  [COMMANDS.connectDevice]: (ctx) => async (node?: unknown) => {
    const id = deviceIdOf(node) ?? (await pickDevice(ctx.registry.configured().map((d) => d.id).filter((id) => !ctx.registry.sessions().some((s) => s.id === id)), 'Connect which device?'));
    if (!id) return;
    const s = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Connecting to ${id}…` }, () => ctx.registry.connect(id));
    void vscode.window.showInformationMessage(`Device '${id}' connected (${s.profile?.os ?? '?'}, ${s.profile?.concurrency ?? 1} slot(s)).`);
  },
  [COMMANDS.disconnectDevice]: (ctx) => async (node?: unknown) => {
    const id = deviceIdOf(node) ?? (await pickDevice(ctx.registry.sessions().map((s) => s.id), 'Disconnect which device?'));
    if (id && !ctx.registry.disconnect(id)) throw new UserFacingError(`Device '${id}' is not connected${id === ctx.local.current?.sessions[0]?.id ? ' (the local device stays while VS Code runs)' : ''}.`);
  },
  [COMMANDS.exportReport]: (ctx) => async (node?: unknown) => {
    const run = await chosenRun(ctx, node, 'Export the report of which run?');
    if (!run) return undefined;
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, `${run.constellation.id}-${run.id}.report.json`), filters: { 'JSON report': ['json'] }, title: 'Export the run report' });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(toJsonReport(reportOf(run), undefined), null, 2)}\n`));
    void vscode.window.showInformationMessage(`Report of '${run.name}' written to ${vscode.workspace.asRelativePath(target)}.`);
    return target.fsPath;
  },
  [COMMANDS.openDag]: (ctx) => async (node?: unknown) => {
    const run = await chosenRun(ctx, node, 'Open the DAG of which run?');
    if (!run) return;
    ctx.dags.open(run);
  },
  [COMMANDS.showTaskOutput]: (ctx) => async (node?: unknown) => {
    const t = await taskOf(ctx, node, () => true, '', true);
    if (t) ctx.terminals.show(t.run, t.taskId);
  },
};

/** Writes the sample plan beside the workspace's files (never over one) and opens it. */
async function newSamplePlan(): Promise<string> {
  const uri = await writeNewPlan('hello', `${JSON.stringify(samplePlan(config.localDeviceId()), null, 2)}\n`);
  await vscode.window.showTextDocument(uri);
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;

async function addDevice(ctx: ExtensionCtx): Promise<string | undefined> {
  const taken = new Set([...ctx.registry.configured().map((d) => d.id), ...(ctx.local.current?.sessions.map((s) => s.id) ?? [])]);
  const id = await vscode.window.showInputBox({
    title: 'Add Device (1/4): id', prompt: 'The id plans pin tasks to, e.g. build-box', ignoreFocusOut: true,
    validateInput: (v) => (!ID.test(v) ? "letters, digits, '_', '.', ':' or '-'" : taken.has(v) ? `'${v}' is already a device` : undefined),
  });
  if (!id) return undefined;
  const kinds = [
    { label: 'Constellation device', description: 'constellation device', dialect: 'native' as const },
    { label: 'UFO agent server (AIP)', description: "UFO³ Galaxy's devices; the token travels in the URL", dialect: 'aip' as const },
  ];
  const kind = await vscode.window.showQuickPick(kinds, { title: 'Add Device (2/4): what is it?', placeHolder: 'The protocol it speaks', ignoreFocusOut: true });
  if (!kind) return undefined;
  const aip = kind.dialect === 'aip';
  const url = await vscode.window.showInputBox({
    title: 'Add Device (3/4): URL',
    prompt: aip ? "The UFO agent server's WebSocket URL, without the token" : 'Where its agent listens (`constellation device` prints it)',
    placeHolder: aip ? 'ws://127.0.0.1:5000/ws' : 'ws://127.0.0.1:7801',
    ignoreFocusOut: true,
    validateInput: (v) => (!/^wss?:\/\/[^\s/]+/.test(v) ? 'a ws:// or wss:// URL' : hasTokenParam(v) ? 'leave the token out of the URL: it is asked next and kept in SecretStorage' : undefined),
  });
  if (!url) return undefined;
  const token = await vscode.window.showInputBox({
    title: 'Add Device (4/4): token', prompt: 'Its token; kept in VS Code SecretStorage, never in settings', password: true, ignoreFocusOut: true,
    validateInput: (v) => (v.length >= MIN_TOKEN[kind.dialect] ? undefined : aip ? "the UFO server's key" : `at least ${MIN_TOKEN.native} characters`),
  });
  if (!token) return undefined;
  if (aip && url.startsWith('ws://') && !isLoopbackUrl(url)) {
    void vscode.window.showWarningMessage(`${url} is another machine over plain ws://: AIP sends the token in the URL, so it crosses the network in the clear. Prefer wss:// or a tunnel.`);
  }
  const device: ConfiguredDevice = aip ? { id, url, dialect: 'aip' } : { id, url };
  const s = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Connecting to ${id}…` }, () => ctx.registry.add(device, token));
  void vscode.window.showInformationMessage(`Device '${id}' added and connected (${s.profile?.os ?? '?'}, ${s.profile?.concurrency ?? 1} slot(s)).`);
  return id;
}

/**
 * A failed, cancelled or skipped task of a live run is retried in place (its dependants then
 * run as usual); any other finished task runs again as a new run of its own. Returns the run.
 */
export async function runTaskAgain(ctx: ExtensionCtx, run: RunHandle, taskId: string): Promise<RunHandle> {
  const status = run.constellation.task(taskId).status;
  if (!isTerminal(status)) throw new UserFacingError(`Task '${taskId}' has not finished yet.`);
  if (!vscode.workspace.isTrusted) throw untrustedWorkspaceError();
  if (isActive(run) && status !== 'completed') {
    if (!run.orchestrator.retryTask(taskId)) throw new UserFacingError(`Task '${taskId}' cannot be retried now.`);
    return run;
  }
  const again = await ctx.runs.rerunTask(run, taskId);
  ctx.devicesTree.refresh();
  return again;
}

function deviceIdOf(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as { kind?: unknown; device?: { id?: unknown }; id?: unknown };
  if (n.kind === 'offline' && typeof n.device?.id === 'string') return n.device.id;
  return typeof n.id === 'string' ? n.id : undefined;
}

async function pickDevice(ids: string[], title: string): Promise<string | undefined> {
  if (ids.length === 0) throw new UserFacingError('No device to choose from: add one with "Constellation: Add Device…".');
  return vscode.window.showQuickPick(ids, { title });
}

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

async function taskOf(ctx: ExtensionCtx, node: unknown, fits: (status: TaskStatus) => boolean, what: string, endedRunsToo = false): Promise<{ run: RunHandle; taskId: string } | undefined> {
  if (isRunsNode(node) && node.kind === 'task') return { run: node.run, taskId: node.taskId };
  if (typeof node === 'object' && node !== null && 'runId' in node && 'taskId' in node) {
    const { runId, taskId } = node;
    const run = typeof runId === 'string' ? ctx.runs.find(runId) : undefined;
    if (run && typeof taskId === 'string' && run.constellation.hasTask(taskId)) return { run, taskId };
  }
  const run = endedRunsToo ? runArg(ctx, node) : activeRun(ctx, node);
  if (!run) throw new UserFacingError('No constellation has run in this window yet.');
  const tasks = [...run.constellation.tasks()].filter((t) => fits(t.status));
  if (tasks.length === 0) throw new UserFacingError(`Run '${run.name}' has no ${what} task.`);
  const pick = await vscode.window.showQuickPick(tasks.map((t) => ({ label: t.id, description: t.status, detail: t.name })), { title: `Which ${what ? `${what} ` : ''}task?` });
  return pick ? { run, taskId: pick.label } : undefined;
}
