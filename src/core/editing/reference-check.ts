import type { Constellation } from '../model/constellation';
import { findReferences, TaskReferenceError } from '../expr/references';
import type { Task } from '../model/types';
import { violation, type Violation } from './violations';

/** True if `ancestor` can reach `task` along dependencies. */
export function isAncestor(c: Constellation, ancestor: string, task: string): boolean {
  if (!c.hasTask(ancestor) || !c.hasTask(task)) return false;
  const seen = new Set<string>([task]);
  const stack = [task];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const prev of c.graph.inNeighbors(node)) {
      if (prev === ancestor) return true;
      if (!seen.has(prev)) {
        seen.add(prev);
        stack.push(prev);
      }
    }
  }
  return false;
}

/**
 * I4 for data references: every `${tasks.<id>…}` in the task must name an existing ancestor,
 * so the value exists by the time the task is dispatched.
 */
export function checkTaskReferences(c: Constellation, task: Task, opIndex: number): Violation[] {
  let refs;
  try {
    refs = findReferences(task);
  } catch (err) {
    if (err instanceof TaskReferenceError) {
      return [violation('bad_reference', opIndex, `task '${task.id}': ${err.message}`, err.location)];
    }
    throw err;
  }
  const out: Violation[] = [];
  for (const ref of refs) {
    if (!c.hasTask(ref.taskId)) {
      out.push(violation('bad_reference', opIndex, `task '${task.id}' refers to unknown task '${ref.taskId}' in ${ref.location}`, ref.location));
    } else if (!isAncestor(c, ref.taskId, task.id)) {
      out.push(
        violation(
          'bad_reference',
          opIndex,
          `task '${task.id}' refers to '${ref.taskId}' in ${ref.location}, which is not upstream of it: add a dependency ${ref.taskId} → ${task.id}`,
          ref.location,
        ),
      );
    }
  }
  return out;
}

