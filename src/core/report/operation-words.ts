import { operationSchema, type Operation } from '../editing/operations';
import { clipLine } from './words';

/** One line per edit operation, for the review checklist, the agent's timeline and notifications. */
export function describeOperation(op: Operation): string {
  // Ids of dependencies are free text: whatever they hold stays on the one line.
  return clipLine(words(op), 300);
}

function words(op: Operation): string {
  switch (op.op) {
    case 'add_task': {
      const t = op.task;
      return `add task ${t.id}${t.device ? ` on ${t.device}` : ''}${t.name && t.name !== t.id ? `: ${clipLine(t.name, 80)}` : ''}`;
    }
    case 'remove_task':
      return `remove task ${op.taskId}`;
    case 'update_task':
      return `update task ${op.taskId}: ${Object.keys(op.changes).join(', ')}`;
    case 'add_dependency': {
      const d = op.dependency;
      return `add dependency ${d.from} → ${d.to}${d.type ? ` (${d.type})` : ''}`;
    }
    case 'remove_dependency':
      return `remove dependency ${op.dependencyId}`;
    case 'update_dependency': {
      const c = op.changes;
      if (Object.keys(c).length === 1 && typeof c.satisfied === 'boolean') return `decide ${op.dependencyId}: ${c.satisfied ? 'run' : 'skip'} the downstream task`;
      return `update dependency ${op.dependencyId}: ${Object.keys(c).join(', ')}`;
    }
    case 'assign_device':
      return `assign ${op.taskId} to ${op.device}`;
  }
}

/**
 * An operation as an agent proposed it, which may not be a valid one: in words when it is,
 * else its JSON, cut to one short line (it is the model's text, shown as data).
 */
export function describeProposedOperation(op: unknown): string {
  const parsed = operationSchema.safeParse(op);
  if (parsed.success) return describeOperation(parsed.data);
  let text: string;
  try {
    text = JSON.stringify(op) ?? String(op);
  } catch {
    text = String(op);
  }
  return `(invalid) ${clipLine(text, 120)}`;
}
