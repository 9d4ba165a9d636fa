import type * as vscode from 'vscode';
import type { DeviceRegistry } from './run/device-registry';
import type { LocalDevice } from './run/local-device';
import type { RunService } from './run/run-service';
import type { DagPanels } from './dag/dag-panels';
import type { PlanDiagnostics } from './diagnostics/plan-diagnostics';
import type { TaskTerminals } from './terminals/terminals';
import type { DevicesTree } from './views/devices-tree';
import type { RunsTree } from './views/runs-tree';

/** Everything command handlers and views share; built once in `activate`. */
export interface ExtensionCtx {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly local: LocalDevice;
  readonly runs: RunService;
  readonly runsTree: RunsTree;
  readonly devicesTree: DevicesTree;
  readonly terminals: TaskTerminals;
  readonly diagnostics: PlanDiagnostics;
  readonly dags: DagPanels;
  readonly registry: DeviceRegistry;
}
