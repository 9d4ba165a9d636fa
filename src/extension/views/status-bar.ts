import * as vscode from 'vscode';
import { VIEWS } from '../constants';
import type { RunService } from '../run/run-service';

/** Progress of the current run in the status bar; hidden when nothing has run. */
export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('constellation.progress', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;

  constructor(private readonly runs: RunService) {
    this.item.name = 'Constellation run progress';
    this.item.command = `${VIEWS.runs}.focus`;
    this.sub = runs.onDidChange(() => this.update());
  }

  private update(): void {
    const run = this.runs.current;
    if (!run) return this.item.hide();
    const n = run.constellation.statusCounts();
    const done = n.completed + n.failed + n.cancelled + n.skipped;
    const ended = run.report !== undefined;
    const icon = ended ? (run.report?.state === 'completed' ? '$(pass)' : '$(warning)') : !run.orchestrator ? '$(debug-disconnect)' : run.orchestrator.isPaused ? '$(debug-pause)' : '$(sync~spin)';
    this.item.text = `${icon} ${run.name}: ${done}/${run.constellation.size}`;
    this.item.tooltip = `${n.running} running, ${n.completed} completed, ${n.failed} failed, ${n.skipped} skipped`;
    this.item.show();
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
