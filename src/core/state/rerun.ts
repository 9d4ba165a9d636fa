import { toPlanFile } from '../io/plan-file';
import type { Constellation } from '../model/constellation';
import type { PlanFile } from '../model/schema';

/** Task fields that are state, not definition: what a task run again starts without. */
const STATE_FIELDS = ['status', 'result', 'error', 'attempts', 'assignedDevice', 'startedAt', 'endedAt'] as const;

/** What {@link planForRerun} kept and what it runs again. */
export interface RerunPlan {
  readonly plan: PlanFile;
  /** Tasks that run again. */
  readonly again: readonly string[];
  /** Tasks whose result is reused (their `${tasks…}` references resolve from it). */
  readonly kept: readonly string[];
}

/**
 * The plan of a new run that continues an earlier one. Whole: every task again. From failure:
 * the tasks that failed, were cancelled or skipped, or never finished, and everything downstream
 * of them, run again; every other task keeps its completed result, which the tasks that run
 * again read through their references.
 */
export function planForRerun(c: Constellation, fromFailure: boolean): RerunPlan {
  const again = new Set<string>();
  if (!fromFailure) for (const id of c.taskIds()) again.add(id);
  else {
    const stack = [...c.tasks()].filter((t) => t.status !== 'completed').map((t) => t.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (again.has(id)) continue;
      again.add(id);
      stack.push(...c.dependantsOf(id));
    }
  }
  const plan = toPlanFile(c, true);
  const tasks = plan.tasks.map((t) => {
    if (!again.has(t.id)) return t;
    const fresh: Record<string, unknown> = { ...t };
    for (const k of STATE_FIELDS) delete fresh[k];
    return fresh as typeof t;
  });
  return { plan: { ...plan, tasks }, again: [...again], kept: c.taskIds().filter((id) => !again.has(id)) };
}
