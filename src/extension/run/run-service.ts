import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../../core/clock';
import type { RunEvent } from '../../core/events/event-map';
import { parsePlanText, planFromJson, toPlanFile } from '../../core/io/plan-file';
import { resolveReferences } from '../../core/expr/references';
import type { Constellation } from '../../core/model/constellation';
import { DisposableStore } from '../../core/lifecycle/disposable';
import { restoreRun } from '../../core/persistence/restore';
import { planForRerun } from '../../core/state/rerun';
import { FileJournalStore, runPaths } from '../../runtime/file-journal-store';
import { endedReport, readRuns } from '../../runtime/run-history';
import { newRunMeta } from '../../runtime/run-meta';
import { JournalUnavailableError, prepareRun, type PreparedRun, type RunSetup } from '../../runtime/run-setup';
import type { DeviceFleet } from '../../devices/fleet';
import { OutputBuffer } from './output-buffer';
import type { RunAgent } from '../agent/run-agent';
import { isActive, isResumable, type LiveRun, type RunHandle } from './run-handle';

export type { LiveRun, RunHandle } from './run-handle';

/** Past runs read from the journal into the view, newest first. */
export const HISTORY_LIMIT = 50;

/** Which part of the runs changed: the list, or one run (with the tasks its events touched). */
export interface RunsChange {
  readonly run?: RunHandle;
}

export interface RunSettings {
  journalRoot(): string | undefined;
  editTimeoutMs(): number;
  agentRepairRounds(): number;
  /** Who this workspace is to its devices (kept across reloads). */
  readonly orchestratorId: string;
}

/** How a new run starts: fresh, or continuing a journaled one. */
interface StartOptions {
  readonly runId?: string;
  readonly startSeq?: number;
  readonly interrupted?: RunSetup['interrupted'];
  readonly agentTimeline?: RunSetup['agentTimeline'];
  /** The journal's facts of a resumed run (kept as they are). */
  readonly meta?: Record<string, unknown>;
  readonly continues?: string | undefined;
  /** A run of the list this one takes the place of (a resumed past run). */
  readonly replaces?: RunHandle | undefined;
}

/**
 * Starts, keeps and resumes the runs of this window, and lists the journal's past runs beside
 * them. Views listen to {@link onDidChange}; events are folded into at most one notification per
 * run per 100 ms, so a 2,000-task run does not repaint a tree 2,000 times a second. Closing or
 * reloading the window detaches the runs (their devices go on); the next window resumes them.
 */
export class RunService implements vscode.Disposable {
  private runsList: RunHandle[] = [];
  private readonly changed = new vscode.EventEmitter<RunsChange>();
  readonly onDidChange = this.changed.event;
  private readonly eventsEmitter = new vscode.EventEmitter<{ run: RunHandle; event: RunEvent }>();
  /** Every event of every run, unthrottled (terminals, the DAG panel). */
  readonly onEvent = this.eventsEmitter.event;
  private readonly startedEmitter = new vscode.EventEmitter<{ run: LiveRun; replaces?: RunHandle | undefined }>();
  /** A run started (or a past one was resumed, taking the place of `replaces`). */
  readonly onDidStart = this.startedEmitter.event;
  private readonly pendingRefresh = new Map<RunHandle, NodeJS.Timeout>();

  constructor(
    private readonly fleets: () => Promise<DeviceFleet[]>,
    private readonly logger: Logger,
    private readonly settings: RunSettings,
    private readonly agents?: { forRun(c: Constellation, runName: () => string, earlier?: RunSetup['agentTimeline']): Promise<RunAgent | undefined> },
  ) {}

  /** Every run, oldest first: past ones from the journal and this window's. */
  get runs(): readonly RunHandle[] {
    return this.runsList;
  }

  /** The run commands act on when none is named: the newest one still going, else the newest. */
  get current(): RunHandle | undefined {
    return [...this.runsList].reverse().find(isActive) ?? this.runsList.at(-1);
  }

  find(runId: string): RunHandle | undefined {
    return this.runsList.find((r) => r.id === runId);
  }

  /**
   * Reads the newest {@link HISTORY_LIMIT} runs of the journal into the list (runs this window
   * runs stay as they are). A run whose journal cannot be read is logged and left out.
   */
  loadHistory(): void {
    const root = this.settings.journalRoot();
    if (root === undefined || !fs.existsSync(root)) return;
    const store = new FileJournalStore(root);
    const live = this.runsList.filter((r) => r.orchestrator);
    const mine = new Set(live.map((r) => r.id));
    const past: RunHandle[] = [];
    for (const r of readRuns(store, HISTORY_LIMIT, (id) => mine.has(id))) {
      if ('error' in r) {
        this.logger.warn(`run ${r.runId} in ${root} cannot be read: ${r.error}`);
        continue;
      }
      const { summary, restored } = r;
      past.push({
        id: summary.runId,
        name: summary.name,
        planUri: summary.plan !== undefined ? vscode.Uri.file(summary.plan) : undefined,
        constellation: restored.constellation,
        startedAt: summary.startedAt !== undefined ? Date.parse(summary.startedAt) : 0,
        outputs: new OutputBuffer(),
        journal: store,
        continues: summary.continues,
        scope: new DisposableStore(),
        past: summary,
        pastAgent: restored.state.agent,
        report: endedReport(restored),
      });
    }
    this.runsList = [...past, ...live].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
    this.changed.fire({});
  }

  /** Loads a plan (any problem is thrown with its location) and runs it on the devices. */
  async start(planUri: vscode.Uri, text: string): Promise<LiveRun> {
    return this.startConstellation(planUri, parsePlanText(text, { source: vscode.workspace.asRelativePath(planUri) }));
  }

  /**
   * Runs one task of an earlier run again, as a new run of its own: its definition as in that
   * run, with `${tasks…}` references resolved from that run's results. For a task of a live
   * run that failed, use the orchestrator's retry instead, which keeps it in its graph.
   */
  async rerunTask(from: RunHandle, taskId: string): Promise<LiveRun> {
    const plan = toPlanFile(from.constellation);
    const def = plan.tasks.find((t) => t.id === taskId);
    if (!def) throw new Error(`run ${from.id} has no task '${taskId}'`);
    const resolved = resolveReferences(def, { getTask: (id) => from.constellation.tryTask(id) });
    const constellation = planFromJson(
      { id: plan.id, name: `${from.name} › ${taskId} (again)`, tasks: [resolved], dependencies: [] },
      { source: `${from.name} › ${taskId}` },
    );
    return this.startConstellation(from.planUri, constellation, { continues: from.id });
  }

  /**
   * Runs an earlier run's plan again (as it stood at its end, edits included): whole, or from
   * failure (what did not complete and everything downstream of it; completed results are kept
   * and read by the tasks that run again).
   */
  async rerun(from: RunHandle, fromFailure: boolean): Promise<LiveRun> {
    const { plan } = planForRerun(from.constellation, fromFailure);
    return this.startConstellation(from.planUri, planFromJson(plan, { source: `run ${from.id}` }), { continues: from.id });
  }

  /**
   * Resumes a detached or interrupted run from its journal: its devices are reconnected, tasks
   * they finished meanwhile are collected, tasks they still run are taken over, and only what no
   * device holds runs again. The resumed run takes the past one's place in the list.
   */
  async resume(run: RunHandle): Promise<LiveRun> {
    if (isActive(run)) return run;
    if (!run.journal) throw new Error(`run ${run.id} has no journal to resume from`);
    const restored = restoreRun(run.journal, run.id);
    if (restored.ended) throw new Error(`run ${run.id} already ended (${restored.ended.state})`);
    return this.startConstellation(run.planUri, restored.constellation, { runId: run.id, startSeq: restored.lastSeq, interrupted: restored.interrupted, agentTimeline: restored.state.agent, meta: restored.meta, continues: run.continues, replaces: run });
  }

  /** Past runs this workspace's windows started and let go of, which nobody runs now. */
  reattachable(): RunHandle[] {
    return this.runsList.filter((r) => isResumable(r) && r.past?.from === 'vscode');
  }

  private async startConstellation(planUri: vscode.Uri | undefined, constellation: Constellation, opts: StartOptions = {}): Promise<LiveRun> {
    const fleets = await this.fleets();
    const agent = await this.agents?.forRun(constellation, () => constellation.info.name, opts.agentTimeline);
    const journalRoot = this.settings.journalRoot();
    const setup: RunSetup = {
      constellation,
      devices: fleets.flatMap((f) => f.specs()),
      logger: this.logger,
      editSource: agent?.source,
      editTimeoutMs: this.settings.editTimeoutMs(),
      editRepairRounds: this.settings.agentRepairRounds(),
      runId: opts.runId,
      startSeq: opts.startSeq,
      interrupted: opts.interrupted,
      agentTimeline: opts.agentTimeline,
    };
    const store = journalRoot !== undefined ? new FileJournalStore(journalRoot) : undefined;
    const startedAt = typeof opts.meta?.startedAt === 'string' ? Date.parse(opts.meta.startedAt) : Date.now();
    const meta = opts.meta ?? newRunMeta({ plan: planUri?.fsPath, constellationId: constellation.id, startedAt: new Date(startedAt).toISOString(), from: 'vscode', orchestratorId: this.settings.orchestratorId, continues: opts.continues });
    let prepared: PreparedRun;
    try {
      prepared = prepareRun({ ...setup, journal: store ? { store, meta } : undefined });
    } catch (err) {
      if (!(err instanceof JournalUnavailableError) || opts.runId !== undefined) throw err;
      this.logger.warn(`the run is not journaled: ${err.message}`);
      prepared = prepareRun(setup);
    }
    const { orchestrator } = prepared;
    const scope = new DisposableStore();
    const run: LiveRun = {
      id: orchestrator.runId,
      name: constellation.info.name,
      planUri,
      constellation,
      orchestrator,
      startedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
      outputs: new OutputBuffer(),
      journal: prepared.journal ? store : undefined,
      continues: opts.continues,
      agent,
      scope,
    };
    const detach = fleets.map((f) => f.attach(orchestrator));
    const release = () => {
      for (const d of detach) d();
      prepared.close();
    };
    scope.defer(release);
    scope.add(
      orchestrator.events.onAny((event) => {
        if (event.type === 'task_output' && !run.journal) run.outputs.add(event.taskId, event.stream, event.data);
        this.eventsEmitter.fire({ run, event });
        this.refreshSoon(run);
      }),
    );
    scope.defer(() => this.cancelRefresh(run));
    // Calls and tokens show as they are used, also while a review waits (no run event then).
    if (agent) scope.defer(agent.stats.subscribe(() => this.refreshSoon(run)));
    const replaced = opts.replaces ? this.runsList.indexOf(opts.replaces) : -1;
    if (replaced >= 0) {
      this.runsList.splice(replaced, 1, run);
      opts.replaces!.scope.dispose();
    } else this.runsList.push(run);
    this.changed.fire({});
    this.startedEmitter.fire({ run, replaces: opts.replaces });
    void orchestrator.run().then((report) => {
      run.report = report;
      // The run is over (or this window let go of it): it stops following devices and writing its journal.
      release();
      this.refreshNow(run);
    });
    return run;
  }

  /** Lets go of a run: what it registered is disposed, and the views drop it. A live run is cancelled first. */
  forget(run: RunHandle): void {
    const i = this.runsList.indexOf(run);
    if (i < 0) return;
    if (isActive(run)) run.orchestrator.cancel('the run was removed from the window');
    this.runsList.splice(i, 1);
    run.scope.dispose();
    this.changed.fire({});
  }

  /** Deletes a run that is not running from the journal (its events, snapshot and output files) and from the list. */
  delete(run: RunHandle): void {
    if (isActive(run)) throw new Error(`run ${run.id} is still running: cancel it first`);
    if (run.past?.heldBy !== undefined) throw new Error(`run ${run.id} is being run by process ${run.past.heldBy}`);
    if (run.journal) fs.rmSync(runPaths(run.journal.root, run.id).dir, { recursive: true, force: true });
    this.forget(run);
  }

  /** Tells the views a run changed outside its events (its agent's budget, say). */
  touch(run: RunHandle): void {
    this.refreshSoon(run);
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

  /**
   * The window closes or reloads: runs still going are detached, not cancelled. Their devices
   * go on and keep what they finish; the journal says so, and the next window resumes them.
   */
  dispose(): void {
    for (const run of this.runsList) if (isActive(run)) run.orchestrator.detach('VS Code closed or reloaded the window');
    for (const run of this.runsList) run.scope.dispose();
    this.changed.dispose();
    this.eventsEmitter.dispose();
    this.startedEmitter.dispose();
  }
}
