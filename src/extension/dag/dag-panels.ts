import * as vscode from 'vscode';
import type { RunHandle, RunService } from '../run/run-service';
import type { EditReviews } from '../agent/edit-review';
import { DAG_VIEW_TYPE, DagPanel, dagTabTitle } from './dag-panel';
import { planKey } from '../run/run-handle';

/**
 * One DAG tab per plan: opening a run's DAG reuses the tab of its plan, and a new run of the
 * plan (or a resumed one) takes the tab over; its title says which run it shows. Tabs come back
 * after a reload (serializer), on the same run.
 */
export class DagPanels implements vscode.Disposable {
  private readonly panels = new Map<string, DagPanel>();
  private readonly serializer: vscode.Disposable;
  private readonly reviewSub: vscode.Disposable;
  private readonly startSub: vscode.Disposable;
  private readonly listSub: vscode.Disposable;
  /** Tabs restored before their run was listed (the serializer can run before the history is read): by run id. */
  private readonly waiting = new Map<string, vscode.WebviewPanel>();

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
    this.startSub = runs.onDidStart(({ run }) => {
      if (this.adoptWaiting(run)) return;
      const shown = this.panels.get(planKey(run));
      if (shown && shown.run !== run) this.attach(shown.panel, run);
    });
    this.listSub = runs.onDidChange((c) => {
      if (c.run || this.waiting.size === 0) return;
      for (const id of [...this.waiting.keys()]) {
        const run = this.runs.find(id);
        if (run) this.adoptWaiting(run);
      }
    });
    this.serializer = vscode.window.registerWebviewPanelSerializer(DAG_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => {
        const runId = typeof state === 'object' && state !== null && 'runId' in state ? String(state.runId) : undefined;
        const run = runId !== undefined ? this.runs.find(runId) : undefined;
        if (run && this.panels.has(planKey(run))) panel.dispose(); // its plan has a tab already
        else if (run) this.attach(panel, run);
        else if (runId !== undefined) {
          // Not listed yet (the history is read after the tabs come back), or gone from the journal.
          panel.webview.html = `<!DOCTYPE html><html><body><p>Looking for run ${runId.replace(/[^\w.:-]/g, '')}… If it does not come back, it is no longer in the journal: open a DAG from the Constellations view.</p></body></html>`;
          this.waiting.set(runId, panel);
          panel.onDidDispose(() => {
            if (this.waiting.get(runId) === panel) this.waiting.delete(runId);
          });
        } else panel.dispose();
        return Promise.resolve();
      },
    });
  }

  /**
   * Shows the DAG of a run in its plan's tab, creating the tab if needed; `beside` opens it next
   * to the editor without taking focus (a run that just started).
   */
  open(run: RunHandle, beside = false): DagPanel {
    const existing = this.panels.get(planKey(run));
    if (existing) {
      const shown = existing.run === run ? existing : this.attach(existing.panel, run);
      shown.panel.reveal(undefined, beside);
      return shown;
    }
    const column = beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(DAG_VIEW_TYPE, `DAG: ${run.name}`, column, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] });
    return this.attach(panel, run);
  }

  /**
   * After the extension host restarted in the same window (a crash), its DAG tabs are still open
   * but dead: VS Code keeps the webviews and nobody answers them. Closes them and opens live ones
   * on the same runs.
   */
  async replaceOrphans(): Promise<void> {
    const orphans = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(DAG_VIEW_TYPE));
    if (orphans.length === 0) return;
    const shown = this.runs.runs.filter((r) => orphans.some((t) => t.label.startsWith(dagTabTitle(r))));
    await vscode.window.tabGroups.close(orphans, true);
    for (const run of shown) this.open(run, true);
  }

  /** Gives a restored tab that waited for this run its run; true if there was one. */
  private adoptWaiting(run: RunHandle): boolean {
    const panel = this.waiting.get(run.id);
    if (!panel) return false;
    this.waiting.delete(run.id);
    const shown = this.panels.get(planKey(run));
    if (shown && shown.panel !== panel) {
      // Its plan has a tab already: that one shows the run.
      panel.dispose();
      if (shown.run !== run) this.attach(shown.panel, run);
    } else this.attach(panel, run);
    return true;
  }

  /** The panel showing a run, if one does. */
  get(run: RunHandle): DagPanel | undefined {
    const p = this.panels.get(planKey(run));
    return p?.run === run ? p : undefined;
  }

  private attach(panel: vscode.WebviewPanel, run: RunHandle): DagPanel {
    const key = planKey(run);
    const before = this.panels.get(key);
    if (before?.panel === panel) before.dispose();
    const dag = new DagPanel(panel, run, this.runs, this.extensionUri, this.log);
    this.panels.set(key, dag);
    this.showProposal(dag);
    // (A tab retargeted to a newer run keeps this listener until the tab closes: one per run it showed.)
    panel.onDidDispose(() => {
      dag.dispose();
      if (this.panels.get(key) === dag) this.panels.delete(key);
    });
    return dag;
  }

  private showProposal(panel: DagPanel): void {
    const pending = this.reviews.pending.find((r) => r.batch.constellation === panel.run.constellation);
    panel.showProposal(pending?.batch.operations);
  }

  dispose(): void {
    this.reviewSub.dispose();
    this.startSub.dispose();
    this.listSub.dispose();
    this.serializer.dispose();
    this.waiting.clear();
    for (const p of this.panels.values()) {
      p.dispose();
      p.panel.dispose();
    }
    this.panels.clear();
  }
}
