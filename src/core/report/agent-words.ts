import { isSetback, type AgentRound, type RoundOutcome } from '../state/agent-timeline';
import { describeProposedOperation } from './operation-words';
import { clipLine, formatCount, plural } from './words';

/**
 * The agent's timeline in words, for both front ends: the CLI's summary and log, the
 * extension's tree, DAG panel, notifications and log.
 */

const OUTCOME_WORDS: Readonly<Record<RoundOutcome, string>> = {
  applied: 'applied',
  auto_accepted: 'applied (auto-accepted)',
  partially_accepted: 'accepted in part',
  rejected_by_user: 'rejected by the user',
  refused: 'refused as invalid, dropped',
  timed_out: 'timed out, dropped',
  no_change: 'no change',
  source_error: 'the call failed',
  skipped: 'not asked (agent paused)',
  gave_up: 'gave up: the run was stopped',
  cut_off: 'cut off (the run was resumed by another process)',
};

/** Longest stated reason shown on one line; views with room show more. */
export const REASON_LINE_CHARS = 160;

/** How a round stands: its outcome, or what it waits for. `ended`: the run is over (a round without outcome was cut off). */
export function roundState(r: AgentRound, ended: boolean): string {
  if (r.outcome === 'skipped' && r.usage && r.usage.calls > 0) return 'cut short (agent paused)';
  if (r.outcome) return r.finishRefused && r.outcome !== 'refused' ? `${OUTCOME_WORDS[r.outcome]}; finish refused` : OUTCOME_WORDS[r.outcome];
  if (ended) return 'cut off when the run ended';
  return r.awaitingReview ? 'waiting for review' : 'asking the model';
}

/** `after build, test`; `at resume` for a round a resume started without completions. */
export function roundTrigger(r: AgentRound): string {
  if (r.triggeredBy.length === 0) return 'after no completion';
  const shown = r.triggeredBy.slice(0, 4).join(', ');
  return `after ${shown}${r.triggeredBy.length > 4 ? ` and ${r.triggeredBy.length - 4} more` : ''}`;
}

/** What the round changed, in a few words: `1 of 2 operations applied`. */
export function roundChange(r: AgentRound): string {
  const n = r.proposed.length;
  // Nothing proposed: say so only when an answer came (not for a round that got none).
  if (n === 0) return r.outcome === 'no_change' || r.outcome === 'applied' || r.outcome === 'auto_accepted' ? 'no operations' : '';
  if (r.applied === undefined) return plural(n, 'operation');
  return r.applied === n ? `${plural(n, 'operation')} applied` : `${r.applied} of ${plural(n, 'operation')} applied`;
}

/** One line per round: for the CLI's summary, the log and notifications. */
export function roundLine(r: AgentRound, ended: boolean): string {
  const parts = [`round ${r.round} (${roundTrigger(r)}): ${roundState(r, ended)}`];
  const change = roundChange(r);
  if (change && r.outcome !== 'refused') parts.push(change);
  if (r.reason) parts.push(`agent: ${JSON.stringify(clipLine(r.reason, REASON_LINE_CHARS))}`);
  if (r.review?.reason) parts.push(`reviewer: ${JSON.stringify(clipLine(r.review.reason, REASON_LINE_CHARS))}`);
  if (r.outcome === 'refused' && r.violations?.[0]) parts.push(`${clipLine(r.violations[0].message, REASON_LINE_CHARS)} [${r.violations[0].code}]${r.violations.length > 1 ? ` +${r.violations.length - 1} more` : ''}`);
  if ((r.outcome === 'source_error' || r.outcome === 'skipped') && r.message) parts.push(clipLine(r.message, REASON_LINE_CHARS));
  return parts.join(' · ');
}

/** How a round reads at a glance: `good` (applied, or nothing to do), `warn` (not as proposed), `bad` (refused, failed), `busy` (going on). */
export function roundTone(r: AgentRound): 'good' | 'warn' | 'bad' | 'busy' {
  if (!r.outcome) return 'busy';
  if (r.outcome === 'refused' || r.outcome === 'source_error' || r.outcome === 'gave_up') return 'bad';
  return isSetback(r) || r.outcome === 'partially_accepted' || r.outcome === 'skipped' || r.outcome === 'cut_off' ? 'warn' : 'good';
}

/** Everything known of a round, a line each: for tooltips, the DAG panel's details and the report. */
export function roundDetails(r: AgentRound, ended: boolean): string[] {
  const out = [`Round ${r.round}, ${roundTrigger(r)}: ${roundState(r, ended)}`];
  if (r.status !== undefined) out.push(`The agent said "${r.status}"${r.reason ? `: ${clipLine(r.reason, 1000)}` : ' (no reason given)'}`);
  if (r.proposed.length > 0) {
    out.push(`It proposed ${plural(r.proposed.length, 'operation')}${r.applied !== undefined ? ` (${r.applied} applied)` : ''}:`);
    const review = r.review;
    const kept = review && review.decision !== 'accepted' && review.decision !== 'auto_accepted' ? new Set(review.accepted) : undefined;
    r.proposed.slice(0, 50).forEach((op, i) => out.push(`  ${kept ? (kept.has(i) ? '✓ ' : '✗ ') : ''}${describeProposedOperation(op)}`));
    if (r.proposed.length > 50) out.push(`  … and ${r.proposed.length - 50} more`);
  }
  if (r.review) out.push(`Review: ${r.review.decision.replace('_', '-')}${r.review.reason ? `, because ${JSON.stringify(clipLine(r.review.reason, 1000))}` : ''}`);
  if (r.repairs > 0) out.push(`Sent back for repair ${plural(r.repairs, 'time')}`);
  if (r.violations && r.violations.length > 0 && (r.outcome === 'refused' || r.outcome === undefined)) {
    out.push('Violations of its last answer:');
    for (const v of r.violations.slice(0, 10)) out.push(`  [${v.code}] ${v.opIndex >= 0 ? `operation #${v.opIndex}: ` : ''}${clipLine(v.message, 300)}`);
    if (r.violations.length > 10) out.push(`  … and ${r.violations.length - 10} more`);
  }
  if (r.finishRefused) out.push(`Its "finish" was refused: ${clipLine(r.finishRefused, 300)}`);
  if (r.message && r.outcome !== 'refused') out.push(clipLine(r.message, 500));
  if (r.usage) out.push(`${plural(r.usage.calls, 'call')}, ${formatCount(r.usage.inputTokens)} tokens in, ${formatCount(r.usage.outputTokens)} out`);
  return out;
}
