import { z } from 'zod';
import { DEPENDENCY_ID_PATTERN, dependencyTypeSchema, taskDefinitionShape, taskFileSchema, ID_PATTERN } from '../model/schema';

const taskId = z.string().regex(ID_PATTERN, { message: 'not a valid task id' });

/** Fields of a task an edit may change. Status and results are the orchestrator's alone. */
export const taskChangesSchema = z
  .strictObject({
    ...taskDefinitionShape,
    // `null` clears an optional field.
    device: taskDefinitionShape.device.unwrap().nullable().optional(),
    deviceType: taskDefinitionShape.deviceType.unwrap().nullable().optional(),
    capabilities: taskDefinitionShape.capabilities.unwrap().nullable().optional(),
    timeoutMs: taskDefinitionShape.timeoutMs.unwrap().nullable().optional(),
    metadata: taskDefinitionShape.metadata.unwrap().nullable().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'changes must name at least one field' });

const newTaskSchema = taskFileSchema.pick({ id: true }).extend(taskDefinitionShape).strict();

/** One edit operation, a discriminated union on `op`. */
export const operationSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add_task'), task: newTaskSchema }),
  z.strictObject({ op: z.literal('remove_task'), taskId }),
  z.strictObject({ op: z.literal('update_task'), taskId, changes: taskChangesSchema }),
  z.strictObject({
    op: z.literal('add_dependency'),
    dependency: z.strictObject({
      id: z.string().regex(DEPENDENCY_ID_PATTERN, { message: 'not a valid dependency id' }).optional(),
      from: taskId,
      to: taskId,
      type: dependencyTypeSchema.optional(),
      condition: z.string().max(10_000).optional(),
      when: z.string().max(2_000).optional(),
    }),
  }),
  z.strictObject({ op: z.literal('remove_dependency'), dependencyId: z.string().min(1) }),
  z.strictObject({
    op: z.literal('update_dependency'),
    dependencyId: z.string().min(1),
    changes: z
      .strictObject({
        type: dependencyTypeSchema.optional(),
        when: z.string().max(2_000).nullable().optional(),
        condition: z.string().max(10_000).nullable().optional(),
        satisfied: z.boolean().nullable().optional(),
      })
      .refine((c) => Object.keys(c).length > 0, { message: 'changes must name at least one field' }),
  }),
  z.strictObject({ op: z.literal('assign_device'), taskId, device: z.string().regex(ID_PATTERN) }),
]);

export type OperationInput = z.input<typeof operationSchema>;
export type Operation = z.output<typeof operationSchema>;
export type OperationKind = Operation['op'];
export type AddTaskOperation = Extract<Operation, { op: 'add_task' }>;
export type TaskChanges = z.output<typeof taskChangesSchema>;

/** A batch: applied all-or-nothing. */
export const batchSchema = z.array(operationSchema);
