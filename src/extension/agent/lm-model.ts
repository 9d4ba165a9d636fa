import * as vscode from 'vscode';
import type { ChatMessage, ChatModel, ChatReply } from '../../agent/chat-model';
import { UserFacingError } from '../commands/wrap';
import { config } from '../config';

/** Answers longer than this are not counted with the model's tokenizer, only estimated. */
const MAX_COUNTED_ANSWER_CHARS = 256_000;

const JUSTIFICATION = 'Constellation asks the model to plan tasks across your devices and to propose edits to the plan as results arrive.';

/** The agent's {@link ChatModel} over `vscode.lm`: cancellation, streaming and token counts. */
export class LmChatModel implements ChatModel {
  readonly name: string;
  readonly maxInputTokens: number;

  constructor(private readonly model: vscode.LanguageModelChat) {
    this.name = `${model.vendor}/${model.family}${model.version ? ` ${model.version}` : ''}`;
    this.maxInputTokens = model.maxInputTokens;
  }

  async countTokens(text: string, signal: AbortSignal): Promise<number> {
    const cts = new vscode.CancellationTokenSource();
    const abort = () => cts.cancel();
    signal.addEventListener('abort', abort);
    try {
      return await this.model.countTokens(text, cts.token);
    } finally {
      signal.removeEventListener('abort', abort);
      cts.dispose();
    }
  }

  async send(messages: readonly ChatMessage[], signal: AbortSignal, onText?: (chunk: string) => void): Promise<ChatReply> {
    const cts = new vscode.CancellationTokenSource();
    const abort = () => cts.cancel();
    signal.addEventListener('abort', abort);
    try {
      if (signal.aborted) throw abortError();
      // vscode.lm has no system role: the instructions go first, as a user message.
      const lm = messages.map((m) => (m.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(m.content) : vscode.LanguageModelChatMessage.User(m.content)));
      const response = await this.model.sendRequest(lm, { justification: JUSTIFICATION }, cts.token);
      let text = '';
      for await (const chunk of response.text) {
        text += chunk;
        onText?.(chunk);
      }
      if (signal.aborted) throw abortError();
      // An answer longer than any real one is not worth the tokenizer's time: it is estimated (and refused by the agent).
      const counted = text.length <= MAX_COUNTED_ANSWER_CHARS ? this.model.countTokens(text, cts.token) : Promise.resolve(Math.ceil(text.length / 4));
      const counts = await Promise.all([...messages.map((m) => this.model.countTokens(m.content, cts.token)), counted]);
      const outputTokens = counts.pop() ?? 0;
      return { text, usage: { inputTokens: counts.reduce((a, b) => a + b, 0), outputTokens } };
    } catch (err) {
      if (signal.aborted || err instanceof vscode.CancellationError) throw abortError();
      throw new Error(describeLmError(err, this.name), { cause: err });
    } finally {
      signal.removeEventListener('abort', abort);
      cts.dispose();
    }
  }
}

function abortError(): Error {
  const e = new Error('the request to the language model was cancelled');
  e.name = 'AbortError';
  return e;
}

/** `LanguageModelError` codes as sentences a user can act on. */
export function describeLmError(err: unknown, model: string): string {
  if (err instanceof vscode.LanguageModelError) {
    if (err.code === 'NoPermissions') return `Constellation may not use ${model}: allow it when VS Code asks, or choose another model (setting constellation.agent.vendor). (${err.message})`;
    if (err.code === 'Blocked') return `${model} refused the request (blocked, for example by a quota or a content filter): ${err.message}`;
    if (err.code === 'NotFound') return `${model} is no longer available: ${err.message}`;
    return `${model} failed (${err.code || 'unknown error'}): ${err.message}`;
  }
  return `${model} failed: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * The model the settings name (vendor, family), else the first available one. Throws a
 * message with a way forward when there is none; the rest of the extension works without one.
 */
export async function selectModel(): Promise<LmChatModel> {
  const vendor = config.agentVendor();
  const family = config.agentFamily();
  const selector: vscode.LanguageModelChatSelector = { ...(vendor ? { vendor } : {}), ...(family ? { family } : {}) };
  const models = await vscode.lm.selectChatModels(selector);
  const model = models[0];
  if (model) return new LmChatModel(model);
  const any = vendor || family ? await vscode.lm.selectChatModels() : [];
  const wanted = [vendor && `vendor '${vendor}'`, family && `family '${family}'`].filter(Boolean).join(' and ');
  throw new UserFacingError(
    wanted
      ? `No language model matches ${wanted} (settings constellation.agent.vendor/family).${any.length > 0 ? ` Available: ${any.map((m) => `${m.vendor}/${m.family}`).join(', ')}.` : ''}`
      : 'No language model is available. Install an extension that provides one (for example GitHub Copilot Chat) and sign in; plans still run without one, the agent just does not edit them.',
  );
}
