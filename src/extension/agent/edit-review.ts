import * as vscode from 'vscode';
import type { EditReviewer, ProposedBatch, ReviewVerdict } from '../../agent/reviewing-edit-source';
import { previewBatch } from '../../core/editing/preview';
import { toPlanFile } from '../../core/io/plan-file';
import { COMMANDS, CONTEXT } from '../constants';
import { describeOperation } from '../../core/report/operation-words';
import { clipLine } from '../../core/report/words';

export const REVIEW_SCHEME = 'constellation-review';

/** A batch on screen, waiting for Accept, Reject or a choice of operations. */
export interface PendingReview {
  readonly runName: string;
  readonly batch: ProposedBatch;
  readonly before: vscode.Uri;
  readonly after: vscode.Uri;
  /** True once decided (or expired). */
  readonly decided: boolean;
  settle(verdict: ReviewVerdict): void;
}

/**
 * Reviews agent batches in the editor: a diff of the constellation before and after the batch
 * (read-only virtual documents), Accept / Reject / Choose Operations in the editor title, a
 * notification when the window is not focused. The decision resolves the edit round.
 */
export class EditReviews implements vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly pendingList: PendingReview[] = [];
  private readonly provider: vscode.Disposable;
  private readonly opened = new vscode.EventEmitter<PendingReview>();
  /** Fires when a review opens (tests, and the DAG panel). */
  readonly onDidOpen = this.opened.event;
  private readonly changedList = new vscode.EventEmitter<void>();
  /** Fires when a review opens or is decided. */
  readonly onDidChange = this.changedList.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.provider = vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.docs.get(uri.path) ?? '// this review has been decided',
    });
  }

  get pending(): readonly PendingReview[] {
    return this.pendingList;
  }

  /** The reviewer for one run's agent. */
  reviewerFor(runName: () => string): EditReviewer {
    return { review: (batch, signal) => this.review(runName(), batch, signal) };
  }

  private review(runName: string, batch: ProposedBatch, signal: AbortSignal): Promise<ReviewVerdict> {
    const preview = previewBatch(batch.constellation, batch.operations);
    if (!preview.ok) {
      // Valid on the live graph but not on a copy: should not happen; never hide a batch for it.
      this.log.warn(`review preview failed: ${preview.violations.map((v) => v.message).join('; ')}`);
    }
    const id = `${Date.now().toString(36)}-${batch.round}`;
    // JSON with comments: the proposed side opens with the agent's reason and the operations in
    // words. It is the diff's first change, so the editor shows it first, above the edit itself.
    const before = vscode.Uri.from({ scheme: REVIEW_SCHEME, path: `/${id}/before.constellation.jsonc` });
    const after = vscode.Uri.from({ scheme: REVIEW_SCHEME, path: `/${id}/after.constellation.jsonc` });
    const header = reviewHeader(runName, batch);
    this.docs.set(before.path, `${JSON.stringify(toPlanFile(batch.constellation), null, 2)}\n`);
    this.docs.set(after.path, `${header}${preview.ok ? JSON.stringify(preview.plan, null, 2) : `// preview unavailable\n${JSON.stringify(batch.operations, null, 2)}`}\n`);
    return new Promise<ReviewVerdict>((resolve) => {
      let done = false;
      const pending: PendingReview = {
        runName, batch, before, after,
        get decided() {
          return done;
        },
        settle: (verdict) => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', expire);
          this.pendingList.splice(this.pendingList.indexOf(pending), 1);
          void this.closeDiff(pending).finally(() => {
            this.docs.delete(before.path);
            this.docs.delete(after.path);
          });
          this.updateContext();
          this.changedList.fire();
          resolve(verdict);
        },
      };
      // The round timed out or the run ended: the review closes (the agent's timeline tells the user which).
      const expire = () => pending.settle({ accepted: [] });
      if (signal.aborted) {
        resolve({ accepted: [] });
        return;
      }
      signal.addEventListener('abort', expire);
      this.pendingList.push(pending);
      this.updateContext();
      this.opened.fire(pending);
      this.changedList.fire();
      void this.show(pending);
    });
  }

  private async show(p: PendingReview): Promise<void> {
    const n = p.batch.operations.length;
    const reason = p.batch.reason ? `: ${clipLine(p.batch.reason, 80)}` : '';
    const title = `Agent edit · ${p.runName} · round ${p.batch.round} (${n} operation${n === 1 ? '' : 's'})${reason}`;
    const focused = vscode.window.state.focused;
    await vscode.commands.executeCommand('vscode.diff', p.before, p.after, title, { preview: false, preserveFocus: !focused });
    // Decided while the diff was opening (from the palette, a notification, a script): close it.
    if (p.decided) {
      await this.closeDiff(p);
      return;
    }
    if (!focused) {
      const pick = await vscode.window.showInformationMessage(`The agent proposes ${n} edit${n === 1 ? '' : 's'} to '${p.runName}'. New tasks wait for your decision.`, 'Review', 'Accept', 'Reject');
      if (pick === 'Review') await vscode.commands.executeCommand('vscode.diff', p.before, p.after, title, { preview: false });
      else if (pick === 'Accept') this.accept(p);
      else if (pick === 'Reject') await vscode.commands.executeCommand(COMMANDS.rejectEdit, p.after);
    }
  }

  /** The review in the active editor, else the oldest one waiting. */
  current(uri?: vscode.Uri): PendingReview | undefined {
    const active = uri ?? activeDiffUri();
    return this.pendingList.find((p) => active !== undefined && (p.after.toString() === active.toString() || p.before.toString() === active.toString())) ?? this.pendingList[0];
  }

  accept(p: PendingReview): void {
    p.settle({ accepted: p.batch.operations.map((_, i) => i) });
  }

  /** Rejects the whole batch; `reason` (optional) is journaled and told to the agent. */
  reject(p: PendingReview, reason?: string): void {
    p.settle({ accepted: [], ...(reason?.trim() ? { reason } : {}) });
  }

  /** Keeps the chosen operations, after checking the subset on its own. */
  async choose(p: PendingReview, chosen?: readonly number[]): Promise<boolean> {
    let picked = chosen;
    for (;;) {
      if (picked === undefined) {
        const items = p.batch.operations.map((op, i) => ({ label: describeOperation(op), description: `#${i}`, index: i, picked: true }));
        const sel = await vscode.window.showQuickPick(items, { canPickMany: true, title: `Keep which of the agent's edits to '${p.runName}'?`, ignoreFocusOut: true });
        if (!sel) return false;
        picked = sel.map((s) => s.index);
      }
      const subset = picked.flatMap((i) => p.batch.operations[i] ?? []);
      const violations = p.batch.validate(subset);
      if (violations.length === 0) {
        p.settle({ accepted: picked });
        return true;
      }
      const msg = `These edits do not stand on their own: ${violations.map((v) => `#${picked![v.opIndex] ?? v.opIndex}: ${v.message} [${v.code}]`).join('; ')}`;
      if (chosen !== undefined) throw new Error(msg);
      void vscode.window.showErrorMessage(msg);
      picked = undefined;
    }
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', CONTEXT.reviewPending, this.pendingList.length > 0);
  }

  private async closeDiff(p: PendingReview): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === p.after.toString());
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
  }

  dispose(): void {
    for (const p of [...this.pendingList]) p.settle({ accepted: [] });
    this.provider.dispose();
    this.changed.dispose();
    this.opened.dispose();
    this.changedList.dispose();
  }
}

/** The comment block both sides of a review open with: who proposes what, and why, in words. */
function reviewHeader(runName: string, batch: ProposedBatch): string {
  const n = batch.operations.length;
  const lines = [
    `Agent edit to '${clipLine(runName, 80)}', round ${batch.round}: ${n} operation${n === 1 ? '' : 's'}${batch.status === 'finish' ? ' (the agent then considers the work done)' : ''}`,
    `Reason: ${batch.reason ? JSON.stringify(clipLine(batch.reason, 1000)) : '(none given)'}`,
    ...batch.operations.slice(0, 40).map((op, i) => `  ${i + 1}. ${describeOperation(op)}`),
    ...(n > 40 ? [`  … and ${n - 40} more`] : []),
    'Accept, Reject (with a reason) or Choose Operations from the editor title.',
  ];
  // A line comment cannot be closed early by what the model wrote: newlines are gone (clipLine).
  return `${lines.map((l) => `// ${l}`).join('\n')}\n`;
}

function activeDiffUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputTextDiff) return input.modified;
  return vscode.window.activeTextEditor?.document.uri;
}
