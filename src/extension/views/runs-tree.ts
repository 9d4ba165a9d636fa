import * as vscode from 'vscode';
import { isTerminal, type Task } from '../../core/model/types';
import type { RunHandle, RunService } from '../run/run-service';
import { isLive, isResumable, runStateOf, startTime, timelineOf } from '../run/run-handle';
import { agentItem, roundItem } from './agent-items';
import { formatCount, formatDuration } from '../../core/report/words';
import { statusIcon } from './status-look';

/** A node of the Constellations view: a run, one of its tasks, its agent, or one of the agent's rounds. */
export type RunsNode =
  | { readonly kind: 'run'; readonly run: RunHandle }
  | { readonly kind: 'task'; readonly run: RunHandle; readonly taskId: string }
  | { readonly kind: 'agent'; readonly run: RunHandle }
  | { readonly kind: 'round'; readonly run: RunHandle; readonly round: number };

const ORDER: Record<Task['status'], number> = { running: 0, failed: 1, ready: 2, pending: 3, cancelled: 4, skipped: 5, completed: 6 };

/**
 * Runs, newest first, each with its tasks: running and failed ones on top, then what waits,
 * then what is done. Context values drive the inline and context-menu actions.
 */
export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<RunHandle, RunsNode>();
  private readonly agentNodes = new Map<RunHandle, RunsNode>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: RunService) {
    this.subscription = service.onDidChange((c) => {
      if (!c.run) this.prune();
      this.changed.fire(c.run ? this.runNode(c.run) : undefined);
    });
  }

  runNode(run: RunHandle): RunsNode {
    let n = this.nodes.get(run);
    if (!n) {
      n = { kind: 'run', run };
      this.nodes.set(run, n);
    }
    return n;
  }

  agentNode(run: RunHandle): RunsNode {
    let n = this.agentNodes.get(run);
    if (!n) {
      n = { kind: 'agent', run };
      this.agentNodes.set(run, n);
    }
    return n;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return [...this.service.runs].reverse().map((r) => this.runNode(r));
    if (node.kind === 'task' || node.kind === 'round') return [];
    // The newest round first: what the agent did last is what the user looks for.
    if (node.kind === 'agent') return [...timelineOf(node.run)].reverse().map((r) => ({ kind: 'round', run: node.run, round: r.round }));
    const tasks = [...node.run.constellation.tasks()];
    tasks.sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.priority - a.priority || a.id.localeCompare(b.id));
    const agent = node.run.agent || timelineOf(node.run).length > 0 ? [this.agentNode(node.run)] : [];
    return [...agent, ...tasks.map((t): RunsNode => ({ kind: 'task', run: node.run, taskId: t.id }))];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'run') return undefined;
    return node.kind === 'round' ? this.agentNode(node.run) : this.runNode(node.run);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run':
        return this.runItem(node.run);
      case 'task':
        return this.taskItem(node.run, node.taskId);
      case 'agent':
        return agentItem(node.run);
      case 'round':
        return roundItem(node.run, node.round);
    }
  }

  private runItem(run: RunHandle): vscode.TreeItem {
    const c = run.constellation;
    const n = c.statusCounts();
    const done = n.completed + n.failed + n.cancelled + n.skipped;
    const live = isLive(run);
    const item = new vscode.TreeItem(`${run.name} · ${startTime(run.startedAt)}`, live ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    // A past run resumed here is a new item: VS Code keeps an item's expansion by id, and the live run opens expanded.
    item.id = `run:${run.id}${live ? ':live' : ''}`;
    const duration = run.report ? durationOf(run) : run.past?.durationMs;
    item.description = [runStateOf(run), duration !== undefined ? formatDuration(duration) : undefined, `${done}/${c.size}`, n.failed ? `${n.failed} failed` : undefined].filter(Boolean).join(' · ');
    const tooltip = new vscode.MarkdownString(`**${run.name}**\n\nrun \`${run.id}\`, started ${new Date(run.startedAt).toLocaleString()}${run.planUri ? `\n\nplan ${vscode.workspace.asRelativePath(run.planUri)}` : ''}${run.continues ? `\n\ncontinues run \`${run.continues}\`` : ''}`);
    if (run.past?.state === 'detached' || run.past?.state === 'interrupted') tooltip.appendMarkdown(`\n\n${run.past.state === 'detached' ? 'Detached' : 'Cut off by a crash'}${run.past.reason ? ` (${run.past.reason})` : ''}: its devices keep what they finish for a while; **Resume** collects it and goes on.`);
    if (run.agent) {
      const s = run.agent.stats;
      tooltip.appendMarkdown(`\n\nagent: ${run.agent.model}, ${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.inputTokens.toLocaleString('en')} tokens in, ${s.outputTokens.toLocaleString('en')} out`);
      item.description = `${String(item.description)} · agent ${s.calls} call${s.calls === 1 ? '' : 's'}, ${formatCount(s.tokens)} tokens`;
    }
    item.tooltip = tooltip;
    item.iconPath = run.report ? (run.report.state === 'completed' ? statusIcon('completed') : statusIcon('failed')) : live ? statusIcon('running') : new vscode.ThemeIcon('debug-disconnect');
    item.contextValue = contextOf(run);
    return item;
  }

  private taskItem(run: RunHandle, taskId: string): vscode.TreeItem {
    const t = run.constellation.tryTask(taskId);
    const item = new vscode.TreeItem(taskId, vscode.TreeItemCollapsibleState.None);
    item.id = `task:${run.id}:${taskId}`;
    if (!t) return item;
    const parts: string[] = [t.status];
    const device = t.assignedDevice ?? t.device;
    if (device) parts.push(device);
    if (t.startedAt && t.endedAt) parts.push(formatDuration(Date.parse(t.endedAt) - Date.parse(t.startedAt)));
    if (t.attempts > 1) parts.push(`attempt ${t.attempts}`);
    item.description = parts.join(' · ');
    item.iconPath = statusIcon(t.status);
    const md = new vscode.MarkdownString(`**${t.name || t.id}** — ${t.status}\n\n${t.description}`);
    if (t.error) md.appendMarkdown(`\n\n**${t.error.code}**: ${t.error.message}`);
    item.tooltip = md;
    item.command = { command: 'constellation.showTaskOutput', title: 'Show Task Output', arguments: [{ runId: run.id, taskId }] };
    item.contextValue = isTerminal(t.status) ? 'task.retryable' : 'task.cancellable';
    return item;
  }

  /** Forgets the nodes of runs no longer listed. */
  private prune(): void {
    const listed = new Set(this.service.runs);
    for (const map of [this.nodes, this.agentNodes]) for (const run of map.keys()) if (!listed.has(run)) map.delete(run);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** What the menus of a run offer: see `view/item/context` in package.json. */
function contextOf(run: RunHandle): string {
  if (isLive(run)) return run.report ? 'run.ended' : run.orchestrator.isPaused ? 'run.paused' : 'run.active';
  if (run.report) return 'run.past';
  return isResumable(run) ? 'run.detached' : 'run.busy';
}

function durationOf(run: RunHandle): number | undefined {
  return run.report?.metrics.durationMs ?? run.past?.durationMs;
}
