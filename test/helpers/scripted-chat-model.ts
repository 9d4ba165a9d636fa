import type { ChatMessage, ChatModel, ChatReply } from '../../src/agent/chat-model';
import { systemClock, type Clock } from '../../src/core/clock';

/** An answer: fixed text, or text computed from the conversation (and the call's index). */
export type ScriptedAnswer = string | ((messages: readonly ChatMessage[], call: number) => string);

/** A conversation the scripted model received, and what it answered. */
export interface ReceivedCall {
  readonly messages: readonly ChatMessage[];
  readonly answer: string;
}

/** Crude token count: a token per four characters. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface ScriptedModelOptions {
  /** Answers, in order. */
  readonly answers?: readonly ScriptedAnswer[];
  /** The answer once the queue is empty; without it, a call beyond the script fails. */
  readonly fallback?: ScriptedAnswer;
  readonly maxInputTokens?: number;
  /** The model's own tokenizer: given, the model offers `countTokens` with it. */
  readonly tokenizer?: (text: string) => number;
  /** How long each answer takes, on `clock` (default: answers at once). */
  readonly latencyMs?: number;
  readonly clock?: Clock;
}

/**
 * A ChatModel that answers from a script: a queue of answers, then a fallback. Records every
 * conversation it received, in order; honours the abort signal while it "thinks".
 */
export class ScriptedChatModel implements ChatModel {
  readonly name = 'scripted/test';
  readonly maxInputTokens?: number;
  readonly calls: ReceivedCall[] = [];
  private readonly queue: ScriptedAnswer[];

  constructor(private readonly options: ScriptedModelOptions = {}) {
    this.queue = [...(options.answers ?? [])];
    if (options.maxInputTokens !== undefined) this.maxInputTokens = options.maxInputTokens;
    const tokenizer = options.tokenizer;
    if (tokenizer) this.countTokens = (text: string) => Promise.resolve(tokenizer(text));
  }

  countTokens?: (text: string, signal: AbortSignal) => Promise<number>;

  /** The last user message of call `i` (negative counts from the end). */
  lastUserText(i = -1): string {
    const call = this.calls.at(i);
    const users = call?.messages.filter((m) => m.role === 'user') ?? [];
    return users.at(-1)?.content ?? '';
  }

  async send(messages: readonly ChatMessage[], signal: AbortSignal, onText?: (chunk: string) => void): Promise<ChatReply> {
    const latency = this.options.latencyMs ?? 0;
    if (latency > 0) await wait(this.options.clock ?? systemClock, latency, signal);
    signal.throwIfAborted();
    const next = this.queue.shift() ?? this.options.fallback;
    if (next === undefined) throw new Error(`the script has no answer for call ${this.calls.length + 1}`);
    const text = typeof next === 'string' ? next : next(messages, this.calls.length);
    this.calls.push({ messages: [...messages], answer: text });
    onText?.(text);
    const input = messages.reduce((n, m) => n + roughTokens(m.content), 0);
    return { text, usage: { inputTokens: input, outputTokens: roughTokens(text) } };
  }
}

function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      timer.cancel();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An edit answer as JSON text. */
export function editAnswer(status: 'continue' | 'finish' | 'fail', operations: unknown[] = [], reason?: string): string {
  return JSON.stringify(reason === undefined ? { status, operations } : { status, operations, reason });
}

/** Fenced blocks as a CommonMark reader sees them: closed only by a fence at least as long. */
export function fencedBlocks(text: string): { info: string; body: string }[] {
  const lines = text.split('\n');
  const blocks: { info: string; body: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})([^`]*)$/.exec(lines[i]!);
    if (!open) continue;
    const close = new RegExp(`^\`{${open[1]!.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) j++;
    blocks.push({ info: open[2]!, body: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return blocks;
}

/** The text of a prompt outside every fenced block. */
export function outsideFences(text: string): string {
  let out = text;
  for (const b of fencedBlocks(text)) out = out.replace(b.body, '');
  return out;
}

