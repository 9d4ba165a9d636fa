import { Mutex } from 'async-mutex';
import type { Clock } from '../clock';
import type { EditResult } from '../editing/editor';
import { parseBatch, type Operation } from '../editing/operations';
import { violation, type Violation } from '../editing/violations';
import type { EventBus } from '../events/event-bus';
import type { Constellation } from '../model/constellation';
import type { Dependency } from '../model/types';
import type { Completion, EditProposal, EditSource, LockScope } from './edit-source';

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

  constructor(
    private readonly host: EditHost,
    private readonly options: EditRoundOptions,
  ) {}

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
        await this.runRound(round, triggers);
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

  private async runRound(round: number, triggers: readonly string[]): Promise<void> {
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
    const controller = new AbortController();
    this.controller = controller;
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = host.clock.setTimer(options.timeoutMs, () => resolve(TIMED_OUT));
    });
    let rejected: { operations: readonly unknown[]; violations: readonly Violation[] } | undefined;
    try {
      for (let attempt = 0; attempt <= options.repairRounds; attempt++) {
        let answer: EditProposal | undefined | typeof TIMED_OUT;
        try {
          answer = await Promise.race([
            options.source.propose({
              round,
              completions,
              constellation: c,
              decisionsNeeded,
              validate: (ops) => host.validate(ops),
              rejected,
              signal: controller.signal,
            }),
            deadline,
          ]);
        } catch (err) {
          if (host.isEnded()) return;
          const message = `the edit source failed: ${err instanceof Error ? err.message : String(err)}`;
          host.events.emit('edit_rejected', { round, code: 'source_error', message, violations: [], willRepair: false });
          return;
        }
        if (host.isEnded()) return;
        if (answer === TIMED_OUT) {
          controller.abort();
          const message = `no edit within ${options.timeoutMs} ms; the batch was dropped and the run continues`;
          host.events.emit('edit_rejected', { round, code: 'timeout', message, violations: [], willRepair: false });
          return;
        }
        if (!answer) return;
        // Sends the answer back for repair (within the budget), with why it was rejected.
        const reject = (message: string, operations: readonly unknown[], violations: readonly Violation[]) => {
          host.events.emit('edit_rejected', { round, code: 'invalid', message, violations, willRepair: attempt < options.repairRounds });
          rejected = { operations, violations };
        };
        if (answer.unreadable !== undefined) {
          reject(`unreadable answer: ${answer.unreadable}`, [], [violation('unreadable_answer', -1, answer.unreadable)]);
          continue;
        }
        const status = answer.status ?? 'continue';
        host.events.emit('edit_proposed', { round, triggeredBy: triggers, operations: answer.operations as never, status, attempt });
        if (answer.review) host.events.emit('edit_reviewed', { round, ...answer.review });
        if (status === 'fail') {
          host.failRun(answer.reason ?? 'the agent gave up');
          return;
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
        if (status === 'finish' && host.hasUnfinishedTasks()) {
          const message = 'finish refused: tasks are still pending or running';
          host.events.emit('edit_rejected', { round, code: 'finish_refused', message, violations: [], willRepair: false });
        }
        return;
      }
    } finally {
      timer?.cancel();
    }
  }
}
