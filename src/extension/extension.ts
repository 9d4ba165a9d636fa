import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { isActive } from './run/run-handle';
import { reattachOnActivation } from './run/reattach';
import { wrapCommand } from './commands/wrap';
import { COMMAND_TABLE, runTaskAgain } from './commands/table';
import { config } from './config';
import { CONTEXT, VIEWS, type CommandId } from './constants';
import type { ExtensionCtx } from './context';
import { asLogger, createLog } from './log';
import { LocalDevice } from './run/local-device';
import { DagPanels } from './dag/dag-panels';
import { PlanDiagnostics } from './diagnostics/plan-diagnostics';
import { UserFacingError } from './commands/wrap';
import { DeviceRegistry } from './run/device-registry';
import { RunService } from './run/run-service';
import { TaskTerminals } from './terminals/terminals';
import { DevicesTree } from './views/devices-tree';
import { RunsTree } from './views/runs-tree';
import { RunStatusBar } from './views/status-bar';
import { EditReviews } from './agent/edit-review';
import { RunAgents } from './agent/run-agent';
import { AgentNotices } from './agent/agent-notices';
import { registerLmTools } from './agent/lm-tools';
import type { DeviceProfileLike } from '../agent/prompts/create-prompt';

/** What `activate` returns: the live objects, for the integration tests. */
export interface ConstellationApi {
  readonly ctx: ExtensionCtx;
  /** Does what VS Code does on deactivation: disposes the subscriptions, then `deactivate`. */
  shutdown(): Promise<void>;
  /** Settles once the runs an earlier window left are listed and (per the setting) resumed. */
  readonly reattached: Promise<void>;
}

const ORCHESTRATOR_ID_KEY = 'constellation.orchestratorId';
const WINDOW_SESSION_KEY = 'constellation.windowSession';

let disposeAsync: (() => Promise<void>) | undefined;

/** Builds the one context object, registers the command table and the views; nothing else. */
export function activate(extension: vscode.ExtensionContext): ConstellationApi {
  const log = createLog();
  const logger = asLogger(log);
  // Who this workspace is to its devices, the same after a reload: the next window claims what the last one left running.
  let orchestratorId = extension.workspaceState.get<string>(ORCHESTRATOR_ID_KEY);
  if (!orchestratorId) {
    orchestratorId = randomUUID();
    void extension.workspaceState.update(ORCHESTRATOR_ID_KEY, orchestratorId);
  }
  const storageDir = (extension.storageUri ?? extension.globalStorageUri).fsPath;
  const local = new LocalDevice({ extensionPath: extension.extensionPath, storageDir, orchestratorId, keepMs: () => config.runsKeepMs(), logger });
  const registry = new DeviceRegistry(extension.secrets, logger, orchestratorId);
  // A run uses the local device (unless turned off) and every added device that is connected.
  const fleets = async () => {
    const added = registry.connectedFleets();
    if (!config.localDeviceEnabled()) {
      if (added.length === 0) throw new UserFacingError('The local device is turned off (setting constellation.localDevice.enabled), and no other device is connected: add one with "Constellation: Add Device…".');
      return added;
    }
    return [await local.fleet(config.localDeviceId(), config.localDeviceConcurrency()), ...added];
  };
  const reviews = new EditReviews(log);
  // What the agent is told about the devices: every session of the fleets a run would use.
  const profiles = (): DeviceProfileLike[] => {
    const sessions = [...(local.current?.sessions ?? []), ...registry.sessions()];
    return sessions.map((d) => ({ id: d.id, os: d.profile?.os, arch: d.profile?.arch, hostname: d.profile?.hostname, capabilities: d.profile?.capabilities, concurrency: d.profile?.concurrency, status: d.state }));
  };
  const agents = new RunAgents(reviews, profiles, log, (m) => void vscode.window.showWarningMessage(m));
  const runs = new RunService(fleets, logger, { journalRoot: () => config.journalRoot(), editTimeoutMs: () => config.editTimeoutMs(), agentRepairRounds: () => config.agentRepairRounds(), orchestratorId }, agents);
  const runsTree = new RunsTree(runs);
  const devicesTree = new DevicesTree(local, registry, runs.onDidChange);
  // eslint-disable-next-line prefer-const -- the terminals need the context they are part of
  let ctx: ExtensionCtx;
  const terminals = new TaskTerminals(runs, (run, taskId) => runTaskAgain(ctx, run, taskId));
  const diagnostics = new PlanDiagnostics(() => [config.localDeviceId()]);
  const dags = new DagPanels(runs, extension.extensionUri, log, reviews);
  const runsView = vscode.window.createTreeView(VIEWS.runs, { treeDataProvider: runsTree, showCollapseAll: true });
  const agentNotices = new AgentNotices(runs, runsTree, runsView, log);
  ctx = { extension, log, local, runs, runsTree, devicesTree, terminals, diagnostics, dags, registry, reviews, agentNotices, fleets, profiles };
  const statusBar = new RunStatusBar(runs);

  const devicesView = vscode.window.createTreeView(VIEWS.devices, { treeDataProvider: devicesTree });
  const badge = runs.onDidChange(() => {
    const active = runs.runs.filter(isActive).length;
    runsView.badge = active > 0 ? { value: active, tooltip: `${active} run(s) in progress` } : undefined;
    void vscode.commands.executeCommand('setContext', CONTEXT.running, active > 0);
    void vscode.commands.executeCommand('setContext', CONTEXT.hasRuns, runs.runs.length > 0);
  });
  extension.subscriptions.push(log, reviews, agentNotices, runs, runsTree, devicesTree, terminals, diagnostics, dags, registry, runsView, devicesView, badge, statusBar);
  for (const [id, factory] of Object.entries(COMMAND_TABLE) as [CommandId, (typeof COMMAND_TABLE)[CommandId]][]) {
    extension.subscriptions.push(vscode.commands.registerCommand(id, wrapCommand(id, log, factory(ctx))));
  }
  extension.subscriptions.push(...registerLmTools(ctx));
  disposeAsync = () => local.dispose();
  log.info('Constellation activated');
  // The same window session as the last activation: the extension host was restarted under the window.
  const hostRestarted = extension.workspaceState.get<string>(WINDOW_SESSION_KEY) === vscode.env.sessionId;
  void extension.workspaceState.update(WINDOW_SESSION_KEY, vscode.env.sessionId);
  const reattached = reattachOnActivation(ctx, config.runsReattach(), hostRestarted).catch((err: unknown) => log.error(`reattaching runs failed: ${err instanceof Error ? err.message : String(err)}`));
  const shutdown = async () => {
    for (const d of extension.subscriptions.splice(0)) d.dispose();
    await deactivate();
  };
  return { ctx, shutdown, reattached };
}

/** Stops the local device agent; everything else goes with the subscriptions. */
export async function deactivate(): Promise<void> {
  const d = disposeAsync;
  disposeAsync = undefined;
  await d?.();
}
