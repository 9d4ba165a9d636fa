import * as path from 'node:path';
import * as vscode from 'vscode';

/** Typed access to the `constellation.*` settings, read fresh each time. */
export const config = {
  /** Start a local device agent on demand, so plans run with no setup. */
  localDeviceEnabled(): boolean {
    return section().get<boolean>('localDevice.enabled', true);
  },
  /** Tasks the embedded local device runs at once. */
  localDeviceConcurrency(): number {
    return clampInt(section().get<number>('localDevice.concurrency', 4), 1, 64);
  },
  /** Id the embedded local device announces; plans pin tasks to it by this id. */
  localDeviceId(): string {
    return section().get<string>('localDevice.id', 'local');
  },
  /** Open the DAG panel when a run starts. */
  dagAutoOpen(): boolean {
    return section().get<boolean>('dag.autoOpen', true);
  },
  /** How long a run waits for an edit batch (proposed and reviewed) before dropping it. */
  editTimeoutMs(): number {
    return clampInt(section().get<number>('edits.timeoutSeconds', 600), 5, 86_400) * 1000;
  },
  /** Language-model vendor for the agent; empty: any. */
  agentVendor(): string {
    return section().get<string>('agent.vendor', '').trim();
  },
  /** Language-model family for the agent; empty: any. */
  agentFamily(): string {
    return section().get<string>('agent.family', '').trim();
  },
  /** Whether runs of plans with a request are steered by the agent (when a model is available). */
  agentEnabled(): boolean {
    return section().get<boolean>('agent.enabled', true);
  },
  /** Apply valid agent batches without review (unattended runs). */
  agentAutoAccept(): boolean {
    return section().get<boolean>('agent.autoAccept', false);
  },
  /** Times an invalid answer goes back to the model with its errors. */
  agentRepairRounds(): number {
    return clampInt(section().get<number>('agent.repairRounds', 2), 0, 10);
  },
  /** The agent's budget per run: tokens and calls (0: no limit). */
  agentBudget(): { maxTokens: number; maxCalls: number } {
    return { maxTokens: clampInt(section().get<number>('agent.maxTokensPerRun', 1_000_000), 0, 1e12), maxCalls: clampInt(section().get<number>('agent.maxCallsPerRun', 100), 0, 1e9) };
  },
  /** How long the local device keeps what it ran for a window that went away, and stays up idle. */
  runsKeepMs(): number {
    return clampInt(section().get<number>('runs.keepMinutes', 10), 1, 1440) * 60_000;
  },
  /** What activation does with runs an earlier window of the workspace left running. */
  runsReattach(): 'always' | 'ask' | 'never' {
    const v = section().get<string>('runs.reattach', 'always');
    return v === 'ask' || v === 'never' ? v : 'always';
  },
  /** Absolute journal root: the setting resolved against the first workspace folder; undefined when off. */
  journalRoot(): string | undefined {
    const dir = section().get<string>('journal.directory', '.constellation/runs').trim();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (dir === '' || (folder === undefined && !path.isAbsolute(dir))) return undefined;
    return path.resolve(folder ?? '/', dir);
  },
};

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('constellation');
}

function clampInt(v: number, min: number, max: number): number {
  return Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : min;
}
