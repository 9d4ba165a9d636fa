import type { AgentStats } from './chat-model';
import { formatCount, plural } from '../core/report/words';

/** Limits on what one run's agent may use (absent or 0: no limit). */
export interface BudgetLimits {
  readonly maxTokens?: number | undefined;
  readonly maxCalls?: number | undefined;
}

/** What the agent has used when its budget ran out, for the question put to the user. */
export interface BudgetReached {
  readonly calls: number;
  readonly tokens: number;
  readonly limits: BudgetLimits;
  /** The limit that was reached, in words: `1.0M tokens`. */
  readonly what: string;
}

/**
 * A run's agent budget. Before each call the agent asks {@link AgentBudget.stop}; once a limit
 * is reached the agent is paused (it is not asked again, and the run goes on unsteered) and
 * `onReached` is told once, so the user can be asked whether to go on. {@link AgentBudget.extend}
 * gives it a new budget on top of what it used.
 */
export class AgentBudget {
  private told = false;

  constructor(
    private limits: BudgetLimits,
    private readonly stats: AgentStats,
    private readonly onReached: (reached: BudgetReached) => void,
  ) {}

  get current(): BudgetLimits {
    return this.limits;
  }

  /** True while a limit is reached. */
  get paused(): boolean {
    return this.reached() !== undefined;
  }

  /** Why the agent may not call the model now (a limit is reached), or undefined. */
  stop(): string | undefined {
    const what = this.reached();
    if (what === undefined) return undefined;
    if (!this.told) {
      this.told = true;
      this.onReached({ calls: this.stats.calls, tokens: this.stats.tokens, limits: this.limits, what });
    }
    return `the agent is paused: its budget of ${what} for this run is used up (${plural(this.stats.calls, 'call')}, ${formatCount(this.stats.tokens)} tokens so far)`;
  }

  /**
   * A new budget: `more` on top of what is used now, limit by limit; a limit `more` leaves out
   * (or sets to 0) is lifted, so a per-run budget of "no limit" goes on without one.
   */
  extend(more: BudgetLimits): void {
    this.limits = {
      maxTokens: more.maxTokens ? this.stats.tokens + more.maxTokens : undefined,
      maxCalls: more.maxCalls ? this.stats.calls + more.maxCalls : undefined,
    };
    this.told = false;
  }

  private reached(): string | undefined {
    const { maxTokens, maxCalls } = this.limits;
    if (maxTokens && this.stats.tokens >= maxTokens) return `${formatCount(maxTokens)} tokens`;
    if (maxCalls && this.stats.calls >= maxCalls) return plural(maxCalls, 'call');
    return undefined;
  }
}
