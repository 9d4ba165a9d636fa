import { randomBytes } from 'node:crypto';
import { DisposableBase } from '../../core/lifecycle/disposable';
import * as vscode from 'vscode';
import type { Operation } from '../../core/editing/operations';
import type { RunEvent } from '../../core/events/event-map';
import { describeTaskStep } from '../../core/report/event-text';
import { webviewMessageSchema, type HostMessage, type WebviewMessage } from '../../shared/dag-protocol';
import { COMMANDS } from '../constants';
import type { RunHandle, RunService } from '../run/run-service';
import { isActive, runStateOf, startTime } from '../run/run-handle';
import { agentOf, deltaOf, detailsOf, proposalOf, snapshotOf } from './dag-model';
import { isAgentEvent } from '../../core/state/agent-timeline';

export const DAG_VIEW_TYPE = 'constellation.dag';

/** The title of a run's DAG tab (a state such as "(detached)" may follow). */
export function dagTabTitle(run: RunHandle): string {
  return `DAG: ${run.name} · ${startTime(run.startedAt)}`;
}
/** Deltas are batched this long: a 2,000-task run sends tens of messages a second, not thousands. */
const DELTA_EVERY_MS = 50;

/** The last render the webview reported (for tests and the log). */
export interface RenderReport {
  readonly kind: 'snapshot' | 'delta';
  readonly seq: number;
  readonly ms: number;
  readonly lagMs?: number | undefined;
}

/** One DAG panel showing one run: a snapshot, then deltas; details and actions on request. */
export class DagPanel extends DisposableBase implements vscode.Disposable {
  private seq = 0;
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Time of the earliest event not yet sent. */
  private firstDirtyAt: number | undefined;
  private readonly timelines = new Map<string, { at: string; text: string }[]>();
  private selected: string | undefined;
  private proposal: readonly Operation[] | undefined;
  private agentDirty = false;
  readonly renders: RenderReport[] = [];
  private readonly rendered = this.register(new vscode.EventEmitter<RenderReport>());
  readonly onDidRender = this.rendered.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly run: RunHandle,
    runs: RunService,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.store.defer(() => {
      if (this.flushTimer) clearTimeout(this.flushTimer);
    });
    panel.title = `${dagTabTitle(run)}${isActive(run) || run.report ? '' : ` (${runStateOf(run)})`}`;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.webview.html = html(panel.webview, extensionUri, run.id);
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    this.register(
      runs.onEvent(({ run: r, event }) => {
        if (r === this.run) this.onEvent(event);
      }),
    );
  }

  private onEvent(e: RunEvent): void {
    if (!('taskId' in e)) {
      if (e.type === 'constellation_modified') this.post(snapshotOf(this.run, ++this.seq));
      else this.schedule();
      // The timeline goes with the next delta: a round's few events make one message.
      if (isAgentEvent(e)) this.agentDirty = true;
      return;
    }
    if (e.type === 'task_output') return;
    const line = describeTaskStep(e)?.text;
    if (line) {
      const list = this.timelines.get(e.taskId) ?? [];
      list.push({ at: new Date(e.timestamp).toISOString().slice(11, 23), text: line });
      this.timelines.set(e.taskId, list.slice(-50));
    }
    this.dirty.add(e.taskId);
    this.firstDirtyAt ??= e.timestamp;
    this.schedule();
  }

  private schedule(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), DELTA_EVERY_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    const eventAt = this.firstDirtyAt ?? Date.now();
    this.firstDirtyAt = undefined;
    this.post(deltaOf(this.run, ids, ++this.seq, eventAt));
    if (this.agentDirty) {
      this.agentDirty = false;
      this.post(agentOf(this.run));
    }
    if (this.selected && ids.includes(this.selected)) this.sendDetails(this.selected);
  }

  private receive(raw: unknown): void {
    const parsed = webviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`DAG panel sent an invalid message: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const m: WebviewMessage = parsed.data;
    switch (m.type) {
      case 'ready':
      case 'resync':
        this.post(snapshotOf(this.run, ++this.seq));
        if (this.proposal) this.post(proposalOf(this.run, this.proposal));
        this.post(agentOf(this.run));
        return;
      case 'select':
        this.selected = m.id;
        this.sendDetails(m.id);
        return;
      case 'action':
        void vscode.commands.executeCommand(m.action === 'cancel' ? COMMANDS.cancelTask : m.action === 'retry' ? COMMANDS.retryTask : COMMANDS.showTaskOutput, { runId: this.run.id, taskId: m.id });
        return;
      case 'rendered': {
        const r: RenderReport = { kind: m.kind, seq: m.seq, ms: m.ms, lagMs: m.lagMs };
        this.renders.push(r);
        if (this.renders.length > 1000) this.renders.splice(0, 500);
        if (m.kind === 'snapshot') this.log.info(`DAG ${this.run.name}: ${this.run.constellation.size} tasks drawn in ${m.ms.toFixed(1)} ms`);
        this.rendered.fire(r);
        return;
      }
      default:
        assertNever(m);
    }
  }

  /** Outlines what a batch waiting for review touches (after `ready`, the webview asks again). */
  showProposal(operations: readonly Operation[] | undefined): void {
    this.proposal = operations;
    this.post(proposalOf(this.run, operations));
  }

  private sendDetails(id: string): void {
    const task = detailsOf(this.run, id, this.timelines.get(id) ?? []);
    if (task) this.post({ type: 'details', task });
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`);
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, runId: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dag.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dag.css'));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`, `style-src ${webview.cspSource} 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}" nonce="${nonce}">
<title>Constellation DAG</title>
</head>
<body data-run-id="${runId.replace(/[^\w-]/g, '')}">
<div id="toolbar"></div>
<div id="stage"><canvas id="graph"></canvas><canvas id="minimap"></canvas></div>
<aside id="details" hidden></aside>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
