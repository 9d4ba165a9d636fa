import { checkTaskReferences } from '../editing/reference-check';
import type { DeviceCatalog } from '../editing/apply-operation';
import { compileExpression, ExpressionError } from '../expr/expression';
import { Constellation } from '../model/constellation';
import { CycleError, InvalidInputError, type Problem } from '../model/errors';
import { formatPath } from '../model/json-path';
import { planFileSchema, type ParsedPlan, type PlanFile } from '../model/schema';
import { dependencyDefinitionOf, dependencyFromDefinition, taskFromDefinition } from '../model/task-factory';
import type { Dependency, Task } from '../model/types';
import { randomIds, type IdSource } from '../ids';
import { depthProblem, MAX_DOCUMENT_DEPTH, MAX_VALUE_DEPTH } from './json-limits';
import { parseJsonText } from './json-text';
import { looksLikeReferenceFormat } from './reference-format';

export interface LoadOptions {
  /** When given, every `device` must be one of these (I4). */
  readonly devices?: DeviceCatalog | undefined;
  /** Name of the source, for messages. */
  readonly source?: string | undefined;
  /** Where the id of a plan without one comes from (random by default). */
  readonly ids?: IdSource | undefined;
}

/** Parses and validates `*.constellation.json` text. Throws {@link InvalidInputError} listing every problem. */
export function parsePlanText(text: string, options: LoadOptions = {}): Constellation {
  const parsed = parseJsonText(text);
  if ('problem' in parsed) throw new InvalidInputError([parsed.problem], options.source);
  return planFromJson(parsed.value, options);
}

/** Validates a parsed JSON value as a plan and builds its constellation. */
export function planFromJson(value: unknown, options: LoadOptions = {}): Constellation {
  const deep = valuesTooDeep(value) ?? depthProblem(value, MAX_DOCUMENT_DEPTH);
  if (deep) throw new InvalidInputError([{ code: 'too_deep', message: deep.message, path: deep.path }], options.source);
  const result = planFileSchema.safeParse(value);
  if (!result.success) {
    if (looksLikeReferenceFormat(value)) {
      throw new InvalidInputError([{ code: 'reference_format', message: "this looks like a plan in the reference's (UFO³ Galaxy) format, not a *.constellation.json: convert it first" }], options.source);
    }
    const problems = result.error.issues.map((i): Problem => ({ code: 'invalid_field', message: i.message, path: formatPath(i.path) }));
    throw new InvalidInputError(problems, options.source);
  }
  return buildConstellation(result.data, options);
}

/** Structural and semantic checks (ids, endpoints, cycles, devices, conditions, references). */
export function buildConstellation(plan: ParsedPlan, options: LoadOptions = {}): Constellation {
  const problems: Problem[] = [];
  const tasks: Task[] = [];
  const seen = new Set<string>();
  plan.tasks.forEach((t, i) => {
    if (seen.has(t.id)) problems.push({ code: 'duplicate_id', message: `task id '${t.id}' is used twice`, path: `tasks[${i}].id` });
    seen.add(t.id);
    if (t.device !== undefined && options.devices && !options.devices.hasDevice(t.device)) {
      problems.push({ code: 'unknown_device', message: `device '${t.device}' is not registered`, path: `tasks[${i}].device` });
    }
    tasks.push(taskFromDefinition(t));
  });
  const deps: Dependency[] = [];
  const depIds = new Set<string>();
  const pairs = new Set<string>();
  (plan.dependencies ?? []).forEach((d, i) => {
    const dep = dependencyFromDefinition(d);
    const at = `dependencies[${i}]`;
    for (const end of ['from', 'to'] as const) {
      if (!seen.has(dep[end])) problems.push({ code: 'unknown_task', message: `no task '${dep[end]}'`, path: `${at}.${end}` });
    }
    if (dep.from === dep.to) problems.push({ code: 'cycle', message: `task '${dep.from}' depends on itself`, path: at });
    if (depIds.has(dep.id)) problems.push({ code: 'duplicate_id', message: `dependency id '${dep.id}' is used twice`, path: `${at}.id` });
    const pair = `${dep.from}\u0000${dep.to}`;
    if (pairs.has(pair)) problems.push({ code: 'duplicate_dependency', message: `'${dep.to}' depends on '${dep.from}' twice`, path: at });
    if (dep.when !== undefined) {
      try {
        compileExpression(dep.when);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        problems.push({ code: 'bad_condition', message: err.message, path: `${at}.when` });
      }
    }
    depIds.add(dep.id);
    pairs.add(pair);
    deps.push(dep);
  });
  if (problems.length > 0) throw new InvalidInputError(problems, options.source);

  const c = new Constellation({ id: plan.id ?? `constellation-${(options.ids ?? randomIds).newId().slice(0, 8)}`, name: plan.name ?? plan.id ?? 'untitled', request: plan.request, metadata: plan.metadata ?? {} });
  try {
    c.load(tasks, deps);
  } catch (err) {
    if (err instanceof CycleError) throw new InvalidInputError([{ code: 'cycle', message: `dependencies form a cycle: ${err.cycle.join(' → ')}`, path: 'dependencies' }], options.source);
    throw err;
  }
  tasks.forEach((t, i) => {
    for (const v of checkTaskReferences(c, t, i)) problems.push({ code: v.code, message: v.message, path: `tasks[${i}]${v.path ? `.${v.path}` : ''}` });
  });
  if (problems.length > 0) throw new InvalidInputError(problems, options.source);
  return c;
}

/** Serialises a constellation to the native format; `withState` keeps statuses and results (snapshots, reports). */
export function toPlanFile(c: Constellation, withState = false): PlanFile {
  const tasks = [...c.tasks()].map((t) => {
    const out: Record<string, unknown> = { id: t.id, name: t.name };
    if (t.description) out.description = t.description;
    if (t.tips.length) out.tips = t.tips;
    for (const k of ['device', 'deviceType', 'capabilities'] as const) if (t[k] !== undefined) out[k] = t[k];
    out.priority = t.priority;
    for (const k of ['timeoutMs', 'inputs', 'metadata'] as const) if (t[k] !== undefined) out[k] = t[k];
    if (t.retries) out.retries = t.retries;
    if (t.retryBackoffMs !== 1000) out.retryBackoffMs = t.retryBackoffMs;
    if (withState) {
      out.status = t.status;
      out.attempts = t.attempts;
      for (const k of ['result', 'error', 'assignedDevice', 'startedAt', 'endedAt'] as const) if (t[k] !== undefined) out[k] = t[k];
    }
    return out;
  });
  const plan: Record<string, unknown> = { id: c.id, name: c.info.name };
  if (c.info.request !== undefined) plan.request = c.info.request;
  if (Object.keys(c.info.metadata).length > 0) plan.metadata = c.info.metadata;
  plan.tasks = tasks;
  plan.dependencies = [...c.dependencies()].map(dependencyDefinitionOf);
  return plan as PlanFile;
}

const TASK_VALUES = ['inputs', 'metadata', 'result'] as const;

/** The first value of a plan (its metadata; a task's inputs, metadata or result) nested too deep. */
function valuesTooDeep(value: unknown): { message: string; path: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const plan = value as { metadata?: unknown; tasks?: unknown };
  const top = depthProblem(plan.metadata, MAX_VALUE_DEPTH, ['metadata']);
  if (top || !Array.isArray(plan.tasks)) return top;
  const tasks = plan.tasks as unknown[];
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    if (typeof t !== 'object' || t === null) continue;
    for (const key of TASK_VALUES) {
      const v = (t as Record<string, unknown>)[key];
      // Most tasks have none of them: no path to build for a value that cannot nest.
      if (typeof v !== 'object' || v === null) continue;
      const found = depthProblem(v, MAX_VALUE_DEPTH, ['tasks', i, key]);
      if (found) return found;
    }
  }
  return undefined;
}
