import type { OperationInput } from '../editing/operations';
import type { Violation } from '../editing/violations';
import type { RunEvent } from '../events/event-map';
import type { EditOutcome, EditReview, OutcomeKind, RoundUsage } from '../orchestrator/edit-source';

/**
 * How a round ended: an edit outcome; `gave_up` (the agent answered `fail` and the run ended);
 * `cut_off` (the process running the run stopped before the round ended, and a new one resumed it).
 */
export type RoundOutcome = OutcomeKind | 'gave_up' | 'cut_off';

/**
 * One round of the agent's timeline: which completions it was about, what the agent answered
 * (its batch whole, its status and stated reason), how a reviewer decided, and what became of
 * it. `outcome` is absent while the round is still going (the model is asked, or a review waits).
 */
export interface AgentRound {
  readonly round: number;
  /** Epoch ms of the round's first event, and of its outcome. */
  startedAt: number;
  endedAt?: number | undefined;
  triggeredBy: readonly string[];
  /** The last answer's status (`continue`, `finish`, `fail`) and stated reason. */
  status?: string | undefined;
  reason?: string | undefined;
  /** The last answer's batch as the agent proposed it, before any review. */
  proposed: readonly OperationInput[];
  /** The operations of that batch that went on to be applied (what the review kept). */
  kept: readonly OperationInput[];
  /** Answers sent back to the agent for repair. */
  repairs: number;
  /** True while the last answer waits for the user's review. */
  awaitingReview?: boolean | undefined;
  /** The reviewer's decision and which operations of `proposed` it kept (by index). */
  review?: Pick<EditReview, 'decision' | 'reason' | 'accepted'> | undefined;
  /** The violations of the last refused answer. */
  violations?: readonly Violation[] | undefined;
  finishRefused?: string | undefined;
  outcome?: RoundOutcome | undefined;
  /** How many operations were applied. */
  applied?: number | undefined;
  /** Why the source failed, timed out or was not asked. */
  message?: string | undefined;
  usage?: RoundUsage | undefined;
}

type AgentEvent = Extract<RunEvent, { type: 'edit_round_started' | 'edit_proposed' | 'edit_rejected' | 'edit_reviewed' | 'edit_outcome' }>;

/** Whether an event belongs on the agent's timeline. */
export function isAgentEvent(e: RunEvent): e is AgentEvent {
  return e.type === 'edit_round_started' || e.type === 'edit_proposed' || e.type === 'edit_rejected' || e.type === 'edit_reviewed' || e.type === 'edit_outcome';
}

function roundOf(timeline: AgentRound[], round: number, at: number, triggeredBy: readonly string[] = []): AgentRound {
  for (let i = timeline.length - 1; i >= 0; i--) if (timeline[i]!.round === round) return timeline[i]!;
  // Journals written before rounds announced their start: the round begins with its first event.
  const r: AgentRound = { round, startedAt: at, triggeredBy, proposed: [], kept: [], repairs: 0 };
  timeline.push(r);
  return r;
}

/**
 * Folds one edit event into the timeline: the only code that turns the journal's edit events
 * into the agent's rounds (the live run and a restored journal both use it, through `applyEvent`).
 */
export function foldAgentEvent(timeline: AgentRound[], e: AgentEvent): void {
  switch (e.type) {
    case 'edit_round_started':
      roundOf(timeline, e.round, e.timestamp, e.triggeredBy);
      return;
    case 'edit_proposed': {
      const r = roundOf(timeline, e.round, e.timestamp, e.triggeredBy);
      r.triggeredBy = e.triggeredBy;
      r.status = e.status;
      r.reason = e.reason;
      r.proposed = e.proposed ?? e.operations;
      r.kept = e.operations;
      r.violations = undefined;
      r.awaitingReview = e.awaitingReview === true;
      if (e.status === 'fail') {
        r.outcome = 'gave_up';
        r.endedAt = e.timestamp;
      }
      return;
    }
    case 'edit_rejected': {
      const r = roundOf(timeline, e.round, e.timestamp);
      r.awaitingReview = false;
      if (e.code === 'finish_refused') r.finishRefused = e.message;
      else if (e.code === 'invalid') {
        r.violations = e.violations;
        if (e.willRepair) r.repairs++;
      } else r.message = e.message;
      return;
    }
    case 'edit_reviewed': {
      const r = roundOf(timeline, e.round, e.timestamp);
      r.review = { decision: e.decision, accepted: e.accepted, ...(e.reason !== undefined ? { reason: e.reason } : {}) };
      r.kept = e.accepted.flatMap((i) => r.proposed[i] ?? []);
      r.awaitingReview = false;
      return;
    }
    case 'edit_outcome': {
      const r = roundOf(timeline, e.round, e.timestamp, e.triggeredBy);
      if (e.triggeredBy) r.triggeredBy = e.triggeredBy;
      r.outcome = e.outcome;
      r.applied = e.applied;
      r.awaitingReview = false;
      r.endedAt = e.timestamp;
      if (e.violations) r.violations = e.violations;
      if (e.finishRefused) r.finishRefused = e.finishRefused;
      if (e.message !== undefined) r.message = e.message;
      if (e.usage) r.usage = e.usage;
      return;
    }
  }
}

/** A run starts again (resumed): rounds its earlier process left open will not end. */
export function cutOpenRounds(timeline: AgentRound[], at: number): void {
  for (const r of timeline) {
    if (r.outcome !== undefined) continue;
    r.outcome = 'cut_off';
    r.endedAt = at;
    r.awaitingReview = false;
  }
}

/** What became of a round, as the next round tells the source (rounds that did not end as edits: nothing). */
export function outcomeOfRound(r: AgentRound): EditOutcome | undefined {
  if (r.outcome === undefined || r.outcome === 'gave_up' || r.outcome === 'cut_off') return undefined;
  return {
    round: r.round,
    triggeredBy: r.triggeredBy,
    outcome: r.outcome,
    proposed: r.proposed.length,
    applied: r.applied ?? 0,
    reviewerReason: r.review?.reason,
    violations: r.violations,
    finishRefused: r.finishRefused,
  };
}

/**
 * Rounds the user is told about with a notification: the agent's answer was refused, rejected,
 * dropped or lost, or its `finish` refused. (A round skipped because the budget is spent is not:
 * the budget's own question covers it.)
 */
export function isSetback(r: Pick<AgentRound, 'outcome' | 'finishRefused'>): boolean {
  switch (r.outcome) {
    case 'refused':
    case 'rejected_by_user':
    case 'timed_out':
    case 'source_error':
    case 'gave_up':
      return true;
    default:
      return r.finishRefused !== undefined;
  }
}
