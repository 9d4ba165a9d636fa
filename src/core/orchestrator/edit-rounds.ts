import { Mutex } from 'async-mutex';
import type { Clock } from '../clock';
import type { EditResult } from '../editing/editor';
import { parseBatch, type Operation } from '../editing/operations';
import { violation, type Violation } from '../editing/violations';
import type { EventBus } from '../events/event-bus';
import type { Constellation } from '../model/constellation';
import type { Dependency } from '../model/types';
import type { Completion, EditOutcome, EditProposal, EditSource, LockScope, RoundUsage } from './edit-source';

/** What the edit rounds need from the orchestrator. */
export interface EditHost {
  readonly constellation: Constellation;
  readonly events: EventBus;
  readonly clock: Clock;
  /** Checks a batch from outside without applying it. */
  validate(operations: readonly unknown[]): readonly Violation[];
  /** Applies a batch atomically and announces it. */
  apply(operations: readonly Operation[], triggeredBy: readonly string[], round: number): EditResult;
  /** A proposed batch was refused (schema or invariants): counted in the run's metrics. */
  noteRejected(): void;
  hasUnfinishedTasks(): boolean;
  failRun(reason: string): void;
  /** Called once the lock is released. */
  roundEnded(triggers: readonly string[]): void;
  isEnded(): boolean;
  /** The number of the last round the run had (a resumed run's journal), else 0. */
  readonly lastRound: number;
  /** What became of the last answer of a resumed run's journal. */
  readonly lastOutcome?: EditOutcome | undefined;
}

export interface EditRoundOptions {
  readonly source: EditSource;
  readonly timeoutMs: number;
  readonly scope: LockScope;
  /** How many times a rejected batch is sent back to the source. */
  readonly repairRounds: number;
}

const TIMED_OUT = Symbol('timeout');

/**
 * The safe assignment lock and batched editing. A round starts when a task finishes and no
 * round is running; it holds new dispatch ({@link EditRounds.holds}) until the source answers
 * and the batch is applied, or the deadline passes. Completions that arrive meanwhile wait for
 * the next round, so one call to the source covers many of them.
 */
export class EditRounds {
  private readonly mutex = new Mutex();
  private pending: string[] = [];
  private round = 0;
  private held: Set<string> | undefined;
  private readonly seen = new Set<string>();
  private controller: AbortController | undefined;
  /** What became of the last round's answer: the next request tells the source. */
  private previous: EditOutcome | undefined;

  constructor(
    private readonly host: EditHost,
    private readonly options: EditRoundOptions,
  ) {
    // A resumed run numbers its rounds on from the journal's, and tells the source what became of its last answer.
    this.round = host.lastRound;
    this.previous = host.lastOutcome;
  }

  /** True while a round is in progress. */
  get isActive(): boolean {
    return this.mutex.isLocked();
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  get rounds(): number {
    return this.round;
  }

  /** Whether the edit source has not yet had its say on `taskId`'s completion. */
  awaitsDecision(taskId: string): boolean {
    return !this.seen.has(taskId);
  }

  /**
   * The barrier check. Synchronous, and called in the same step as the dispatch it guards,
   * so no `await` can slip between the check and the hand-over to the executor.
   */
  holds(taskId: string): boolean {
    if (!this.mutex.isLocked()) return false;
    return this.options.scope === 'all' || (this.held?.has(taskId) ?? false);
  }

  /** Records a finished task; starts a round if none is running. */
  noteCompletion(taskId: string): void {
    this.pending.push(taskId);
    if (!this.mutex.isLocked()) this.startRound();
  }

  /**
   * Tasks that finished in an earlier process (resume) and still owe the source a decision:
   * they are put to it together, as one batch.
   */
  noteRestored(taskIds: readonly string[]): void {
    if (taskIds.length === 0) return;
    this.pending.push(...taskIds);
    if (!this.mutex.isLocked()) this.startRound();
  }

  /** Starts the next round if completions are waiting and the lock is free. */
  maybeStart(): void {
    if (this.pending.length > 0 && !this.mutex.isLocked() && !this.host.isEnded()) this.startRound();
  }

  /** Stops waiting for the source (run cancelled or ended). */
  abort(): void {
    this.controller?.abort();
  }

  private startRound(): void {
    const triggers = this.pending;
    this.pending = [];
    // Taking the lock is synchronous: from here on, `holds` answers for this round.
    const acquired = this.mutex.acquire();
    this.held = this.options.scope === 'downstream' ? this.descendants(triggers) : undefined;
    const round = ++this.round;
    void acquired.then(async (release) => {
      try {
        const outcome = await this.runRound(round, triggers);
        if (outcome && !this.host.isEnded()) {
          this.previous = outcome;
          this.host.events.emit('edit_outcome', outcome);
        }
      } finally {
        for (const t of triggers) this.seen.add(t);
        this.held = undefined;
        this.controller = undefined;
        release();
        this.host.roundEnded(triggers);
      }
    });
  }

  private descendants(roots: readonly string[]): Set<string> {
    const c = this.host.constellation;
    const out = new Set<string>();
    const stack = roots.filter((r) => c.hasTask(r));
    while (stack.length > 0) {
      for (const next of c.dependantsOf(stack.pop()!)) {
        if (!out.has(next)) {
          out.add(next);
          stack.push(next);
        }
      }
    }
    return out;
  }

  /** Runs one round; resolves with what became of its answer (nothing when the run ended meanwhile or the source had no answer). */
  private async runRound(round: number, triggers: readonly string[]): Promise<EditOutcome | undefined> {
    const { host, options } = this;
    const c = host.constellation;
    const completions: Completion[] = triggers
      .filter((id) => c.hasTask(id))
      .map((id) => {
        const t = c.task(id);
        return { taskId: id, status: t.status, result: t.result, error: t.error };
      });
    const decisionsNeeded: Dependency[] = [];
    for (const id of triggers) {
      if (!c.hasTask(id)) continue;
      for (const dep of c.outgoing(id)) {
        if (dep.type === 'conditional' && !dep.when && dep.satisfied === undefined) decisionsNeeded.push(dep);
      }
    }
    host.events.emit('edit_round_started', { round, triggeredBy: triggers });
    const controller = new AbortController();
    this.controller = controller;
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = host.clock.setTimer(options.timeoutMs, () => resolve(TIMED_OUT));
    });
    let rejected: { operations: readonly unknown[]; violations: readonly Violation[] } | undefined;
    const previous = this.previous;
    let proposed = 0;
    let usage: RoundUsage | undefined;
    const outcome = (o: Omit<EditOutcome, 'round' | 'proposed' | 'triggeredBy'>): EditOutcome => ({
      round,
      triggeredBy: triggers,
      proposed,
      ...o,
      ...(usage ? { usage } : {}),
    });
    try {
      for (let attempt = 0; attempt <= options.repairRounds; attempt++) {
        let answer: EditProposal | undefined | typeof TIMED_OUT;
        // An answer held for a review is journaled when the source announces it, not after the review.
        let announced = false;
        const emitProposed = (a: EditProposal, awaitingReview: boolean) =>
          host.events.emit('edit_proposed', {
            round,
            triggeredBy: triggers,
            operations: a.operations as never,
            status: a.status ?? 'continue',
            attempt,
            ...(a.reason !== undefined ? { reason: a.reason } : {}),
            ...(a.proposed !== undefined ? { proposed: a.proposed as never } : {}),
            ...(awaitingReview ? { awaitingReview: true as const } : {}),
          });
        const announce = (a: EditProposal) => {
          if (announced || host.isEnded()) return;
          announced = true;
          emitProposed(a, true);
        };
        try {
          answer = await Promise.race([
            options.source.propose({
              round,
              completions,
              constellation: c,
              decisionsNeeded,
              validate: (ops) => host.validate(ops),
              rejected,
              previous,
              signal: controller.signal,
              announce,
            }),
            deadline,
          ]);
        } catch (err) {
          if (host.isEnded()) return undefined;
          const message = `the edit source failed: ${err instanceof Error ? err.message : String(err)}`;
          host.events.emit('edit_rejected', { round, code: 'source_error', message, violations: [], willRepair: false });
          return outcome({ outcome: 'source_error', applied: 0, message });
        }
        if (host.isEnded()) return undefined;
        if (answer === TIMED_OUT) {
          controller.abort();
          const message = `no edit within ${options.timeoutMs} ms; the batch was dropped and the run continues`;
          host.events.emit('edit_rejected', { round, code: 'timeout', message, violations: [], willRepair: false });
          return outcome({ outcome: 'timed_out', applied: 0, message });
        }
        if (!answer) return outcome({ outcome: 'no_change', applied: 0 });
        if (answer.usage) usage = addUsage(usage, answer.usage);
        if (answer.skipped !== undefined) return outcome({ outcome: 'skipped', applied: 0, message: answer.skipped });
        // Sends the answer back for repair (within the budget), with why it was rejected.
        const reject = (message: string, operations: readonly unknown[], violations: readonly Violation[]) => {
          host.events.emit('edit_rejected', { round, code: 'invalid', message, violations, willRepair: attempt < options.repairRounds });
          rejected = { operations, violations };
        };
        if (answer.unreadable !== undefined) {
          proposed = 0;
          reject(`unreadable answer: ${answer.unreadable}`, [], [violation('unreadable_answer', -1, answer.unreadable)]);
          continue;
        }
        const status = answer.status ?? 'continue';
        proposed = (answer.proposed ?? answer.operations).length;
        if (!announced) emitProposed(answer, false);
        if (answer.review) host.events.emit('edit_reviewed', { round, ...answer.review });
        if (status === 'fail') {
          host.failRun(answer.reason ?? 'the agent gave up');
          return undefined;
        }
        if (answer.operations.length > 0) {
          const batch = parseBatch(answer.operations);
          const result = batch.ok ? host.apply(batch.operations, triggers, round) : batch;
          if (!result.ok) {
            host.noteRejected();
            reject(`edit batch rejected: ${result.violations.length} violation(s)`, answer.operations, result.violations);
            continue;
          }
        }
        let finishRefused: string | undefined;
        if (status === 'finish' && host.hasUnfinishedTasks()) {
          finishRefused = 'finish refused: tasks are still pending or running';
          host.events.emit('edit_rejected', { round, code: 'finish_refused', message: finishRefused, violations: [], willRepair: false });
        }
        return outcome({ outcome: reviewedOutcome(answer, proposed), applied: answer.operations.length, reviewerReason: answer.review?.reason, finishRefused });
      }
      // Every attempt was refused: the batch is dropped.
      return outcome({ outcome: 'refused', applied: 0, violations: rejected?.violations });
    } finally {
      timer?.cancel();
    }
  }
}

function addUsage(a: RoundUsage | undefined, b: RoundUsage): RoundUsage {
  return a ? { calls: a.calls + b.calls, inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens } : b;
}

/** The outcome of an answer that applied (or had nothing to apply), from its review. */
function reviewedOutcome(answer: EditProposal, proposed: number): EditOutcome['outcome'] {
  switch (answer.review?.decision) {
    case 'rejected':
      return 'rejected_by_user';
    case 'partial':
      return 'partially_accepted';
    case 'auto_accepted':
      return 'auto_accepted';
    default:
      return proposed === 0 ? 'no_change' : 'applied';
  }
}
