import type { Operation } from '../../core/editing/operations';

/** One line per edit operation, for the review checklist and notifications. */
export function describeOperation(op: Operation): string {
  switch (op.op) {
    case 'add_task': {
      const t = op.task;
      return `add task ${t.id}${t.device ? ` on ${t.device}` : ''}${t.name && t.name !== t.id ? `: ${t.name}` : ''}`;
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
    case 'update_dependency':
      return `update dependency ${op.dependencyId}: ${Object.keys(op.changes).join(', ')}`;
    case 'assign_device':
      return `assign ${op.taskId} to ${op.device}`;
  }
}
