import * as vscode from 'vscode';
import type { Logger } from '../../core/clock';
import type { RunEvent } from '../../core/events/event-map';
import { parsePlanText, planFromJson, toPlanFile } from '../../core/io/plan-file';
import { resolveReferences } from '../../core/references';
import type { Constellation } from '../../core/model/constellation';
import { Orchestrator } from '../../core/orchestrator/orchestrator';
import { Journal } from '../../core/persistence/journal';
import type { RunReport } from '../../core/orchestrator/run-report';
import type { DeviceFleet } from '../../devices/fleet';
import { OutputBuffer } from './output-buffer';
import type { RunAgent } from '../agent/run-agent';

/** One run the extension started: its plan, its orchestrator, and how it ended. */
export interface RunHandle {
  readonly id: string;
  readonly name: string;
  readonly planUri: vscode.Uri;
  readonly constellation: Constellation;
  readonly orchestrator: Orchestrator;
  readonly startedAt: number;
  /** Output of its tasks, for terminals opened after the output came. */
  readonly outputs: OutputBuffer;
  /** The agent steering it, if any: its model and the calls and tokens used so far. */
  readonly agent?: RunAgent | undefined;
  report?: RunReport;
}

/** Which part of the runs changed: the list, or one run (with the tasks its events touched). */
export interface RunsChange {
  readonly run?: RunHandle;
}

/**
 * Starts and keeps the runs of this window. Views listen to {@link onDidChange}; events are
 * folded into at most one notification per run per 100 ms, so a 2,000-task run does not
 * repaint a tree 2,000 times a second.
 */
export class RunService implements vscode.Disposable {
  private readonly runsList: RunHandle[] = [];
  private readonly changed = new vscode.EventEmitter<RunsChange>();
  readonly onDidChange = this.changed.event;
  private readonly eventsEmitter = new vscode.EventEmitter<{ run: RunHandle; event: RunEvent }>();
  /** Every event of every run, unthrottled (terminals, the DAG panel). */
  readonly onEvent = this.eventsEmitter.event;
  private readonly pendingRefresh = new Map<RunHandle, NodeJS.Timeout>();

  constructor(
    private readonly fleets: () => Promise<DeviceFleet[]>,
    private readonly logger: Logger,
    private readonly settings: { journalRoot(): string | undefined; editTimeoutMs(): number; agentRepairRounds(): number },
    private readonly agents?: { forRun(c: Constellation, runName: () => string): Promise<RunAgent | undefined> },
  ) {}

  get runs(): readonly RunHandle[] {
    return this.runsList;
  }

  /** The run commands act on when none is named: the newest one still going, else the newest. */
  get current(): RunHandle | undefined {
    return [...this.runsList].reverse().find((r) => !r.orchestrator.isEnded) ?? this.runsList.at(-1);
  }

  /** Loads a plan (any problem is thrown with its location) and runs it on the devices. */
  async start(planUri: vscode.Uri, text: string): Promise<RunHandle> {
    return this.startConstellation(planUri, parsePlanText(text, { source: vscode.workspace.asRelativePath(planUri) }));
  }

  /**
   * Runs one task of an earlier run again, as a new run of its own: its definition as in that
   * run, with `${tasks…}` references resolved from that run's results. For a task of a live
   * run that failed, use the orchestrator's retry instead, which keeps it in its graph.
   */
  async rerunTask(from: RunHandle, taskId: string): Promise<RunHandle> {
    const plan = toPlanFile(from.constellation);
    const def = plan.tasks.find((t) => t.id === taskId);
    if (!def) throw new Error(`run ${from.id} has no task '${taskId}'`);
    const resolved = resolveReferences(def, { getTask: (id) => from.constellation.tryTask(id) });
    const constellation = planFromJson(
      { id: plan.id, name: `${from.name} › ${taskId} (again)`, tasks: [resolved], dependencies: [] },
      { source: `${from.name} › ${taskId}` },
    );
    return this.startConstellation(from.planUri, constellation);
  }

  private async startConstellation(planUri: vscode.Uri, constellation: Constellation): Promise<RunHandle> {
    const fleets = await this.fleets();
    const agent = await this.agents?.forRun(constellation, () => constellation.info.name);
    const orchestrator = new Orchestrator(constellation, {
      devices: fleets.flatMap((f) => f.specs()),
      logger: this.logger,
      editSource: agent?.source,
      editTimeoutMs: this.settings.editTimeoutMs(),
      editRepairRounds: this.settings.agentRepairRounds(),
    });
    const detachAll = fleets.map((f) => f.attach(orchestrator));
    const detach = () => detachAll.forEach((d) => d());
    const journalRoot = this.settings.journalRoot();
    let journal: Journal | undefined;
    if (journalRoot !== undefined) {
      try {
        journal = new Journal(journalRoot, orchestrator.runId, { version: 1, plan: planUri.fsPath, constellationId: constellation.id, startedAt: new Date().toISOString(), from: 'vscode' });
        journal.attach(orchestrator);
      } catch (err) {
        this.logger.warn(`run ${orchestrator.runId} is not journaled: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const run: RunHandle = { id: orchestrator.runId, name: constellation.info.name, planUri, constellation, orchestrator, startedAt: Date.now(), outputs: new OutputBuffer(), agent };
    this.runsList.push(run);
    orchestrator.events.onAny((event) => {
      if (event.type === 'task_output') run.outputs.add(event.taskId, event.stream, event.data);
      this.eventsEmitter.fire({ run, event });
      this.refreshSoon(run);
    });
    this.changed.fire({});
    void orchestrator.run().then((report) => {
      run.report = report;
      detach();
      journal?.close();
      this.refreshNow(run);
    });
    return run;
  }

  private refreshSoon(run: RunHandle): void {
    if (this.pendingRefresh.has(run)) return;
    this.pendingRefresh.set(
      run,
      setTimeout(() => this.refreshNow(run), 100),
    );
  }

  private refreshNow(run: RunHandle): void {
    const t = this.pendingRefresh.get(run);
    if (t) clearTimeout(t);
    this.pendingRefresh.delete(run);
    this.changed.fire({ run });
  }

  dispose(): void {
    for (const run of this.runsList) if (!run.orchestrator.isEnded) run.orchestrator.cancel('VS Code is closing the window');
    for (const t of this.pendingRefresh.values()) clearTimeout(t);
    this.pendingRefresh.clear();
    this.changed.dispose();
    this.eventsEmitter.dispose();
  }
}
