import { parseJsonText } from './json-text';
import { depthProblem, MAX_VALUE_DEPTH } from './json-limits';

/**
 * A task's structured inputs carried as one of its tips, `constellation-inputs: {json}`: how a
 * plan exported for the reference (whose tasks are words only) keeps them, so that
 * Constellation's devices can run its tasks under the reference's orchestrator.
 */

/** The tip that carries a task's structured inputs. */
export const INPUTS_TIP = 'constellation-inputs: ';
/** Largest inputs a tip may carry (characters of JSON). */
const MAX_INPUTS_CHARS = 1_000_000;

/** The tip that carries `inputs` (one line: JSON has no raw newlines). */
export function inputsTip(inputs: unknown): string {
  return `${INPUTS_TIP}${JSON.stringify(inputs)}`;
}

/**
 * A task's structured inputs from its tips: absent when no tip carries them, else the inputs
 * or what is wrong with them (not JSON, not an object, too large or too deep).
 */
export function inputsFromTips(tips: readonly string[]): { readonly inputs?: Record<string, unknown>; readonly problem?: string } {
  const tip = tips.find((t) => t.startsWith(INPUTS_TIP));
  if (tip === undefined) return {};
  const json = tip.slice(INPUTS_TIP.length);
  if (json.length > MAX_INPUTS_CHARS) return { problem: `the ${INPUTS_TIP.trim()} tip is ${json.length} characters, more than ${MAX_INPUTS_CHARS}` };
  const parsed = parseJsonText(json);
  if ('problem' in parsed) return { problem: `the ${INPUTS_TIP.trim()} tip is not JSON: ${parsed.problem.message}` };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: `the ${INPUTS_TIP.trim()} tip must hold a JSON object` };
  const deep = depthProblem(value, MAX_VALUE_DEPTH, ['inputs']);
  if (deep) return { problem: `the ${INPUTS_TIP.trim()} tip is ${deep.message}` };
  return { inputs: value as Record<string, unknown> };
}
