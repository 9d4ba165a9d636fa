import type { EditProposal, EditRequest, EditSource } from '../core/orchestrator/edit-source';
import { readEditAnswer } from './answer';
import type { AgentBudget } from './budget';
import { AgentStats, answerForRepair, exchange, MAX_ECHO_CHARS, type ChatMessage, type ChatModel, type ExchangeListener } from './chat-model';
import { CHARS_PER_TOKEN_ESTIMATE, conversationAt, fitToModel, type Turn } from './prompt-fit';
import { DEFAULT_BUDGETS, type PromptBudgets } from './prompts/constellation-view';
import type { DeviceProfileLike } from './prompts/create-prompt';
import { buildEditMessages } from './prompts/edit-prompt';
import { buildEditRepairMessage } from './prompts/repair-prompt';

/** Options of {@link AgentEditSource}. */
export interface AgentEditSourceOptions {
  readonly model: ChatModel;
  /** The user's original request: what every decision is measured against. */
  readonly request: string;
  /** The devices edits may use, read at each round (devices come and go during a run). */
  readonly devices?: (() => readonly DeviceProfileLike[]) | undefined;
  readonly budgets?: Partial<PromptBudgets> | undefined;
  /** Every (messages, reply) pair, for journals and tests. It must not throw. */
  readonly onExchange?: ExchangeListener | undefined;
  /** Streamed answer text, for progress. */
  readonly onText?: ((chunk: string) => void) | undefined;
  /** Where calls and tokens are counted (a fresh one by default). */
  readonly stats?: AgentStats | undefined;
  /** The run's budget: once spent, rounds are skipped without a call. */
  readonly budget?: AgentBudget | undefined;
}


/** One round's conversation: its opening (rebuilt smaller when it must fit), and the repairs so far. */
interface RoundConversation {
  readonly round: number;
  attempt: number;
  readonly request: EditRequest;
  /** Opening messages by scale, each built once (the model sees the same opening on every repair). */
  readonly openings: Map<number, ChatMessage[]>;
  readonly turns: Turn[];
  /** The last answer as it stays in the conversation, until a repair request follows it. */
  lastAnswer?: string | undefined;
  /** A repair asked of a source that has not seen the round's earlier answer (a restart): the violations follow the opening. */
  readonly repairOnly?: string | undefined;
}

/**
 * The language-model agent in edit mode. Each round it shows the model the request and the
 * current constellation (results fenced and truncated) and returns the model's status and
 * batch. The core validates the batch; a rejection comes back as `request.rejected` and is
 * answered in the same conversation, so the model sees its own previous answer next to the
 * exact violations. Every request is counted with the model's tokenizer and cut until it fits
 * the model's input limit. An answer that cannot be read is reported as `unreadable` for the
 * core to send back within its repair budget; when the run's budget is spent the round is
 * `skipped` without a call; model errors and aborts propagate.
 */
export class AgentEditSource implements EditSource {
  readonly stats: AgentStats;
  private readonly budgets: PromptBudgets;
  private conversation: RoundConversation | undefined;

  constructor(private readonly options: AgentEditSourceOptions) {
    this.stats = options.stats ?? new AgentStats();
    const budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    const contextTokens = options.model.maxInputTokens;
    this.budgets = contextTokens ? { ...budgets, maxPromptChars: Math.min(budgets.maxPromptChars, contextTokens * CHARS_PER_TOKEN_ESTIMATE) } : budgets;
  }

  async propose(request: EditRequest): Promise<EditProposal> {
    const stop = this.options.budget?.stop();
    if (stop !== undefined) return { operations: [], skipped: stop };
    const conversation = this.conversationFor(request);
    const { model } = this.options;
    const { messages } = await fitToModel(model, (scale) => conversationAt(this.opening(conversation, scale), conversation.turns, scale), request.signal);
    const before = this.stats.snapshot();
    const reply = await exchange(model, messages, {
      signal: request.signal,
      stats: this.stats,
      describe: { mode: 'edit', round: request.round, attempt: conversation.attempt },
      onExchange: this.options.onExchange,
      onText: this.options.onText,
    });
    const after = this.stats.snapshot();
    const usage = { calls: after.calls - before.calls, inputTokens: after.inputTokens - before.inputTokens, outputTokens: after.outputTokens - before.outputTokens };
    const { echo, overlong } = answerForRepair(model, reply.text, MAX_ECHO_CHARS);
    conversation.lastAnswer = echo;
    if (overlong) return { operations: [], unreadable: overlong, usage };
    const answer = readEditAnswer(reply.text);
    if (!answer.ok) return { operations: [], unreadable: answer.message, usage };
    const { status, operations, reason } = answer.value;
    return { status, operations, reason, usage };
  }

  /** The round's opening messages at a scale: the prompt budgets shrink with it. */
  private opening(conversation: RoundConversation, scale: number): ChatMessage[] {
    let messages = conversation.openings.get(scale);
    if (!messages) {
      const b = this.budgets;
      const budgets: PromptBudgets =
        scale === 1
          ? b
          : {
              ...b,
              maxPromptChars: Math.floor(b.maxPromptChars * scale),
              maxResultChars: Math.max(20, Math.floor(b.maxResultChars * scale)),
              maxEarlierResultChars: Math.max(20, Math.floor(b.maxEarlierResultChars * scale)),
            };
      messages = buildEditMessages({ request: this.options.request, edit: conversation.request, devices: this.options.devices?.(), budgets });
      if (conversation.repairOnly !== undefined) messages.push({ role: 'user', content: conversation.repairOnly });
      conversation.openings.set(scale, messages);
    }
    return messages;
  }

  /** The round's conversation: new for a first attempt, extended with the violations for a repair. */
  private conversationFor(request: EditRequest): RoundConversation {
    const current = this.conversation;
    if (request.rejected && current?.round === request.round && current.lastAnswer !== undefined) {
      current.attempt++;
      current.turns.push({ answer: current.lastAnswer, followUp: buildEditRepairMessage(request.rejected) });
      current.lastAnswer = undefined;
      return current;
    }
    // A repair without the round's earlier answer (a new source, a restart): state the violations anyway.
    const repairOnly = request.rejected ? buildEditRepairMessage(request.rejected) : undefined;
    this.conversation = { round: request.round, attempt: request.rejected ? 1 : 0, request, openings: new Map(), turns: [], repairOnly };
    return this.conversation;
  }
}
