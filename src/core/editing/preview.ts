import { planFromJson, toPlanFile } from '../io/plan-file';
import type { Constellation } from '../model/constellation';
import type { PlanFile } from '../model/schema';
import { ConstellationEditor } from './editor';
import type { Operation } from './operations';
import type { Violation } from './violations';

/**
 * The plan as it would be after a batch, computed on a copy (the live constellation is not
 * touched): what a reviewer compares with {@link toPlanFile} of the live one. Statuses are left
 * out on both sides; the batch is expected to have been validated against the live graph.
 */
export function previewBatch(c: Constellation, operations: readonly Operation[]): { ok: true; plan: PlanFile } | { ok: false; violations: readonly Violation[] } {
  const copy = planFromJson(toPlanFile(c));
  const result = new ConstellationEditor(copy, { isModifiable: () => true }).apply(operations);
  return result.ok ? { ok: true, plan: toPlanFile(copy) } : { ok: false, violations: result.violations };
}
