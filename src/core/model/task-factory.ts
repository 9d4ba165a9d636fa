import type { ParsedDependency, ParsedTask } from './schema';
import type { Dependency, Task, TaskPriority } from './types';

/** Task defaults. */
export const TASK_DEFAULTS = { priority: 2 as TaskPriority, retries: 0, retryBackoffMs: 1000 };

type TaskDefinition = Omit<ParsedTask, 'status' | 'result' | 'error' | 'attempts' | 'assignedDevice' | 'startedAt' | 'endedAt'> &
  Partial<Pick<ParsedTask, 'status' | 'result' | 'error' | 'attempts' | 'assignedDevice' | 'startedAt' | 'endedAt'>>;

/** A full task from a parsed definition, defaults filled in. State fields are kept if given. */
export function taskFromDefinition(def: TaskDefinition): Task {
  return {
    id: def.id,
    name: def.name ?? def.id,
    description: def.description ?? '',
    tips: def.tips ? [...def.tips] : [],
    device: def.device,
    deviceType: def.deviceType,
    capabilities: def.capabilities ? [...def.capabilities] : undefined,
    priority: def.priority ?? TASK_DEFAULTS.priority,
    timeoutMs: def.timeoutMs,
    retries: def.retries ?? TASK_DEFAULTS.retries,
    retryBackoffMs: def.retryBackoffMs ?? TASK_DEFAULTS.retryBackoffMs,
    inputs: def.inputs,
    metadata: def.metadata,
    status: def.status ?? 'pending',
    result: def.result,
    error: def.error,
    attempts: def.attempts ?? 0,
    assignedDevice: def.assignedDevice,
    createdAt: def.createdAt,
    startedAt: def.startedAt,
    endedAt: def.endedAt,
  };
}

/** The id a dependency gets when none is given: `from->to`. */
export function defaultDependencyId(from: string, to: string): string {
  return `${from}->${to}`;
}

export function dependencyFromDefinition(def: ParsedDependency & { id?: string | undefined }): Dependency {
  return {
    id: def.id ?? defaultDependencyId(def.from, def.to),
    from: def.from,
    to: def.to,
    type: def.type ?? 'unconditional',
    condition: def.condition,
    when: def.when,
    satisfied: def.satisfied,
  };
}

/** The fields a plan author wrote, without state: what `add_task` would need to recreate it. */
export function taskDefinitionOf(task: Task): Record<string, unknown> {
  const out: Record<string, unknown> = { id: task.id, name: task.name };
  if (task.description) out.description = task.description;
  if (task.tips.length > 0) out.tips = [...task.tips];
  const optional = ['device', 'deviceType', 'capabilities', 'timeoutMs', 'inputs', 'metadata'] as const;
  for (const key of optional) if (task[key] !== undefined) out[key] = structuredClone(task[key]);
  if (task.priority !== TASK_DEFAULTS.priority) out.priority = task.priority;
  if (task.retries !== TASK_DEFAULTS.retries) out.retries = task.retries;
  if (task.retryBackoffMs !== TASK_DEFAULTS.retryBackoffMs) out.retryBackoffMs = task.retryBackoffMs;
  return out;
}

/** A dependency as written in a plan file (defaults omitted). */
export function dependencyDefinitionOf(dep: Dependency): Record<string, unknown> {
  const out: Record<string, unknown> = { id: dep.id, from: dep.from, to: dep.to };
  if (dep.type !== 'unconditional') out.type = dep.type;
  if (dep.condition !== undefined) out.condition = dep.condition;
  if (dep.when !== undefined) out.when = dep.when;
  if (dep.satisfied !== undefined) out.satisfied = dep.satisfied;
  return out;
}
