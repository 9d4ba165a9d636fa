import { z } from 'zod';
import { depthProblem, MAX_DOCUMENT_DEPTH, MAX_VALUE_DEPTH } from '../io/json-limits';
import { formatPath } from '../model/json-path';
import { violation, type Violation } from './violations';
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

/** Largest batch accepted by default. */
export const MAX_BATCH_SIZE = 10_000;

/** A batch read from outside: typed operations, or every reason it is not one. */
export type ParsedBatch = { readonly ok: true; readonly operations: Operation[] } | { readonly ok: false; readonly violations: Violation[] };

/**
 * Reads a batch that came from outside (a model, a file, a chat tool): from here on its
 * operations travel typed. Each problem names its operation and the field.
 */
export function parseBatch(batch: unknown, maxBatchSize = MAX_BATCH_SIZE): ParsedBatch {
  if (!Array.isArray(batch)) return { ok: false, violations: [violation('invalid_operation', -1, 'a batch must be a list of operations')] };
  if (batch.length > maxBatchSize) {
    return { ok: false, violations: [violation('batch_too_large', -1, `a batch holds at most ${maxBatchSize} operations, got ${batch.length}`)] };
  }
  const operations: Operation[] = [];
  const violations: Violation[] = [];
  (batch as readonly unknown[]).forEach((raw, i) => {
    const r = operationSchema.safeParse(raw);
    const deepValue = r.success ? valueTooDeep(r.data, i) : undefined;
    if (deepValue) violations.push(violation('invalid_operation', i, `operation ${i}: ${deepValue.message}`, deepValue.path));
    else if (r.success) operations.push(r.data);
    else {
      for (const issue of r.error.issues) {
        const path = formatPath([i, ...issue.path]);
        violations.push(violation('invalid_operation', i, `operation ${i}: ${path}: ${issue.message}`, path));
      }
    }
  });
  if (violations.length > 0) return { ok: false, violations };
  // Whatever else the operations carry (unknown keys are refused above) is bounded too.
  const deep = depthProblem(batch, MAX_DOCUMENT_DEPTH);
  return deep ? { ok: false, violations: [violation('invalid_operation', -1, `the batch is ${deep.message}`, deep.path)] } : { ok: true, operations };
}

/** A task value an operation writes (inputs, metadata) nested too deep. */
function valueTooDeep(op: Operation, i: number): { message: string; path: string } | undefined {
  const fields = op.op === 'add_task' ? { at: 'task', v: op.task } : op.op === 'update_task' ? { at: 'changes', v: op.changes } : undefined;
  if (!fields) return undefined;
  return depthProblem(fields.v.inputs, MAX_VALUE_DEPTH, [i, fields.at, 'inputs']) ?? depthProblem(fields.v.metadata, MAX_VALUE_DEPTH, [i, fields.at, 'metadata']);
}
