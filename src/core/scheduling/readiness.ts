import type { Constellation } from '../model/constellation';
import { edgeOutcome } from '../model/dependency-rules';
import type { Dependency } from '../model/types';

/** What a task's incoming edges say about it. */
export type Verdict = { readonly kind: 'ready' } | { readonly kind: 'waiting' } | SkipVerdict;

/** A task that can never run: `upstream`'s edge into it can never be satisfied, and why. */
export interface SkipVerdict {
  readonly kind: 'skip';
  readonly upstream: string;
  readonly reason: string;
}

const READY: Verdict = { kind: 'ready' };
const WAITING: Verdict = { kind: 'waiting' };

/**
 * Readiness, derived from edges. Each edge is evaluated by the pure dependency rule; an edge
 * is *settled* once its rule gives `satisfied` or `skip`. Per task, the number of unsettled
 * incoming edges is cached so a completion costs O(out-degree), not O(in-degree) of every
 * dependant; the cache is re-derived from the edges ({@link Readiness.recount}) whenever an
 * edit or a retry touches a task.
 */
export class Readiness {
  private readonly unsettled = new Map<string, number>();
  private readonly settled = new Set<string>();

  constructor(
    private readonly c: Constellation,
    /** True while the edit source has not yet seen `upstream` finish (conditional edges wait). */
    private readonly awaitingAgent: (upstream: string) => boolean,
  ) {}

  private outcome(dep: Dependency) {
    const up = this.c.task(dep.from);
    return edgeOutcome(dep, up, { predicate: this.c.predicate(dep), awaitingAgent: this.awaitingAgent(dep.from) });
  }

  /** Re-derives a task's verdict from all its incoming edges. */
  recount(taskId: string): Verdict {
    let waiting = 0;
    let skipBy: Dependency | undefined;
    this.c.forEachIncoming(taskId, (dep) => {
      const o = this.outcome(dep);
      if (o === 'wait') {
        waiting++;
        this.settled.delete(dep.id);
        return;
      }
      this.settled.add(dep.id);
      if (o === 'skip') skipBy ??= dep;
    });
    this.unsettled.set(taskId, waiting);
    if (skipBy !== undefined) return this.skipVerdict(skipBy);
    return waiting === 0 ? READY : WAITING;
  }

  /**
   * Settles the outgoing edges of a task that has finished (or whose conditional edges the
   * agent has now decided) and reports each dependant whose verdict changed.
   */
  settleOutgoing(taskId: string, report: (taskId: string, verdict: Verdict) => void): void {
    this.c.forEachOutgoing(taskId, (dep) => {
      if (this.settled.has(dep.id)) return;
      const o = this.outcome(dep);
      if (o === 'wait') return;
      this.settled.add(dep.id);
      if (o === 'skip') {
        report(dep.to, this.skipVerdict(dep));
        return;
      }
      const left = (this.unsettled.get(dep.to) ?? 1) - 1;
      this.unsettled.set(dep.to, left);
      if (left === 0) report(dep.to, READY);
    });
  }

  /** Why `dep` skips its downstream task: the upstream's outcome, or the condition's. */
  private skipVerdict(dep: Dependency): SkipVerdict {
    const up = this.c.task(dep.from);
    let reason: string;
    if (up.status !== 'completed') reason = `upstream '${dep.from}' ${up.status} (${dep.type} dependency)`;
    else if (dep.when !== undefined) reason = `condition of dependency '${dep.id}' is false: ${dep.when}`;
    else reason = `the agent decided dependency '${dep.id}' is not satisfied${dep.condition ? ` (${dep.condition})` : ''}`;
    return { kind: 'skip', upstream: dep.from, reason };
  }

  unsettledCount(taskId: string): number {
    return this.unsettled.get(taskId) ?? 0;
  }

  forgetTask(taskId: string): void {
    this.unsettled.delete(taskId);
  }

  forgetDependency(depId: string): void {
    this.settled.delete(depId);
  }
}
