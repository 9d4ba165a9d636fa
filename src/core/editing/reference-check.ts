import type { Constellation } from '../model/constellation';
import { commandLineProblems } from '../expr/command-line';
import { findReferences, scanTemplate, TaskReferenceError } from '../expr/references';
import type { Task } from '../model/types';
import { violation, type Violation } from './violations';

/** True if `ancestor` can reach `task` along dependencies. */
export function isAncestor(c: Constellation, ancestor: string, task: string): boolean {
  if (!c.hasTask(ancestor) || !c.hasTask(task)) return false;
  const seen = new Set<string>([task]);
  const stack = [task];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const prev of c.upstreamOf(node)) {
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
  for (const ref of commandLineReferences(task)) {
    out.push(violation('bad_reference', opIndex, `task '${task.id}': inputs.command: ${ref.text} stands inside a command substitution or parameter expansion ($(…), \`…\`, \${…}), where no quoting keeps a value data; move it out (it is put in as one quoted word)`, 'inputs.command'));
  }
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

/** References in a task's shell command line that stand where no quoting keeps them data. */
function commandLineReferences(task: Task) {
  const inputs = task.inputs;
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return [];
  const command = Object.getOwnPropertyDescriptor(inputs, 'command')?.value as unknown;
  return typeof command === 'string' ? commandLineProblems(scanTemplate(command, 'inputs.command')) : [];
}
