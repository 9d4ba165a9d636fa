import type * as vscode from 'vscode';
import type { DeviceRegistry } from './run/device-registry';
import type { LocalDevice } from './run/local-device';
import type { RunService } from './run/run-service';
import type { DagPanels } from './dag/dag-panels';
import type { PlanDiagnostics } from './diagnostics/plan-diagnostics';
import type { TaskTerminals } from './terminals/terminals';
import type { EditReviews } from './agent/edit-review';
import type { AgentNotices } from './agent/agent-notices';
import type { DeviceFleet } from '../devices/fleet';
import type { DeviceProfileLike } from '../agent/prompts/create-prompt';
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
  readonly reviews: EditReviews;
  readonly agentNotices: AgentNotices;
  /** The device fleets a run would use now (starts the local device on demand). */
  readonly fleets: () => Promise<DeviceFleet[]>;
  /** Profiles of the devices connected now, as the agent is told about them. */
  readonly profiles: () => DeviceProfileLike[];
}
