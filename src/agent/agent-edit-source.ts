import type { EditProposal, EditRequest, EditSource } from '../core/orchestrator/edit-source';
import { readEditAnswer } from './answer';
import { AgentStats, answerForRepair, exchange, MAX_ECHO_CHARS, type ChatMessage, type ChatModel, type ExchangeListener } from './chat-model';
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
}

// A token is about four characters of English or JSON; three keeps a margin for the reply.
const CHARS_PER_INPUT_TOKEN = 3;

/**
 * The language-model agent in edit mode. Each round it shows the model the request and the
 * current constellation (results fenced and truncated) and returns the model's status and
 * batch. The core validates the batch; a rejection comes back as `request.rejected` and is
 * answered in the same conversation, so the model sees its own previous answer next to the
 * exact violations. An answer that cannot be read is reported as `unreadable` for the core to
 * send back within its repair budget; model errors and aborts propagate.
 */
export class AgentEditSource implements EditSource {
  readonly stats: AgentStats;
  private readonly budgets: PromptBudgets;
  private conversation: { round: number; attempt: number; messages: ChatMessage[] } | undefined;

  constructor(private readonly options: AgentEditSourceOptions) {
    this.stats = options.stats ?? new AgentStats();
    const budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    const contextTokens = options.model.maxInputTokens;
    this.budgets = contextTokens ? { ...budgets, maxPromptChars: Math.min(budgets.maxPromptChars, contextTokens * CHARS_PER_INPUT_TOKEN) } : budgets;
  }

  async propose(request: EditRequest): Promise<EditProposal> {
    const conversation = this.conversationFor(request);
    const reply = await exchange(this.options.model, conversation.messages, {
      signal: request.signal,
      stats: this.stats,
      describe: { mode: 'edit', round: request.round, attempt: conversation.attempt },
      onExchange: this.options.onExchange,
      onText: this.options.onText,
    });
    const { echo, overlong } = answerForRepair(this.options.model, reply.text, Math.min(MAX_ECHO_CHARS, Math.floor(this.budgets.maxPromptChars / 4)));
    conversation.messages.push({ role: 'assistant', content: echo });
    if (overlong) return { operations: [], unreadable: overlong };
    const answer = readEditAnswer(reply.text);
    if (!answer.ok) return { operations: [], unreadable: answer.message };
    const { status, operations, reason } = answer.value;
    return { status, operations, reason };
  }

  /** The round's conversation: new for a first attempt, extended with the violations for a repair. */
  private conversationFor(request: EditRequest): { round: number; attempt: number; messages: ChatMessage[] } {
    const current = this.conversation;
    if (request.rejected && current?.round === request.round) {
      current.attempt++;
      current.messages.push({ role: 'user', content: buildEditRepairMessage(request.rejected) });
      return current;
    }
    const messages = buildEditMessages({
      request: this.options.request,
      edit: request,
      devices: this.options.devices?.(),
      budgets: this.budgets,
    });
    // A repair without the round's earlier answer (a new source, a restart): state the violations anyway.
    if (request.rejected) messages.push({ role: 'user', content: buildEditRepairMessage(request.rejected) });
    this.conversation = { round: request.round, attempt: request.rejected ? 1 : 0, messages };
    return this.conversation;
  }
}
