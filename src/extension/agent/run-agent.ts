import * as vscode from 'vscode';
import { AgentBudget, type BudgetReached } from '../../agent/budget';
import { formatCount } from '../../core/report/words';
import type { AgentRound } from '../../core/state/agent-timeline';
import { AgentEditSource } from '../../agent/agent-edit-source';
import { AgentStats } from '../../agent/chat-model';
import type { DeviceProfileLike } from '../../agent/prompts/create-prompt';
import { ReviewingEditSource } from '../../agent/reviewing-edit-source';
import type { Constellation } from '../../core/model/constellation';
import type { EditSource } from '../../core/orchestrator/edit-source';
import { config } from '../config';
import type { EditReviews } from './edit-review';
import { selectModel } from './lm-model';

/** The agent steering one run: its edit source, the model's name and what it has used. */
export interface RunAgent {
  readonly source: EditSource;
  readonly model: string;
  readonly stats: AgentStats;
  /** What it may use; paused once spent, until the user gives it more. */
  readonly budget: AgentBudget;
}

/**
 * Gives a run its agent when the plan says what it is for (`request`), the agent is on, and a
 * model is available. Without a model the run goes ahead unsteered, and the user is told once.
 */
export class RunAgents {
  private toldNoModel = false;

  constructor(
    private readonly reviews: EditReviews,
    private readonly devices: () => readonly DeviceProfileLike[],
    private readonly log: vscode.LogOutputChannel,
    private readonly warn: (message: string) => void,
  ) {}

  /** `earlier`: the rounds of a resumed run, whose cost counts against its budget. */
  async forRun(constellation: Constellation, runName: () => string, earlier: readonly AgentRound[] = []): Promise<RunAgent | undefined> {
    const request = constellation.info.request;
    if (!request || !config.agentEnabled()) return undefined;
    let model;
    try {
      model = await selectModel();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(`run of '${constellation.info.name}' without the agent: ${message}`);
      if (!this.toldNoModel) this.warn(`The plan runs without the agent: ${message}`);
      this.toldNoModel = true;
      return undefined;
    }
    const stats = new AgentStats();
    for (const r of earlier) if (r.usage) stats.record(r.usage, r.usage.calls);
    const budget = new AgentBudget(config.agentBudget(), stats, (reached) => void this.askToGoOn(runName(), budget, reached));
    const agent = new AgentEditSource({
      model,
      request,
      devices: this.devices,
      stats,
      budget,
      onExchange: (x) => this.log.trace(`agent ${x.mode} round ${x.round ?? '-'} attempt ${x.attempt}: ${x.reply.text.length} chars back`),
    });
    const source = new ReviewingEditSource(agent, this.reviews.reviewerFor(runName), () => config.agentAutoAccept());
    this.log.info(`run of '${constellation.info.name}' is steered by ${model.name}${config.agentAutoAccept() ? ' (auto-accept)' : ''}`);
    return { source, model: model.name, stats, budget };
  }

  /** The budget is spent: the agent pauses, the run goes on, and the user decides whether it goes on with a new budget. */
  private async askToGoOn(runName: string, budget: AgentBudget, reached: BudgetReached): Promise<void> {
    const more = config.agentBudget();
    this.log.warn(`agent of '${runName}' paused: its budget of ${reached.what} is used up (${reached.calls} calls, ${reached.tokens} tokens); the run goes on unsteered`);
    const goOn = `Go On (+${[more.maxTokens ? `${formatCount(more.maxTokens)} tokens` : '', more.maxCalls ? `${more.maxCalls} calls` : ''].filter(Boolean).join(', ') || 'no limit'})`;
    const pick = await vscode.window.showWarningMessage(
      `The agent steering '${runName}' used its budget of ${reached.what} (${reached.calls} calls, ${formatCount(reached.tokens)} tokens) and is paused; the run goes on without it.`,
      goOn,
      'Keep Paused',
    );
    if (pick !== goOn) return;
    budget.extend(more);
    this.log.info(`agent of '${runName}' goes on with a new budget`);
  }
}
