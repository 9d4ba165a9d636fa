import { isTruthy, type CompiledExpression } from '../expr/expression';
import { isTerminal, type Dependency, type TaskError, type TaskStatus } from './types';

/** What an edge means for its downstream task right now. */
export type EdgeOutcome = 'wait' | 'satisfied' | 'skip';

/** The upstream facts an edge depends on. */
export interface UpstreamView {
  readonly status: TaskStatus;
  readonly result?: unknown;
  readonly error?: TaskError | undefined;
}

export interface EdgeContext {
  /** Compiled `when` predicate of a conditional edge, if it has one. */
  readonly predicate?: CompiledExpression | undefined;
  /**
   * True while an edit source has not yet seen the upstream's completion: a conditional
   * edge without a predicate or a decision waits for the agent instead of defaulting.
   */
  readonly awaitingAgent?: boolean;
}

/**
 * The dependency-type rule, a pure function of the upstream task's state.
 *
 * | type | upstream completed | upstream failed / cancelled / skipped |
 * | unconditional, completion_only | satisfied | satisfied |
 * | success_only | satisfied | skip |
 * | conditional | `when` → agent decision → as success_only | skip |
 */
export function edgeOutcome(dep: Dependency, upstream: UpstreamView, ctx: EdgeContext = {}): EdgeOutcome {
  if (!isTerminal(upstream.status)) return 'wait';
  const completed = upstream.status === 'completed';
  switch (dep.type) {
    case 'unconditional':
    case 'completion_only':
      return 'satisfied';
    case 'success_only':
      return completed ? 'satisfied' : 'skip';
    case 'conditional': {
      if (!completed) return 'skip';
      if (ctx.predicate) {
        const scope = { result: upstream.result, status: upstream.status, error: upstream.error };
        return isTruthy(ctx.predicate.evaluate(scope)) ? 'satisfied' : 'skip';
      }
      if (dep.satisfied !== undefined) return dep.satisfied ? 'satisfied' : 'skip';
      return ctx.awaitingAgent ? 'wait' : 'satisfied';
    }
  }
}
