import type { Constellation } from '../../core/model/constellation';
import { isTerminal, type Dependency, type Task } from '../../core/model/types';
import type { Completion } from '../../core/orchestrator/edit-source';
import { asText, fenceUntrusted, oneLine } from './fence';

/** Character budgets of the edit prompt. */
export interface PromptBudgets {
  /** Characters of the result or error of a task that just finished (default 400). */
  readonly maxResultChars: number;
  /** Characters of the result or error of a task that finished in an earlier round (default 120). */
  readonly maxEarlierResultChars: number;
  /** Target size of a whole prompt; beyond it, finished tasks are summarised (default 24 000). */
  readonly maxPromptChars: number;
  /** Characters of a task name, condition or predicate on a task's line (default 80). */
  readonly maxNameChars: number;
}

/** Default budgets: an edit prompt stays under 24 000 characters, about 6 000 tokens, when it can. */
export const DEFAULT_BUDGETS: PromptBudgets = { maxResultChars: 400, maxEarlierResultChars: 120, maxPromptChars: 24_000, maxNameChars: 80 };

/** How much of the constellation a rendering shows: each step down saves room. */
export interface Detail {
  /** Results and errors of tasks that finished in earlier rounds. */
  readonly earlierResults: boolean;
  /** Finished tasks with no unfinished dependant (and not just finished) become one summary line. */
  readonly collapseSettled: boolean;
  /** Budget of each result or error of a task that just finished. */
  readonly resultChars: number;
}

/** The steps from full detail down to the most compact view, given the budgets. */
export function detailLevels(b: PromptBudgets): Detail[] {
  return [
    { earlierResults: true, collapseSettled: false, resultChars: b.maxResultChars },
    { earlierResults: false, collapseSettled: false, resultChars: b.maxResultChars },
    { earlierResults: false, collapseSettled: true, resultChars: b.maxResultChars },
    { earlierResults: false, collapseSettled: true, resultChars: Math.min(b.maxResultChars, 100) },
  ];
}

/** Whether an edit may change the task (I3): it has not started. */
export function isEditable(task: Task): boolean {
  return task.status === 'pending' || task.status === 'ready';
}

function edgeText(dep: Dependency, budgets: PromptBudgets): string {
  const parts = [dep.from];
  if (dep.type !== 'unconditional') parts.push(`:${dep.type}`);
  if (dep.id !== `${dep.from}->${dep.to}`) parts.push(` id=${dep.id}`);
  if (dep.when !== undefined) parts.push(` when ${JSON.stringify(oneLine(dep.when, budgets.maxNameChars))}`);
  if (dep.satisfied !== undefined) parts.push(` satisfied=${dep.satisfied}`);
  return parts.join('');
}

function deviceText(task: Task): string {
  if (task.device) return task.device;
  return task.assignedDevice ? `${task.assignedDevice} (placed)` : 'auto';
}

function taskLine(c: Constellation, task: Task, budgets: PromptBudgets, justFinished: boolean): string {
  const after = c.incoming(task.id).map((d) => edgeText(d, budgets));
  const status = justFinished ? `${task.status} (just finished)` : task.status;
  return `${task.id} | ${status} | ${deviceText(task)} | ${after.join(', ') || '-'} | ${JSON.stringify(oneLine(task.name, budgets.maxNameChars))}`;
}

function outcomeBlock(taskId: string, status: string, result: unknown, error: Task['error'], chars: number): string {
  if (error) return `${taskId} ${status}, error:\n${fenceUntrusted(`[${error.code}] ${error.message}`, chars, `error ${taskId}`)}`;
  return `${taskId} ${status}, result:\n${fenceUntrusted(asText(result), chars, `result ${taskId}`)}`;
}

/** Finished and not waited on by anything unfinished: safe to summarise. */
function isSettled(c: Constellation, task: Task): boolean {
  return isTerminal(task.status) && c.outgoing(task.id).every((d) => isTerminal(c.task(d.to).status));
}

/**
 * The constellation as the edit prompt shows it: one line per task in topological order,
 * then the results and errors of finished tasks (device data, fenced and truncated).
 */
export function describeConstellation(c: Constellation, completions: readonly Completion[], budgets: PromptBudgets, detail: Detail): string {
  const just = new Map(completions.filter((x) => c.hasTask(x.taskId)).map((x) => [x.taskId, x]));
  const ordered = [...c.tasks()].sort((a, b) => c.topoPosition(a.id) - c.topoPosition(b.id));
  const shown = detail.collapseSettled ? ordered.filter((t) => just.has(t.id) || !isSettled(c, t)) : ordered;
  const shownIds = new Set(shown.map((t) => t.id));
  const lines = ['Tasks (id | status | device | waits for | name). Editable: pending and ready tasks, and the dependencies into them; all else is read-only.'];
  for (const t of shown) lines.push(taskLine(c, t, budgets, just.has(t.id)));
  const hidden = ordered.length - shown.length;
  if (hidden > 0) lines.push(`(${hidden} earlier finished tasks with no unfinished dependants are not listed: ${statusSummary(ordered.filter((t) => !shownIds.has(t.id)))})`);

  if (just.size > 0) {
    lines.push('', 'Just finished:');
    for (const x of just.values()) lines.push(outcomeBlock(x.taskId, x.status, x.result, x.error, detail.resultChars));
  }
  const earlier = shown.filter((t) => !just.has(t.id) && (t.status === 'completed' || t.status === 'failed'));
  if (earlier.length > 0) {
    if (detail.earlierResults) {
      lines.push('', 'Finished earlier:');
      for (const t of earlier) lines.push(outcomeBlock(t.id, t.status, t.result, t.error, budgets.maxEarlierResultChars));
    } else {
      lines.push('', `(Results of the ${earlier.length} tasks that finished earlier are left out to save room.)`);
    }
  }
  return lines.join('\n');
}

function statusSummary(tasks: readonly Task[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** The conditional edges the model must decide, with their conditions. */
export function describeDecisions(decisions: readonly Dependency[], budgets: PromptBudgets): string {
  if (decisions.length === 0) return '';
  const lines = decisions.map((d) => `- ${d.id} (${d.from} -> ${d.to})${d.condition ? `: ${JSON.stringify(oneLine(d.condition, budgets.maxNameChars * 2))}` : ''}`);
  return ['Decisions needed: decide each conditional dependency with {"op":"update_dependency","dependencyId":"...","changes":{"satisfied":true|false}} (true runs the downstream task, false skips it):', ...lines].join('\n');
}
