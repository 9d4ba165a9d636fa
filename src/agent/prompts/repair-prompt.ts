import type { Violation } from '../../core/editing/violations';
import { formatProblems, type Problem } from '../../core/model/errors';
import { asText, truncate } from './fence';

/** How much of an offending operation is quoted back next to its violation. */
const QUOTED_OPERATION_CHARS = 300;

function where(v: Violation): string {
  const at = v.opIndex >= 0 ? `operation #${v.opIndex}` : 'the answer';
  return v.path ? `${at} at ${v.path}` : at;
}

/** One line per violation: code, operation index, path, message, and the operation quoted. */
export function describeViolations(violations: readonly Violation[], operations: readonly unknown[]): string {
  return violations
    .map((v) => {
      const line = `- [${v.code}] ${where(v)}: ${v.message}`;
      const op = v.opIndex >= 0 ? operations[v.opIndex] : undefined;
      return op === undefined ? line : `${line}\n  operation #${v.opIndex} was: ${truncate(asText(op), QUOTED_OPERATION_CHARS)}`;
    })
    .join('\n');
}

/**
 * The message that sends a rejected edit answer back: the exact violations (or why the answer
 * could not be read) and a request for a corrected, complete answer.
 */
export function buildEditRepairMessage(rejected: { readonly operations: readonly unknown[]; readonly violations: readonly Violation[] }): string {
  const unreadable = rejected.violations.filter((v) => v.code === 'unreadable_answer');
  if (unreadable.length > 0) {
    return [
      'Your answer could not be read:',
      ...unreadable.map((v) => `- [${v.code}] ${v.message}`),
      'Answer again with exactly one JSON object: {"status": "continue" | "finish" | "fail", "reason": "...", "operations": [...]}.',
    ].join('\n');
  }
  return [
    'Your batch was rejected and nothing was applied. Violations:',
    describeViolations(rejected.violations, rejected.operations),
    'Send the corrected full answer (status, reason and the whole batch, not only the fixed operations) as one JSON object. Drop operations that cannot be made valid.',
  ].join('\n');
}

/** The message that sends a rejected plan back with every problem, located by JSON path. */
export function buildPlanRepairMessage(problems: readonly Problem[]): string {
  return [
    'Your plan was rejected:',
    formatProblems(problems)
      .split('\n')
      .map((l) => `- ${l}`)
      .join('\n'),
    'Send the corrected full plan as one JSON object.',
  ].join('\n');
}
