import { INPUTS_TIP, inputsFromTips, inputsTip } from './inputs-tip';
import { setOwn } from '../model/records';
import { z } from 'zod';
import type { Constellation } from '../model/constellation';
import { InvalidInputError, type Problem } from '../model/errors';
import { formatPath } from '../model/json-path';
import type { DependencyType, TaskPriority, TaskStatus } from '../model/types';
import type { PlanFile, TaskFile, DependencyFile } from '../model/schema';
import { EXTRAS_KEY, isTaskDataObject, referenceExtrasSchema, taskExtrasOf, type ReferenceExtras, type TaskExtras } from './reference-extras';

/**
 * The reference's (UFO³ Galaxy) constellation JSON: tasks and dependencies as maps keyed by id
 * (lists are accepted too, as its schema layer does), snake_case fields, enum values in either
 * lower case (`to_dict`) or upper-case names (its pydantic schema), priority 1–4 or a name.
 */
const enumText = z.string().transform((s) => s.toLowerCase());
const timestamp = z.string().nullable().optional();

const refTaskSchema = z.looseObject({
  task_id: z.string().optional(),
  name: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  tips: z.array(z.string()).nullable().optional(),
  target_device_id: z.string().nullable().optional(),
  device_type: enumText.nullable().optional(),
  priority: z.union([z.number().int().min(1).max(4), z.string()]).nullable().optional(),
  status: enumText.nullable().optional(),
  result: z.unknown().optional(),
  error: z.string().nullable().optional(),
  timeout: z.number().positive().nullable().optional(),
  retry_count: z.number().int().min(0).nullable().optional(),
  current_retry: z.number().int().min(0).nullable().optional(),
  task_data: z.record(z.string(), z.unknown()).nullable().optional(),
  expected_output_type: z.string().nullable().optional(),
  created_at: timestamp,
  execution_start_time: timestamp,
  execution_end_time: timestamp,
});

const refLineSchema = z.looseObject({
  line_id: z.string().optional(),
  from_task_id: z.string(),
  to_task_id: z.string(),
  dependency_type: enumText.nullable().optional(),
  condition_description: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const referenceConstellationSchema = z.looseObject({
  constellation_id: z.string().optional(),
  name: z.string().nullable().optional(),
  state: z.string().optional(),
  tasks: z.unknown().optional(),
  dependencies: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: timestamp,
});

const PRIORITIES: Record<string, TaskPriority> = { low: 1, medium: 2, high: 3, critical: 4 };
const STATUSES: Record<string, TaskStatus> = {
  pending: 'pending',
  waiting_dependency: 'pending',
  running: 'pending', // a task that was running elsewhere is run again here
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};
const TYPES = new Set<DependencyType>(['unconditional', 'conditional', 'success_only', 'completion_only']);

/** Converts the reference's JSON into a native plan. Throws {@link InvalidInputError} listing every problem. */
export function importReference(value: unknown, source?: string): PlanFile {
  const parsed = referenceConstellationSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((i) => ({ code: 'invalid_field', message: i.message, path: formatPath(i.path) })),
      source,
    );
  }
  const ref = parsed.data;
  const problems: Problem[] = [];
  const { metadata, extras } = splitExtras(ref.metadata, problems);
  /** Entries of a map keyed by id or a list, each validated on its own so errors name the entry. */
  const entries = <T extends z.ZodType>(x: unknown, key: string, schema: T, idOf: (t: z.output<T>) => string | undefined): [string, z.output<T>, string][] => {
    if (x === undefined || x === null) return [];
    if (typeof x !== 'object') {
      problems.push({ code: 'invalid_field', message: `${key} must be an object keyed by id or a list`, path: key });
      return [];
    }
    const raw: [string | number, unknown][] = Array.isArray(x) ? x.map((t, i) => [i, t]) : Object.entries(x);
    const out: [string, z.output<T>, string][] = [];
    for (const [k, item] of raw) {
      const r = schema.safeParse(item);
      if (!r.success) {
        for (const i of r.error.issues) problems.push({ code: 'invalid_field', message: i.message, path: formatPath([key, k, ...i.path]) });
        continue;
      }
      const data = r.data;
      out.push([typeof k === 'number' ? (idOf(data) ?? '') : k, data, formatPath([key, k])]);
    }
    return out;
  };

  const tasks: TaskFile[] = entries(ref.tasks, 'tasks', refTaskSchema, (t) => t.task_id).map(([id, t, path]) => {
    if (!id) problems.push({ code: 'invalid_field', message: 'task has no task_id', path });
    const task: Record<string, unknown> = { id, name: t.name || id };
    if (t.description) task.description = t.description;
    // A `constellation-inputs:` tip (written by `export --aip-inputs`) is the task's inputs, not a tip.
    const tips = (t.tips ?? []).filter((tip) => !tip.startsWith(INPUTS_TIP));
    if (tips.length) task.tips = tips;
    const carried = inputsFromTips(t.tips ?? []);
    if (carried.problem) problems.push({ code: 'invalid_field', message: carried.problem, path: `${path}.tips` });
    else if (carried.inputs) task.inputs = carried.inputs;
    if (t.target_device_id) task.device = t.target_device_id;
    if (t.device_type) task.deviceType = t.device_type;
    const p = t.priority;
    if (p !== null && p !== undefined) {
      const n = typeof p === 'number' ? p : /^[1-4]$/.test(p) ? Number(p) : PRIORITIES[p.toLowerCase()];
      if (n === undefined) problems.push({ code: 'invalid_field', message: `unknown priority '${String(p)}'`, path: `${path}.priority` });
      else task.priority = n;
    }
    if (t.status) {
      const s = STATUSES[t.status];
      if (!s) problems.push({ code: 'invalid_field', message: `unknown status '${t.status}'`, path: `${path}.status` });
      else if (s !== 'pending') task.status = s;
    }
    if (t.result !== undefined && t.result !== null) task.result = t.result;
    if (t.error) task.error = { code: 'error', message: t.error };
    if (t.timeout) task.timeoutMs = Math.round(t.timeout * 1000);
    if (t.retry_count) task.retries = t.retry_count;
    if (t.current_retry && task.status) task.attempts = t.current_retry + 1;
    if (t.task_data && Object.keys(t.task_data).length > 0) task.inputs = t.task_data;
    if (t.expected_output_type) task.metadata = { expectedOutputType: t.expected_output_type };
    const more: TaskExtras | undefined = id ? extras?.tasks?.[id] : undefined;
    if (more) {
      if (more.retryBackoffMs !== undefined) task.retryBackoffMs = more.retryBackoffMs;
      if (more.capabilities !== undefined) task.capabilities = more.capabilities;
      if (more.metadata !== undefined) task.metadata = more.metadata;
      if ('inputs' in more) task.inputs = more.inputs;
    }
    if (t.created_at) task.createdAt = t.created_at;
    if (t.execution_start_time) task.startedAt = t.execution_start_time;
    if (t.execution_end_time) task.endedAt = t.execution_end_time;
    return task as TaskFile;
  });

  const dependencies: DependencyFile[] = entries(ref.dependencies, 'dependencies', refLineSchema, (l) => l.line_id).map(([id, l, path]) => {
    const dep: Record<string, unknown> = { from: l.from_task_id, to: l.to_task_id };
    if (id) dep.id = id;
    const type = l.dependency_type ?? 'unconditional';
    if (!TYPES.has(type as DependencyType)) problems.push({ code: 'invalid_field', message: `unknown dependency_type '${type}'`, path: `${path}.dependency_type` });
    else if (type !== 'unconditional') dep.type = type;
    if (typeof l.metadata?.when === 'string') dep.when = l.metadata.when;
    if (typeof l.metadata?.satisfied === 'boolean') dep.satisfied = l.metadata.satisfied;
    if (l.condition_description && l.condition_description !== dep.when) dep.condition = l.condition_description;
    return dep as DependencyFile;
  });
  if (problems.length > 0) throw new InvalidInputError(problems, source);

  const plan: Record<string, unknown> = {};
  if (ref.constellation_id) plan.id = ref.constellation_id;
  if (ref.name) plan.name = ref.name;
  if (extras?.request !== undefined) plan.request = extras.request;
  if (metadata && Object.keys(metadata).length > 0) plan.metadata = metadata;
  plan.tasks = tasks;
  plan.dependencies = dependencies;
  return plan as PlanFile;
}

const PRIORITY_OUT: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4 };
const iso = (s: string | undefined) => (s ? s.replace(/Z$/, '+00:00') : null);

/**
 * Writes a constellation in the reference's `to_dict` form (lower-case values, integer priority,
 * maps keyed by id). With `aipInputs`, each task's inputs also travel as a `constellation-inputs:`
 * tip: the reference sends its devices only a task's words, and Constellation's AIP devices read
 * the inputs from that tip.
 */
export function exportReference(c: Constellation, now = new Date(), options: { readonly aipInputs?: boolean } = {}): Record<string, unknown> {
  const stamp = iso(now.toISOString());
  const tasks: Record<string, unknown> = {};
  const extraTasks: Record<string, TaskExtras> = {};
  for (const t of c.tasks()) {
    const more = taskExtrasOf(t);
    if (more) setOwn(extraTasks, t.id, more);
    const deps = c.incoming(t.id).map((d) => d.from);
    const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
    const ended = t.endedAt ? Date.parse(t.endedAt) : NaN;
    setOwn(tasks, t.id, {
      task_id: t.id,
      name: t.name,
      description: t.description,
      tips: options.aipInputs && t.inputs !== undefined ? [...t.tips, inputsTip(t.inputs)] : t.tips,
      task_description: t.description,
      target_device_id: t.device ?? t.assignedDevice ?? null,
      device_type: t.deviceType ?? null,
      priority: PRIORITY_OUT[t.priority],
      status: t.status === 'ready' ? 'pending' : t.status === 'skipped' ? 'cancelled' : t.status,
      result: t.result ?? null,
      error: t.error ? t.error.message : null,
      timeout: t.timeoutMs !== undefined ? t.timeoutMs / 1000 : null,
      retry_count: t.retries,
      current_retry: Math.max(0, t.attempts - 1),
      task_data: isTaskDataObject(t.inputs) ? t.inputs : {},
      expected_output_type: typeof t.metadata?.expectedOutputType === 'string' ? t.metadata.expectedOutputType : null,
      created_at: iso(t.createdAt),
      updated_at: stamp,
      execution_start_time: iso(t.startedAt),
      execution_end_time: iso(t.endedAt),
      execution_duration: Number.isFinite(started) && Number.isFinite(ended) ? (ended - started) / 1000 : null,
      dependencies: deps,
      dependents: c.outgoing(t.id).map((d) => d.to),
    });
  }
  const dependencies: Record<string, unknown> = {};
  for (const d of c.dependencies()) {
    setOwn(dependencies, d.id, {
      line_id: d.id,
      from_task_id: d.from,
      to_task_id: d.to,
      dependency_type: d.type,
      condition_description: d.condition ?? d.when ?? '',
      metadata: { ...(d.when ? { when: d.when } : {}), ...(d.satisfied !== undefined ? { satisfied: d.satisfied } : {}) },
      is_satisfied: c.task(d.from).status === 'completed',
      last_evaluation_result: null,
      last_evaluation_time: null,
      created_at: stamp,
      updated_at: stamp,
    });
  }
  const extras: ReferenceExtras = {};
  if (c.info.request !== undefined) extras.request = c.info.request;
  if (Object.keys(extraTasks).length > 0) extras.tasks = extraTasks;
  const metadata = Object.keys(extras).length > 0 ? { ...c.info.metadata, [EXTRAS_KEY]: extras } : c.info.metadata;
  return {
    constellation_id: c.id,
    name: c.info.name,
    state: c.state,
    tasks,
    dependencies,
    metadata,
    created_at: stamp,
    updated_at: stamp,
    execution_start_time: null,
    execution_end_time: null,
    execution_duration: null,
  };
}

/** Separates our extras from the reference constellation's own metadata. */
function splitExtras(metadata: Record<string, unknown> | null | undefined, problems: Problem[]): { metadata: Record<string, unknown> | undefined; extras: ReferenceExtras | undefined } {
  if (!metadata || !(EXTRAS_KEY in metadata)) return { metadata: metadata ?? undefined, extras: undefined };
  const { [EXTRAS_KEY]: raw, ...rest } = metadata;
  const parsed = referenceExtrasSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push({ code: 'invalid_field', message: i.message, path: formatPath(['metadata', EXTRAS_KEY, ...i.path]) });
    return { metadata: rest, extras: undefined };
  }
  return { metadata: rest, extras: parsed.data };
}

/**
 * True for a value that is plainly the reference's constellation JSON rather than a native plan
 * (its `constellation_id`, or tasks keyed by id or carrying `task_id`), so a native loader can
 * say so instead of listing schema errors.
 */
export function looksLikeReferenceFormat(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.constellation_id === 'string') return true;
  const tasks = v.tasks;
  if (typeof tasks === 'object' && tasks !== null && !Array.isArray(tasks)) return true;
  return Array.isArray(tasks) && tasks.some((t) => typeof t === 'object' && t !== null && 'task_id' in t);
}
