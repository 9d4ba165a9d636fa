import type { EditOutcome } from '../../core/orchestrator/edit-source';
import { describeViolations } from './repair-prompt';
import { oneLine } from './fence';

/** Violations of a refused batch told back in the next round. */
const MAX_VIOLATIONS = 5;
/** A reviewer's reason as quoted to the model. */
const MAX_REASON_CHARS = 500;

function said(o: EditOutcome): string {
  return o.reviewerReason ? ` The user's reason: ${JSON.stringify(oneLine(o.reviewerReason, MAX_REASON_CHARS))}.` : '';
}

/**
 * What became of the source's answer in the previous round, as one short paragraph of the next
 * round's prompt: applied, kept in part or rejected by the user (with the user's reason),
 * refused as invalid (with the violations), timed out, and a `finish` that was refused.
 */
export function describeOutcome(o: EditOutcome | undefined): string {
  if (!o) return '';
  const head = `What became of your answer in round ${o.round}:`;
  let body: string;
  switch (o.outcome) {
    case 'applied':
    case 'auto_accepted':
      body = `applied (${o.applied} operation${o.applied === 1 ? '' : 's'}).`;
      break;
    case 'no_change':
      body = 'no operations; nothing changed.';
      break;
    case 'partially_accepted':
      body = `the user kept ${o.applied} of your ${o.proposed} operations; the others were not applied.${said(o)}`;
      break;
    case 'rejected_by_user':
      body = `the user rejected the whole batch; nothing was applied.${said(o)} Do not propose it again unless new results call for it.`;
      break;
    case 'refused': {
      const violations = o.violations ?? [];
      const shown = describeViolations(violations.slice(0, MAX_VIOLATIONS), []);
      const more = violations.length > MAX_VIOLATIONS ? `\n- …and ${violations.length - MAX_VIOLATIONS} more` : '';
      body = `refused as invalid after the repair attempts; nothing was applied.${shown ? ` Violations of your last attempt:\n${shown}${more}` : ''}`;
      break;
    }
    case 'timed_out':
      body = 'it did not arrive (or was not reviewed) in time; nothing was applied.';
      break;
    case 'source_error':
      body = 'the call failed; nothing was applied.';
      break;
    case 'skipped':
      body = 'you were not asked (the agent was paused); the run went on without your decisions.';
      break;
  }
  const finish = o.finishRefused ? ` Your "finish" was refused (${o.finishRefused}): say "finish" only when no task is pending, ready or running.` : '';
  return `${head} ${body}${finish}`;
}
