import { truncateMiddle } from './prompts/fence';

/**
 * The agent's only window on a language model. The extension backs it with `vscode.lm`;
 * tests back it with a scripted model. Nothing in `src/agent` knows which.
 */

/** One message of a conversation. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Tokens one call consumed, as the model reports them (or estimates them). */
export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The model's complete answer to one call. */
export interface ChatReply {
  readonly text: string;
  readonly usage: ChatUsage;
}

/** A language model the agent can talk to. */
export interface ChatModel {
  /** Shown to users, e.g. `copilot/gpt-4o`. */
  readonly name: string;
  /** The model's context window, when known; prompts are kept well below it. */
  readonly maxInputTokens?: number;
  /** The most the model answers in one call, when known: a longer answer is not a real one. */
  readonly maxOutputTokens?: number;
  /** Counts tokens of a text with the model's own tokenizer, when it has one (prompts are sized with it). */
  countTokens?(text: string, signal: AbortSignal): Promise<number>;
  /**
   * Sends the conversation; streams text through `onText` as it arrives; rejects with an
   * AbortError-like error when `signal` aborts.
   */
  send(messages: readonly ChatMessage[], signal: AbortSignal, onText?: (chunk: string) => void): Promise<ChatReply>;
}

/** An answer is read as at most this many characters a token of the model's output limit (generous). */
const CHARS_PER_OUTPUT_TOKEN = 8;
/** Without a known output limit, an answer longer than this is not read. */
const DEFAULT_MAX_ANSWER_CHARS = 256_000;
/** How much of a rejected answer is repeated back to the model in its repair round. */
export const MAX_ECHO_CHARS = 8_000;

/**
 * How an answer stays in the conversation for its repair round: cut from the middle to
 * `maxChars`, so a long answer is not sent back (and paid for) again; an answer longer than the
 * model can give is not an answer at all: `overlong` says so, and it is neither read nor repeated.
 */
export function answerForRepair(model: ChatModel, text: string, maxChars = MAX_ECHO_CHARS): { echo: string; overlong?: string } {
  const limit = model.maxOutputTokens ? model.maxOutputTokens * CHARS_PER_OUTPUT_TOKEN : DEFAULT_MAX_ANSWER_CHARS;
  if (text.length > limit) {
    return { echo: `(an answer of ${text.length} characters, not repeated here)`, overlong: `the answer was ${text.length} characters long, more than the ${limit} an answer can be; answer with one short JSON object` };
  }
  return { echo: truncateMiddle(text, maxChars) };
}

/** One call to the model and its answer, for journals, logs and tests. */
export interface ChatExchange {
  /** `create` (planning) or `edit` (a round of the run). */
  readonly mode: 'create' | 'edit';
  /** The edit round the call belongs to (`edit` only). */
  readonly round?: number | undefined;
  /** 0 for the first answer, then one more per repair. */
  readonly attempt: number;
  readonly messages: readonly ChatMessage[];
  readonly reply: ChatReply;
}

/** Receives every exchange. It runs inside the agent's call: it must not throw. */
export type ExchangeListener = (exchange: ChatExchange) => void;

/** Calls and tokens of one run (or one planning session), added up. */
export class AgentStats {
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  private readonly listeners = new Set<() => void>();

  /** Counts one completed call (or `calls` of them: the cost of a resumed run's earlier rounds). */
  record(usage: ChatUsage, calls = 1): void {
    this.calls += calls;
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    for (const l of this.listeners) l();
  }

  /** Calls `listener` after every call counted (views show the counts live); returns the unsubscriber. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get tokens(): number {
    return this.inputTokens + this.outputTokens;
  }

  /** A plain copy, for reports. */
  snapshot(): { calls: number; inputTokens: number; outputTokens: number } {
    return { calls: this.calls, inputTokens: this.inputTokens, outputTokens: this.outputTokens };
  }
}

/**
 * Sends `messages`, counts the call in `stats` and tells `onExchange`. Errors of the model
 * (including an abort) propagate untouched.
 */
export async function exchange(
  model: ChatModel,
  messages: readonly ChatMessage[],
  context: {
    readonly signal: AbortSignal;
    readonly stats: AgentStats;
    readonly describe: Omit<ChatExchange, 'messages' | 'reply'>;
    readonly onExchange?: ExchangeListener | undefined;
    readonly onText?: ((chunk: string) => void) | undefined;
  },
): Promise<ChatReply> {
  context.signal.throwIfAborted();
  // The caller keeps appending to its conversation: hand out a copy that stays as sent.
  const sent = [...messages];
  const reply = await model.send(sent, context.signal, context.onText);
  context.stats.record(reply.usage);
  context.onExchange?.({ ...context.describe, messages: sent, reply });
  return reply;
}
