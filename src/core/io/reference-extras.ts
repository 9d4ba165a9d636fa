import { z } from 'zod';
import type { Task } from '../model/types';
import { TASK_DEFAULTS } from '../model/task-factory';

/**
 * Fields of a native plan that the reference's format has no place for (the plan's `request`; a
 * task's `retryBackoffMs`, `capabilities`, `metadata` and inputs that are not an object) travel
 * under this key of the reference constellation's `metadata`, which the reference keeps and
 * ignores and `importReference` reads back, so export then import loses nothing.
 */
export const EXTRAS_KEY = '_constellation';

const taskExtrasSchema = z.strictObject({
  retryBackoffMs: z.number().int().min(0).optional(),
  capabilities: z.array(z.string().min(1).max(100)).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  inputs: z.unknown().optional(),
});

export const referenceExtrasSchema = z.strictObject({
  request: z.string().optional(),
  tasks: z.record(z.string(), taskExtrasSchema).optional(),
});

export type ReferenceExtras = z.output<typeof referenceExtrasSchema>;
export type TaskExtras = z.output<typeof taskExtrasSchema>;

/** What the reference's `task_data` can hold: an object. Anything else travels as an extra. */
export function isTaskDataObject(inputs: unknown): inputs is Record<string, unknown> {
  return typeof inputs === 'object' && inputs !== null && !Array.isArray(inputs);
}

/** The part of a task the reference cannot carry, or undefined when it carries all of it. */
export function taskExtrasOf(t: Task): TaskExtras | undefined {
  const out: TaskExtras = {};
  if (t.retryBackoffMs !== TASK_DEFAULTS.retryBackoffMs) out.retryBackoffMs = t.retryBackoffMs;
  if (t.capabilities !== undefined) out.capabilities = [...t.capabilities];
  // `expectedOutputType` alone maps to the reference's `expected_output_type`.
  if (t.metadata !== undefined && Object.keys(t.metadata).some((k) => k !== 'expectedOutputType')) out.metadata = t.metadata;
  if (t.inputs !== undefined && !isTaskDataObject(t.inputs)) out.inputs = t.inputs;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What travels as extras, in words: `request`, `retryBackoffMs (2 tasks)`, …. */
export function describeExtras(extras: ReferenceExtras | undefined): string[] {
  if (!extras) return [];
  const out: string[] = [];
  if (extras.request !== undefined) out.push('the request');
  const tasks = Object.values(extras.tasks ?? {});
  const count = (what: string, has: (t: TaskExtras) => boolean) => {
    const n = tasks.filter(has).length;
    if (n > 0) out.push(`${what} (${n} task${n === 1 ? '' : 's'})`);
  };
  count('retryBackoffMs', (t) => t.retryBackoffMs !== undefined);
  count('capabilities', (t) => t.capabilities !== undefined);
  count('metadata', (t) => t.metadata !== undefined);
  count('inputs that are not an object', (t) => 'inputs' in t);
  return out;
}
