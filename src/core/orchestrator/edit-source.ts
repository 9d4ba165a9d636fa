import type { Constellation } from '../model/constellation';
import type { Dependency, TaskError, TaskStatus } from '../model/types';
import type { Violation } from '../editing/violations';

/** A finished task an edit round is about. */
export interface Completion {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly result?: unknown;
  readonly error?: TaskError | undefined;
}

/** What the orchestrator gives an edit source for one round. */
export interface EditRequest {
  readonly round: number;
  /** Every completion since the previous round: batched, so one call covers many. */
  readonly completions: readonly Completion[];
  /** The live constellation. Read it; change it only by returning operations. */
  readonly constellation: Constellation;
  /** Conditional edges out of these completions that wait for a decision (`update_dependency` with `satisfied`). */
  readonly decisionsNeeded: readonly Dependency[];
  /** Checks operations against the current constellation without applying them. */
  validate(operations: readonly unknown[]): readonly Violation[];
  /** What became of the previous round's answer, so the source learns from it. */
  readonly previous?: EditOutcome | undefined;
  /** Set when the previous answer of this round was rejected: repair it. */
  readonly rejected?: { readonly operations: readonly unknown[]; readonly violations: readonly Violation[] } | undefined;
  /** Aborted when the round times out or the run ends. */
  readonly signal: AbortSignal;
  /**
   * A source that holds its answer for a review calls this first, with the answer as the agent
   * gave it: the core journals it at once, so a review that takes long, times out or rejects it
   * loses nothing of what the agent proposed.
   */
  readonly announce?: ((answer: EditProposal) => void) | undefined;
}

/** An edit source's answer. */
export interface EditProposal {
  /** `continue` (default), `finish` (the work is done) or `fail` (give up, with `reason`). */
  readonly status?: 'continue' | 'finish' | 'fail' | undefined;
  readonly operations: readonly unknown[];
  readonly reason?: string | undefined;
  /**
   * Set when the source's answer could not be read at all (not JSON, wrong shape): what is
   * wrong, exactly. The round sends it back for repair like a rejected batch, within the same
   * budget, and `operations` is ignored.
   */
  readonly unreadable?: string | undefined;
  /** How a reviewer decided on the batch, when one did (journaled as `edit_reviewed`). */
  readonly review?: EditReview | undefined;
  /** The batch as the source proposed it, when a review kept only part of it (`operations`). */
  readonly proposed?: readonly unknown[] | undefined;
  /** What producing this answer cost (language-model calls and tokens), when the source counts it. */
  readonly usage?: RoundUsage | undefined;
  /**
   * Set when the source did not consider the round at all (its budget is used up and it is
   * paused): why, in words. Nothing is applied; the run goes on unsteered.
   */
  readonly skipped?: string | undefined;
}

/** Language-model calls and tokens. */
export interface RoundUsage {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What became of a round's answer: told to the source in the next round, and journaled. */
export interface EditOutcome {
  readonly round: number;
  /** The completions the round was about. */
  readonly triggeredBy?: readonly string[] | undefined;
  readonly outcome: OutcomeKind;
  /** Operations proposed in the round's last answer, and how many of them were applied. */
  readonly proposed: number;
  readonly applied: number;
  /** The reviewer's reason, when one was typed. */
  readonly reviewerReason?: string | undefined;
  /** Why the last answer was refused (`refused`): the violations of the final repair attempt. */
  readonly violations?: readonly Violation[] | undefined;
  /** Set when the answer said `finish` while tasks were still pending or running. */
  readonly finishRefused?: string | undefined;
  /** Why the source failed (`source_error`) or did not consider the round (`skipped`). */
  readonly message?: string | undefined;
  /** What the round's answers cost, as the source counted it. */
  readonly usage?: RoundUsage | undefined;
}

/** How a round ended for its answer. */
export type OutcomeKind =
  | 'applied'
  | 'auto_accepted'
  | 'partially_accepted'
  | 'rejected_by_user'
  | 'refused'
  | 'timed_out'
  | 'no_change'
  | 'source_error'
  | 'skipped';

/** A review of a proposed batch: who decided, and which of its operations were kept. */
export interface EditReview {
  readonly decision: 'accepted' | 'rejected' | 'partial' | 'auto_accepted';
  /** How many operations were proposed. */
  readonly proposed: number;
  /** Indices (into the proposed batch) of the operations kept; `operations` holds exactly these. */
  readonly accepted: readonly number[];
  /** What the reviewer said, if anything (a rejection's reason). */
  readonly reason?: string | undefined;
}

/**
 * Proposes edits to the rest of the plan as results arrive: the language-model agent, a
 * scripted source in tests, or a file of scripted edits for the CLI.
 */
export interface EditSource {
  propose(request: EditRequest): Promise<EditProposal | undefined>;
}

/**
 * Scope of the safe assignment lock while a batch is being produced or reviewed:
 * `all` holds every new dispatch (the reference's rule); `downstream` holds only tasks
 * downstream of the batch's completions.
 */
export type LockScope = 'all' | 'downstream';
