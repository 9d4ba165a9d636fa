import type { Constellation } from '../core/model/constellation';
import { parseBatch, type Operation } from '../core/editing/operations';
import type { Violation } from '../core/editing/violations';
import type { EditProposal, EditRequest, EditSource } from '../core/orchestrator/edit-source';

/** A reviewer's reason is kept to this many characters. */
const MAX_REVIEWER_REASON = 1000;

/** A valid batch waiting for a decision. */
export interface ProposedBatch {
  readonly round: number;
  readonly operations: readonly Operation[];
  /** What the agent said it is doing (`continue`/`finish`), and why, if it said. */
  readonly status: 'continue' | 'finish';
  readonly reason?: string | undefined;
  /** The live constellation the batch applies to. */
  readonly constellation: Constellation;
  /** Checks a subset (or any batch) against the current constellation without applying it. */
  validate(operations: readonly Operation[]): readonly Violation[];
}

/** The user's decision: the indices of the operations to keep (empty: rejected). */
export interface ReviewVerdict {
  readonly accepted: readonly number[];
  /** Why, in the reviewer's words (optional): journaled and told to the agent. */
  readonly reason?: string | undefined;
}

/** Whoever decides on valid batches: the editor's review UI, or a test. */
export interface EditReviewer {
  /** Resolves with the decision; `signal` aborts when the edit round times out or the run ends. */
  review(batch: ProposedBatch, signal: AbortSignal): Promise<ReviewVerdict>;
}

/**
 * Puts a reviewer between an edit source and the orchestrator. Batches the core would reject
 * go straight back (the core sends them for repair, no one reviews an invalid batch); valid
 * ones are applied as they are in auto-accept mode, otherwise only the operations the reviewer
 * keeps are, after that subset is checked again. The round, and so the safe assignment lock,
 * lasts until the decision: running tasks go on, new dispatch waits, completions meanwhile
 * join the next round, and the edit timeout bounds it all.
 */
export class ReviewingEditSource implements EditSource {
  constructor(
    private readonly inner: EditSource,
    private readonly reviewer: EditReviewer,
    private readonly autoAccept: () => boolean,
  ) {}

  async propose(request: EditRequest): Promise<EditProposal | undefined> {
    const proposal = await this.inner.propose(request);
    if (!proposal || proposal.unreadable !== undefined || proposal.operations.length === 0 || proposal.status === 'fail') return proposal;
    // Invalid batches go back to the core as they came: it sends them for repair unreviewed.
    const batch = parseBatch(proposal.operations);
    if (!batch.ok || request.validate(batch.operations).length > 0) return proposal;
    const operations = batch.operations;
    const all = operations.map((_, i) => i);
    if (this.autoAccept()) return { ...proposal, review: { decision: 'auto_accepted', proposed: all.length, accepted: all } };
    const status = proposal.status ?? 'continue';
    // Journaled now, whole and as the agent said it: the review may take long, time out or reject it.
    request.announce?.({ status, operations, reason: proposal.reason });
    const verdict = await this.reviewer.review(
      { round: request.round, operations, status, reason: proposal.reason, constellation: request.constellation, validate: (ops) => request.validate(ops) },
      request.signal,
    );
    const kept = [...new Set(verdict.accepted)].filter((i) => Number.isInteger(i) && i >= 0 && i < all.length).sort((a, b) => a - b);
    const decision = kept.length === 0 ? 'rejected' : kept.length === all.length ? 'accepted' : 'partial';
    // A rejected batch is not a reason to finish: the agent is asked again after the next results.
    const reviewerReason = verdict.reason?.trim() ? verdict.reason.trim().slice(0, MAX_REVIEWER_REASON) : undefined;
    return {
      status: decision === 'rejected' ? 'continue' : status,
      reason: proposal.reason,
      usage: proposal.usage,
      operations: kept.map((i) => operations[i]),
      // The whole batch stays on record when the review kept only part of it.
      ...(decision === 'accepted' ? {} : { proposed: operations }),
      review: { decision, proposed: all.length, accepted: kept, ...(reviewerReason ? { reason: reviewerReason } : {}) },
    };
  }
}
