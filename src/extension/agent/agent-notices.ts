import * as vscode from 'vscode';
import { roundDetails, roundLine } from '../../core/report/agent-words';
import { isSetback } from '../../core/state/agent-timeline';
import { hasEnded, timelineOf, type RunHandle } from '../run/run-handle';
import type { RunService } from '../run/run-service';
import type { RunsNode, RunsTree } from '../views/runs-tree';

export const AGENT_ROUND_SCHEME = 'constellation-agent';

/**
 * Makes every decision on the agent's answers visible as it happens: a line in the log for each
 * round, and a notification with "Show" for each that did not take effect as proposed (refused,
 * rejected, dropped, timed out, a refused `finish`). "Show" reveals the round under the run's
 * "Agent" node and opens its whole story as a read-only document.
 */
export class AgentNotices implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Notifications raised, newest last (the integration tests read them). */
  readonly raised: string[] = [];

  constructor(
    private readonly runs: RunService,
    private readonly tree: RunsTree,
    private readonly view: vscode.TreeView<RunsNode>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      runs.onEvent(({ run, event }) => {
        if (event.type === 'edit_outcome') this.roundEnded(run, event.round);
        else if (event.type === 'edit_proposed' && event.status === 'fail') this.roundEnded(run, event.round);
      }),
      vscode.workspace.registerTextDocumentContentProvider(AGENT_ROUND_SCHEME, { provideTextDocumentContent: (uri) => this.document(uri) }),
    );
  }

  private roundEnded(run: RunHandle, n: number): void {
    const r = timelineOf(run).find((x) => x.round === n);
    if (!r) return;
    const line = `agent of '${run.name}' · ${roundLine(r, false)}`;
    if (!isSetback(r)) {
      this.log.info(line);
      return;
    }
    this.log.warn(line);
    const message = `Agent, '${run.name}': ${roundLine(r, false)}`;
    this.raised.push(message);
    if (this.raised.length > 100) this.raised.splice(0, 50);
    void vscode.window.showWarningMessage(message, 'Show').then((pick) => pick && this.show(run, n));
  }

  /** Reveals a round in the Constellations view and opens its details. */
  async show(run: RunHandle, n: number): Promise<void> {
    const node: RunsNode = { kind: 'round', run, round: n };
    try {
      await this.view.reveal(this.tree.agentNode(run), { expand: true });
      await this.view.reveal(node, { select: true, focus: false });
    } catch (err) {
      // The view may be hidden or the run gone; the document below still shows the round.
      this.log.debug(`revealing round ${n} of ${run.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const uri = vscode.Uri.from({ scheme: AGENT_ROUND_SCHEME, path: `/${run.id}/round-${n}.txt` });
    await vscode.window.showTextDocument(uri, { preview: true });
  }

  private document(uri: vscode.Uri): string {
    const [, runId, file] = uri.path.split('/');
    const n = Number(/^round-(\d+)\.txt$/.exec(file ?? '')?.[1]);
    const run = runId !== undefined ? this.runs.find(runId) : undefined;
    const r = run ? timelineOf(run).find((x) => x.round === n) : undefined;
    if (!run || !r) return `No round ${Number.isFinite(n) ? n : '?'} of run ${runId ?? '?'} is known in this window.`;
    return [`Agent of '${run.name}' (run ${run.id})${run.agent ? `, ${run.agent.model}` : ''}`, '', ...roundDetails(r, hasEnded(run)), ''].join('\n');
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
