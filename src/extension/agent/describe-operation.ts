/** One line per edit operation, for the review checklist and notifications. */
export function describeOperation(op: unknown): string {
  if (typeof op !== 'object' || op === null) return JSON.stringify(op);
  const o = op as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? `${v}` : JSON.stringify(v));
  const fields = (v: unknown) => (typeof v === 'object' && v !== null ? Object.keys(v).join(', ') : '');
  switch (o.op) {
    case 'add_task': {
      const t = (o.task ?? {}) as Record<string, unknown>;
      return `add task ${str(t.id)}${t.device ? ` on ${str(t.device)}` : ''}${t.name && t.name !== t.id ? `: ${str(t.name)}` : ''}`;
    }
    case 'remove_task':
      return `remove task ${str(o.taskId)}`;
    case 'update_task':
      return `update task ${str(o.taskId)}: ${fields(o.changes)}`;
    case 'add_dependency': {
      const d = (o.dependency ?? {}) as Record<string, unknown>;
      return `add dependency ${str(d.from)} → ${str(d.to)}${d.type ? ` (${str(d.type)})` : ''}`;
    }
    case 'remove_dependency':
      return `remove dependency ${str(o.dependencyId)}`;
    case 'update_dependency':
      return `update dependency ${str(o.dependencyId)}: ${fields(o.changes)}`;
    case 'assign_device':
      return `assign ${str(o.taskId)} to ${str(o.device)}`;
    default:
      return JSON.stringify(op).slice(0, 120);
  }
}
