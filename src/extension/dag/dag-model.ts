import { isTerminal, type Task } from '../../core/model/types';
import { layeredLayout } from '../../shared/dag-layout';
import type { DagEdge, DagNode, HostMessage, TaskDetails } from '../../shared/dag-protocol';
import type { RunHandle } from '../run/run-service';

const MAX_TEXT = 4_000;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)` : text;
}

function durationOf(t: Task): number | undefined {
  return t.startedAt && t.endedAt ? Date.parse(t.endedAt) - Date.parse(t.startedAt) : undefined;
}

/** The whole graph of a run, laid out, for the first message to a panel. */
export function snapshotOf(run: RunHandle, seq: number): Extract<HostMessage, { type: 'snapshot' }> {
  const c = run.constellation;
  const tasks = [...c.tasks()];
  const edges: DagEdge[] = [...c.dependencies()].map((d) => ({ from: d.from, to: d.to, kind: d.type }));
  const layout = layeredLayout(tasks.map((t) => t.id), edges);
  const nodes: DagNode[] = tasks.map((t) => {
    const at = layout.get(t.id)!;
    return { id: t.id, label: t.name && t.name !== t.id ? t.name : t.id, layer: at.layer, row: at.row, status: t.status, device: t.assignedDevice ?? t.device, durationMs: durationOf(t) };
  });
  return { type: 'snapshot', seq, runId: run.id, title: run.name, nodes, edges, state: stateOf(run) };
}

/** What changed for some tasks since the last message. */
export function deltaOf(run: RunHandle, ids: Iterable<string>, seq: number, eventAt: number): Extract<HostMessage, { type: 'delta' }> {
  const nodes = [];
  for (const id of ids) {
    const t = run.constellation.tryTask(id);
    if (t) nodes.push({ id, status: t.status, device: t.assignedDevice ?? t.device, durationMs: durationOf(t) });
  }
  return { type: 'delta', seq, nodes, state: stateOf(run), eventAt };
}

export function stateOf(run: RunHandle): string {
  if (run.report) return run.report.state.replace('_', ' ');
  return run.orchestrator.isPaused ? 'paused' : 'running';
}

/** Everything the details pane shows about one task. */
export function detailsOf(run: RunHandle, id: string, timeline: readonly { at: string; text: string }[]): TaskDetails | undefined {
  const t = run.constellation.tryTask(id);
  if (!t) return undefined;
  const ended = run.orchestrator.isEnded;
  return {
    id: t.id,
    name: t.name,
    description: clip(t.description),
    status: t.status,
    device: t.assignedDevice ?? t.device,
    attempts: t.attempts,
    inputs: t.inputs === undefined ? undefined : clip(JSON.stringify(t.inputs, null, 2)),
    result: t.result === undefined ? undefined : clip(JSON.stringify(t.result, null, 2)),
    error: t.error ? `${t.error.message} [${t.error.code}]` : undefined,
    timeline,
    canCancel: !ended && !isTerminal(t.status),
    canRetry: !ended && (t.status === 'failed' || t.status === 'cancelled' || t.status === 'skipped'),
  };
}

/** The tasks a batch touches (existing ones; new tasks appear once it is applied) and a summary line. */
export function proposalOf(run: RunHandle, operations: readonly unknown[] | undefined): Extract<HostMessage, { type: 'proposal' }> {
  if (!operations || operations.length === 0) return { type: 'proposal', touched: [], summary: '' };
  const c = run.constellation;
  const touched = new Set<string>();
  let added = 0;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  for (const raw of operations) {
    const op = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const dep = (typeof op.dependency === 'object' && op.dependency !== null ? op.dependency : {}) as Record<string, unknown>;
    if (op.op === 'add_task') added++;
    for (const id of [str(op.taskId), str(dep.from), str(dep.to)]) if (id && c.hasTask(id)) touched.add(id);
    const depId = str(op.dependencyId);
    const existing = depId && c.hasDependency(depId) ? c.dependency(depId) : undefined;
    if (existing) {
      touched.add(existing.from);
      touched.add(existing.to);
    }
  }
  const other = operations.length - added;
  const parts = [added > 0 ? `+${added} task${added === 1 ? '' : 's'}` : '', other > 0 ? `${other} change${other === 1 ? '' : 's'}` : ''].filter(Boolean);
  return { type: 'proposal', touched: [...touched], summary: `Agent proposes ${parts.join(', ')}: review it in the editor` };
}
