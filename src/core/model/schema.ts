import { z } from 'zod';
import { DEPENDENCY_TYPES, TASK_STATUSES, type DependencyType, type TaskStatus } from './types';

/** Task and device ids: what fits in a file name, a URL segment and a `${tasks.<id>}` reference. */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;

/** Dependency ids: any visible characters (the default is `from->to`). */
export const DEPENDENCY_ID_PATTERN = /^\S{1,400}$/;

const id = (what: string) =>
  z.string().regex(ID_PATTERN, {
    message: `${what} must be 1–200 characters of letters, digits, '_', '.', ':' or '-', not starting with '.', ':' or '-'`,
  });

const PRIORITY_NAMES = { low: 1, medium: 2, high: 3, critical: 4 } as const;

/** 1–4, or the names `low`, `medium`, `high`, `critical` (any case). */
export const prioritySchema = z
  .union([
    z.number().int().min(1).max(4),
    z.string().refine((s) => s.toLowerCase() in PRIORITY_NAMES, {
      message: 'priority must be 1–4 or one of low, medium, high, critical',
    }),
  ])
  .transform((p): 1 | 2 | 3 | 4 =>
    typeof p === 'number' ? (p as 1 | 2 | 3 | 4) : PRIORITY_NAMES[p.toLowerCase() as keyof typeof PRIORITY_NAMES],
  );

const taskErrorSchema = z.strictObject({ code: z.string(), message: z.string() });

/** Fields of a task a plan author (or the agent) may write. */
export const taskDefinitionShape = {
  name: z.string().max(500).optional(),
  description: z.string().max(100_000).optional(),
  tips: z.array(z.string().max(10_000)).optional(),
  device: id('device').optional(),
  deviceType: z.string().max(100).optional(),
  capabilities: z.array(z.string().min(1).max(100)).optional(),
  priority: prioritySchema.optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(100).optional(),
  retryBackoffMs: z.number().int().min(0).optional(),
  inputs: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
};

/** A task in a `*.constellation.json`; state fields appear in snapshots and reports. */
export const taskFileSchema = z.strictObject({
  id: id('task id'),
  ...taskDefinitionShape,
  status: z.enum(TASK_STATUSES as [TaskStatus, ...TaskStatus[]]).optional(),
  result: z.unknown().optional(),
  error: taskErrorSchema.optional(),
  attempts: z.number().int().min(0).optional(),
  assignedDevice: z.string().optional(),
  createdAt: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});

export const dependencyTypeSchema = z.enum(DEPENDENCY_TYPES as [DependencyType, ...DependencyType[]]);

/** A dependency in a `*.constellation.json`: `to` waits for `from`. */
export const dependencyFileSchema = z.strictObject({
  id: z.string().regex(DEPENDENCY_ID_PATTERN, { message: 'dependency id must be 1–400 characters without spaces' }).optional(),
  from: id('task id'),
  to: id('task id'),
  type: dependencyTypeSchema.optional(),
  condition: z.string().max(10_000).optional(),
  when: z.string().max(2_000).optional(),
  satisfied: z.boolean().optional(),
});

/** The native plan format, `*.constellation.json`. */
export const planFileSchema = z.strictObject({
  $schema: z.string().optional(),
  id: id('constellation id').optional(),
  name: z.string().max(500).optional(),
  request: z.string().max(100_000).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(taskFileSchema),
  dependencies: z.array(dependencyFileSchema).optional(),
});

export type TaskFile = z.input<typeof taskFileSchema>;
export type DependencyFile = z.input<typeof dependencyFileSchema>;
export type PlanFile = z.input<typeof planFileSchema>;
export type ParsedPlan = z.output<typeof planFileSchema>;
export type ParsedTask = z.output<typeof taskFileSchema>;
export type ParsedDependency = z.output<typeof dependencyFileSchema>;
