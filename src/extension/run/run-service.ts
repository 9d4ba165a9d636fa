import * as vscode from 'vscode';
import type { Logger } from '../../core/clock';
import type { RunEvent } from '../../core/events/event-map';
import { parsePlanText, planFromJson, toPlanFile } from '../../core/io/plan-file';
import { resolveReferences } from '../../core/expr/references';
import type { Constellation } from '../../core/model/constellation';
import type { Orchestrator } from '../../core/orchestrator/orchestrator';
import { DisposableStore } from '../../core/lifecycle/disposable';
import { FileJournalStore } from '../../runtime/file-journal-store';
import { JournalUnavailableError, prepareRun, type PreparedRun } from '../../runtime/run-setup';
import type { RunReport } from '../../core/report/run-report';
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
  /** What the run registered (device attachments, its journal, subscriptions): disposed when it is forgotten. */
  readonly scope: DisposableStore;
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
    const journalRoot = this.settings.journalRoot();
    const setup = {
      constellation,
      devices: fleets.flatMap((f) => f.specs()),
      logger: this.logger,
      editSource: agent?.source,
      editTimeoutMs: this.settings.editTimeoutMs(),
      editRepairRounds: this.settings.agentRepairRounds(),
    };
    const journal = journalRoot !== undefined ? { store: new FileJournalStore(journalRoot), meta: { version: 1, plan: planUri.fsPath, constellationId: constellation.id, startedAt: new Date().toISOString(), from: 'vscode' } } : undefined;
    let prepared: PreparedRun;
    try {
      prepared = prepareRun({ ...setup, journal });
    } catch (err) {
      if (!(err instanceof JournalUnavailableError)) throw err;
      this.logger.warn(`the run is not journaled: ${err.message}`);
      prepared = prepareRun(setup);
    }
    const { orchestrator } = prepared;
    const scope = new DisposableStore();
    const run: RunHandle = { id: orchestrator.runId, name: constellation.info.name, planUri, constellation, orchestrator, startedAt: Date.now(), outputs: new OutputBuffer(), agent, scope };
    const detach = fleets.map((f) => f.attach(orchestrator));
    const release = () => {
      for (const d of detach) d();
      prepared.close();
    };
    scope.defer(release);
    scope.add(
      orchestrator.events.onAny((event) => {
        if (event.type === 'task_output') run.outputs.add(event.taskId, event.stream, event.data);
        this.eventsEmitter.fire({ run, event });
        this.refreshSoon(run);
      }),
    );
    scope.defer(() => this.cancelRefresh(run));
    this.runsList.push(run);
    this.changed.fire({});
    void orchestrator.run().then((report) => {
      run.report = report;
      // The run is over: it stops following devices and writing its journal; its events stay for the views.
      release();
      this.refreshNow(run);
    });
    return run;
  }

  /** Lets go of a run: what it registered is disposed, and the views drop it. */
  forget(run: RunHandle): void {
    const i = this.runsList.indexOf(run);
    if (i < 0) return;
    if (!run.orchestrator.isEnded) run.orchestrator.cancel('the run was removed from the window');
    this.runsList.splice(i, 1);
    run.scope.dispose();
    this.changed.fire({});
  }

  private cancelRefresh(run: RunHandle): void {
    const t = this.pendingRefresh.get(run);
    if (t) clearTimeout(t);
    this.pendingRefresh.delete(run);
  }

  private refreshSoon(run: RunHandle): void {
    if (this.pendingRefresh.has(run)) return;
    this.pendingRefresh.set(
      run,
      setTimeout(() => this.refreshNow(run), 100),
    );
  }

  private refreshNow(run: RunHandle): void {
    this.cancelRefresh(run);
    this.changed.fire({ run });
  }

  dispose(): void {
    for (const run of this.runsList) if (!run.orchestrator.isEnded) run.orchestrator.cancel('VS Code is closing the window');
    for (const run of this.runsList) run.scope.dispose();
    this.changed.dispose();
    this.eventsEmitter.dispose();
  }
}
