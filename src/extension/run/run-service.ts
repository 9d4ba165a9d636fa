import * as vscode from 'vscode';
import type { Logger } from '../../core/clock';
import type { RunEvent } from '../../core/events/event-map';
import { parsePlanText } from '../../core/io/plan-file';
import type { Constellation } from '../../core/model/constellation';
import { Orchestrator } from '../../core/orchestrator/orchestrator';
import { Journal } from '../../core/persistence/journal';
import type { RunReport } from '../../core/orchestrator/run-report';
import type { DeviceFleet } from '../../devices/fleet';
import { OutputBuffer } from './output-buffer';

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
    private readonly settings: { journalRoot(): string | undefined },
  ) {}

  get runs(): readonly RunHandle[] {
    return this.runsList;
  }

  /** The run commands act on when none is named: the newest one still going, else the newest. */
  get current(): RunHandle | undefined {
    return [...this.runsList].reverse().find((r) => !r.orchestrator.isEnded) ?? this.runsList.at(-1);
  }

  /** Loads a plan (any problem is thrown with its location) and runs it on the local device. */
  async start(planUri: vscode.Uri, text: string): Promise<RunHandle> {
    const constellation = parsePlanText(text, { source: vscode.workspace.asRelativePath(planUri) });
    const fleets = await this.fleets();
    const orchestrator = new Orchestrator(constellation, { devices: fleets.flatMap((f) => f.specs()), logger: this.logger });
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
    const run: RunHandle = { id: orchestrator.runId, name: constellation.info.name, planUri, constellation, orchestrator, startedAt: Date.now(), outputs: new OutputBuffer() };
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
