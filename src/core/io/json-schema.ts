import { z } from 'zod';
import { planFileSchema } from '../model/schema';

/**
 * The JSON Schema of `*.constellation.json`, generated from the same zod schemas that load
 * plans, so editors and the loader never disagree. Written to `media/` by the build.
 */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(planFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://constellation.invalid/schemas/constellation.schema.json',
    title: 'Constellation plan',
    description: 'A DAG of tasks bound to devices (*.constellation.json).',
  };
}
