import { CycleError, ConstellationError } from '../model/errors';
import type { Constellation } from '../model/constellation';
import {
  defaultDependencyId,
  dependencyDefinitionOf,
  taskDefinitionOf,
  taskFromDefinition,
} from '../model/task-factory';
import { compileExpression, ExpressionError } from '../expr/expression';
import type { Dependency, Task } from '../model/types';
import type { Operation, OperationInput } from './operations';
import { violation, type Violation } from './violations';

/** Answers whether a device id is known (registry or declared devices). */
export interface DeviceCatalog {
  hasDevice(id: string): boolean;
}

/** What one applied operation did, and how to take it back. */
export interface AppliedOperation {
  readonly undo: () => void;
  /** Operations that restore the previous state, in the order they must be applied. */
  readonly inverse: OperationInput[];
  /** Tasks whose definition or incoming edges changed (readiness and references to recheck). */
  readonly touchedTasks: readonly string[];
  readonly kind: 'added_task' | 'removed_task' | 'updated_task' | 'added_dependency' | 'removed_dependency' | 'updated_dependency';
  readonly id: string;
}

export interface ApplyContext {
  readonly constellation: Constellation;
  readonly devices?: DeviceCatalog | undefined;
  readonly isModifiable: (task: Task) => boolean;
}

/** Only tasks that have not started may change (I3); a running task keeps its device (I1). */
export function isPendingTask(task: Task): boolean {
  return task.status === 'pending' || task.status === 'ready';
}

type Result = AppliedOperation | Violation;

/**
 * Applies one validated operation to the constellation, or explains why it cannot.
 * Never leaves a partial change behind: either the whole operation is applied (and can be
 * undone) or nothing is.
 */
export function applyOperation(ctx: ApplyContext, op: Operation, i: number): Result {
  switch (op.op) {
    case 'add_task':
      return addTask(ctx, op, i);
    case 'remove_task':
      return removeTask(ctx, op.taskId, i);
    case 'update_task':
      return updateTask(ctx, op, i);
    case 'assign_device':
      return updateTask(ctx, { op: 'update_task', taskId: op.taskId, changes: { device: op.device } }, i);
    case 'add_dependency':
      return addDependency(ctx, op, i);
    case 'remove_dependency':
      return removeDependency(ctx, op.dependencyId, i);
    case 'update_dependency':
      return updateDependency(ctx, op, i);
  }
}

function checkDevice(ctx: ApplyContext, device: string | null | undefined, i: number): Violation | undefined {
  if (device === undefined || device === null || !ctx.devices || ctx.devices.hasDevice(device)) return undefined;
  return violation('unknown_device', i, `device '${device}' is not registered`);
}

function modifiableTask(ctx: ApplyContext, id: string, i: number, what: string): Task | Violation {
  const task = ctx.constellation.tryTask(id);
  if (!task) return violation('unknown_task', i, `${what}: no task '${id}'`);
  if (!ctx.isModifiable(task)) {
    return violation('not_modifiable', i, `${what}: task '${id}' is ${task.status}; only pending tasks can change`);
  }
  return task;
}

function isViolation(x: unknown): x is Violation {
  return typeof x === 'object' && x !== null && 'opIndex' in x;
}

function addTask(ctx: ApplyContext, op: Extract<Operation, { op: 'add_task' }>, i: number): Result {
  const c = ctx.constellation;
  if (c.hasTask(op.task.id)) return violation('duplicate_id', i, `task id '${op.task.id}' is already used`);
  const bad = checkDevice(ctx, op.task.device, i);
  if (bad) return bad;
  const task = taskFromDefinition(op.task);
  c.addTask(task);
  return {
    kind: 'added_task',
    id: task.id,
    touchedTasks: [task.id],
    undo: () => c.removeTask(task.id),
    inverse: [{ op: 'remove_task', taskId: task.id }],
  };
}

function removeTask(ctx: ApplyContext, id: string, i: number): Result {
  const c = ctx.constellation;
  const task = modifiableTask(ctx, id, i, 'remove_task');
  if (isViolation(task)) return task;
  for (const dep of c.outgoing(id)) {
    const down = c.task(dep.to);
    if (!ctx.isModifiable(down)) {
      return violation('not_modifiable', i, `remove_task: dependant '${dep.to}' of '${id}' is ${down.status}`);
    }
  }
  const definition = taskDefinitionOf(task);
  const edges = c.removeTask(id);
  return {
    kind: 'removed_task',
    id,
    touchedTasks: edges.filter((e) => e.from === id).map((e) => e.to),
    undo: () => {
      c.addTask(task);
      for (const e of edges) c.addDependency(e);
    },
    inverse: [
      { op: 'add_task', task: definition as Extract<OperationInput, { op: 'add_task' }>['task'] },
      ...edges.map((e) => ({ op: 'add_dependency' as const, dependency: addableDependency(e) })),
    ],
  };
}

function addableDependency(e: Dependency): Extract<OperationInput, { op: 'add_dependency' }>['dependency'] {
  const { satisfied: _s, ...rest } = dependencyDefinitionOf(e);
  return rest as Extract<OperationInput, { op: 'add_dependency' }>['dependency'];
}

const CLEARED_TO_DEFAULT = { name: undefined, description: '', tips: [] } as const;

function updateTask(ctx: ApplyContext, op: Extract<Operation, { op: 'update_task' }>, i: number): Result {
  const task = modifiableTask(ctx, op.taskId, i, op.op);
  if (isViolation(task)) return task;
  const bad = checkDevice(ctx, op.changes.device, i);
  if (bad) return bad;
  const record = task as unknown as Record<string, unknown>;
  const before: Record<string, unknown> = {};
  const inverseChanges: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(op.changes)) {
    if (value === undefined) continue;
    before[key] = record[key];
    inverseChanges[key] = record[key] === undefined ? null : structuredClone(record[key]);
    let next: unknown = value === null ? undefined : structuredClone(value);
    if (next === undefined && key in CLEARED_TO_DEFAULT) next = key === 'name' ? task.id : CLEARED_TO_DEFAULT[key as keyof typeof CLEARED_TO_DEFAULT];
    record[key] = next;
  }
  return {
    kind: 'updated_task',
    id: task.id,
    touchedTasks: [task.id],
    undo: () => Object.assign(record, before),
    inverse: [{ op: 'update_task', taskId: task.id, changes: inverseChanges }],
  };
}

function checkCondition(when: string | null | undefined, i: number): Violation | undefined {
  if (when === undefined || when === null || when.trim() === '') return undefined;
  try {
    compileExpression(when);
    return undefined;
  } catch (err) {
    if (err instanceof ExpressionError) return violation('bad_condition', i, `when: ${err.message}`);
    throw err;
  }
}

function addDependency(ctx: ApplyContext, op: Extract<Operation, { op: 'add_dependency' }>, i: number): Result {
  const c = ctx.constellation;
  const { from, to } = op.dependency;
  for (const end of [from, to]) {
    if (!c.hasTask(end)) return violation('unknown_task', i, `add_dependency: no task '${end}'`);
  }
  const down = modifiableTask(ctx, to, i, 'add_dependency');
  if (isViolation(down)) return down;
  if (c.dependencyBetween(from, to)) return violation('duplicate_dependency', i, `'${to}' already depends on '${from}'`);
  let id = op.dependency.id ?? defaultDependencyId(from, to);
  if (op.dependency.id !== undefined && c.hasDependency(id)) return violation('duplicate_id', i, `dependency id '${id}' is already used`);
  for (let n = 2; c.hasDependency(id); n++) id = `${defaultDependencyId(from, to)}#${n}`;
  const bad = checkCondition(op.dependency.when, i);
  if (bad) return bad;
  const dep: Dependency = {
    id,
    from,
    to,
    type: op.dependency.type ?? 'unconditional',
    condition: op.dependency.condition,
    when: op.dependency.when,
  };
  try {
    c.addDependency(dep);
  } catch (err) {
    if (err instanceof CycleError) return violation('cycle', i, `add_dependency ${from} → ${to}: ${err.message}`);
    if (err instanceof ConstellationError) return violation('invalid_operation', i, err.message);
    throw err;
  }
  return {
    kind: 'added_dependency',
    id,
    touchedTasks: [to],
    undo: () => c.removeDependency(id),
    inverse: [{ op: 'remove_dependency', dependencyId: id }],
  };
}

function removeDependency(ctx: ApplyContext, id: string, i: number): Result {
  const c = ctx.constellation;
  if (!c.hasDependency(id)) return violation('unknown_dependency', i, `remove_dependency: no dependency '${id}'`);
  const dep = c.dependency(id);
  const down = modifiableTask(ctx, dep.to, i, 'remove_dependency');
  if (isViolation(down)) return down;
  c.removeDependency(id);
  return {
    kind: 'removed_dependency',
    id,
    touchedTasks: [dep.to],
    undo: () => c.addDependency(dep),
    inverse: [{ op: 'add_dependency', dependency: addableDependency(dep) }],
  };
}

function updateDependency(ctx: ApplyContext, op: Extract<Operation, { op: 'update_dependency' }>, i: number): Result {
  const c = ctx.constellation;
  if (!c.hasDependency(op.dependencyId)) {
    return violation('unknown_dependency', i, `update_dependency: no dependency '${op.dependencyId}'`);
  }
  const dep = c.dependency(op.dependencyId);
  const down = modifiableTask(ctx, dep.to, i, 'update_dependency');
  if (isViolation(down)) return down;
  const bad = checkCondition(op.changes.when, i);
  if (bad) return bad;
  const record = dep as unknown as Record<string, unknown>;
  const before: Record<string, unknown> = {};
  const inverseChanges: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(op.changes)) {
    if (value === undefined) continue;
    before[key] = record[key];
    inverseChanges[key] = record[key] ?? null;
    record[key] = value === null ? undefined : value;
  }
  return {
    kind: 'updated_dependency',
    id: dep.id,
    touchedTasks: [dep.to],
    undo: () => Object.assign(record, before),
    inverse: [{ op: 'update_dependency', dependencyId: dep.id, changes: inverseChanges }],
  };
}
