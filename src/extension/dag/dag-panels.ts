import * as vscode from 'vscode';
import type { RunHandle, RunService } from '../run/run-service';
import type { EditReviews } from '../agent/edit-review';
import { DAG_VIEW_TYPE, DagPanel } from './dag-panel';

/** Opens one DAG panel per run, and brings panels back after a reload (serializer). */
export class DagPanels implements vscode.Disposable {
  private readonly panels = new Map<RunHandle, DagPanel>();
  private readonly serializer: vscode.Disposable;
  private readonly reviewSub: vscode.Disposable;

  constructor(
    private readonly runs: RunService,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly reviews: EditReviews,
  ) {
    // A batch waiting for review is outlined on its run's DAG until it is decided.
    this.reviewSub = reviews.onDidChange(() => {
      for (const p of this.panels.values()) this.showProposal(p);
    });
    this.serializer = vscode.window.registerWebviewPanelSerializer(DAG_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => {
        const runId = typeof state === 'object' && state !== null && 'runId' in state ? String((state).runId) : undefined;
        const run = this.runs.runs.find((r) => r.id === runId) ?? this.runs.current;
        if (run) this.attach(panel, run);
        else {
          panel.webview.html = '<!DOCTYPE html><html><body><p>This run belonged to an earlier window and is no longer live. Open its DAG again after the next run.</p></body></html>';
        }
        return Promise.resolve();
      },
    });
  }

  /**
   * Shows the DAG of a run, creating its panel if needed; `beside` opens it next to the editor
   * without taking focus (a run that just started).
   */
  open(run: RunHandle, beside = false): DagPanel {
    const existing = this.panels.get(run);
    if (existing) {
      existing.panel.reveal(undefined, beside);
      return existing;
    }
    const column = beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(DAG_VIEW_TYPE, `DAG: ${run.name}`, column, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] });
    return this.attach(panel, run);
  }

  get(run: RunHandle): DagPanel | undefined {
    return this.panels.get(run);
  }

  private attach(panel: vscode.WebviewPanel, run: RunHandle): DagPanel {
    const dag = new DagPanel(panel, run, this.runs, this.extensionUri, this.log);
    this.panels.set(run, dag);
    this.showProposal(dag);
    panel.onDidDispose(() => {
      dag.dispose();
      if (this.panels.get(run) === dag) this.panels.delete(run);
    });
    return dag;
  }

  private showProposal(panel: DagPanel): void {
    const pending = this.reviews.pending.find((r) => r.batch.constellation === panel.run.constellation);
    panel.showProposal(pending?.batch.operations);
  }

  dispose(): void {
    this.reviewSub.dispose();
    this.serializer.dispose();
    for (const p of this.panels.values()) {
      p.dispose();
      p.panel.dispose();
    }
    this.panels.clear();
  }
}
