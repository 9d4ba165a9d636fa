import { MAX_ECHO_CHARS, type ChatMessage, type ChatModel } from './chat-model';
import { truncateMiddle } from './prompts/fence';

/**
 * Keeping every request under the model's input limit, counted with the model's own tokenizer.
 * A conversation is rebuilt at smaller scales (fewer and shorter results, shorter echoes of
 * earlier answers and of the violations sent back) until it fits; one that cannot fit is an
 * error, never a request the model would refuse.
 */

/** The share of the declared input limit a request may fill: message framing takes some of the rest. */
const INPUT_SHARE = 0.95;
/** Scales tried, from the full prompt down. */
export const FIT_SCALES: readonly number[] = [1, 0.5, 0.25, 0.12, 0.06];
/** Without the model's tokenizer, a token is taken as this many characters (a cautious estimate). */
export const CHARS_PER_TOKEN_ESTIMATE = 3;
/** The least an echo of an earlier answer is cut to (at full scale: `MAX_ECHO_CHARS`). */
const MIN_ECHO_CHARS = 300;
/** A message sent back after an answer (violations, problems) at full scale, and the least. */
const FOLLOW_UP_CHARS = 16_000;
const MIN_FOLLOW_UP_CHARS = 1_000;

/** The request does not fit in the model's input limit, however it is cut. */
export class PromptTooLargeError extends Error {
  constructor(
    readonly tokens: number,
    readonly limit: number,
    model: string,
  ) {
    super(`the request needs ${tokens.toLocaleString('en')} tokens even cut down, more than the ${limit.toLocaleString('en')} ${model} accepts`);
    this.name = 'PromptTooLargeError';
  }
}

/** One answer of the model in a conversation and what was said back to it. */
export interface Turn {
  /** The answer as it stays in the conversation (already bounded by `answerForRepair`). */
  readonly answer: string;
  readonly followUp: string;
}

/** A conversation that can be rebuilt smaller: its opening messages at a scale, then its turns. */
export function conversationAt(opening: readonly ChatMessage[], turns: readonly Turn[], scale: number): ChatMessage[] {
  const echo = Math.max(MIN_ECHO_CHARS, Math.floor(MAX_ECHO_CHARS * scale));
  const followUp = Math.max(MIN_FOLLOW_UP_CHARS, Math.floor(FOLLOW_UP_CHARS * scale));
  return [
    ...opening,
    ...turns.flatMap((t): ChatMessage[] => [
      { role: 'assistant', content: truncateMiddle(t.answer, echo) },
      { role: 'user', content: truncateMiddle(t.followUp, followUp) },
    ]),
  ];
}

/** Tokens of a request, by the model's tokenizer when it has one, else estimated from its length. */
export async function countRequest(model: ChatModel, messages: readonly ChatMessage[], signal: AbortSignal): Promise<number> {
  if (model.countTokens) {
    const counts = await Promise.all(messages.map((m) => model.countTokens!(m.content, signal)));
    return counts.reduce((a, b) => a + b, 0);
  }
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / CHARS_PER_TOKEN_ESTIMATE);
}

/** The largest of `build`'s conversations (by {@link FIT_SCALES}) that the model accepts. */
export async function fitToModel(
  model: ChatModel,
  build: (scale: number) => ChatMessage[],
  signal: AbortSignal,
): Promise<{ messages: ChatMessage[]; tokens?: number; scale: number }> {
  if (!model.maxInputTokens) return { messages: build(1), scale: 1 };
  const limit = Math.floor(model.maxInputTokens * INPUT_SHARE);
  let tokens = 0;
  for (const scale of FIT_SCALES) {
    const messages = build(scale);
    tokens = await countRequest(model, messages, signal);
    if (tokens <= limit) return { messages, tokens, scale };
  }
  throw new PromptTooLargeError(tokens, limit, model.name);
}
