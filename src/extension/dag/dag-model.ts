import type { Operation } from '../../core/editing/operations';
import { isTerminal, type Task } from '../../core/model/types';
import { hasEnded, isActive, runStateOf, startTime, timelineOf } from '../run/run-handle';
import { roundChange, roundDetails, roundState, roundTone } from '../../core/report/agent-words';
import { isSetback } from '../../core/state/agent-timeline';
import { plural } from '../../core/report/words';
import { layeredLayout } from '../../shared/dag-layout';
import type { AgentRoundView, DagEdge, DagNode, HostMessage, TaskDetails } from '../../shared/dag-protocol';
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
  return { type: 'snapshot', seq, runId: run.id, title: `${run.name} · ${startTime(run.startedAt)}`, nodes, edges, state: stateOf(run) };
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
  return runStateOf(run);
}

/** Everything the details pane shows about one task. */
export function detailsOf(run: RunHandle, id: string, timeline: readonly { at: string; text: string }[]): TaskDetails | undefined {
  const t = run.constellation.tryTask(id);
  if (!t) return undefined;
  const ended = !isActive(run);
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
export function proposalOf(run: RunHandle, operations: readonly Operation[] | undefined): Extract<HostMessage, { type: 'proposal' }> {
  if (!operations || operations.length === 0) return { type: 'proposal', touched: [], summary: '' };
  const c = run.constellation;
  const touched = new Set<string>();
  const touch = (id: string) => c.hasTask(id) && touched.add(id);
  let added = 0;
  for (const op of operations) {
    switch (op.op) {
      case 'add_task':
        added++;
        break;
      case 'add_dependency':
        touch(op.dependency.from);
        touch(op.dependency.to);
        break;
      case 'remove_dependency':
      case 'update_dependency':
        if (c.hasDependency(op.dependencyId)) {
          const dep = c.dependency(op.dependencyId);
          touch(dep.from);
          touch(dep.to);
        }
        break;
      default:
        touch(op.taskId);
    }
  }
  const other = operations.length - added;
  const parts = [added > 0 ? `+${added} task${added === 1 ? '' : 's'}` : '', other > 0 ? `${other} change${other === 1 ? '' : 's'}` : ''].filter(Boolean);
  return { type: 'proposal', touched: [...touched], summary: `Agent proposes ${parts.join(', ')}: review it in the editor` };
}

/** Rounds sent to the panel, newest first; older ones are counted. */
const MAX_PANEL_ROUNDS = 100;

/** The agent's timeline for the panel's details (empty when no agent steered the run). */
export function agentOf(run: RunHandle): Extract<HostMessage, { type: 'agent' }> {
  const rounds = timelineOf(run);
  if (rounds.length === 0 && !run.agent) return { type: 'agent', summary: '', rounds: [] };
  const ended = hasEnded(run);
  const setbacks = rounds.filter(isSetback).length;
  const summary = `Agent: ${plural(rounds.length, 'round')}${setbacks > 0 ? `, ${setbacks} not applied` : ''}`;
  const views = [...rounds]
    .reverse()
    .slice(0, MAX_PANEL_ROUNDS)
    .map((r): AgentRoundView => ({
      round: r.round,
      title: [`Round ${r.round}`, roundState(r, ended), roundChange(r)].filter(Boolean).join(' · '),
      tone: roundTone(r),
      lines: roundDetails(r, ended).slice(1),
    }));
  return { type: 'agent', summary, rounds: views };
}
