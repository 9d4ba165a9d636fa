/**
 * Prompt-injection hygiene: whatever a device produced (results, errors, output) reaches the
 * model only inside a fence its content cannot close, labelled as untrusted, and cut to a
 * budget.
 */

/** The info string every untrusted fence starts with; the system prompts explain it. */
export const UNTRUSTED_LABEL = 'untrusted-data';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cuts `text` to its first `max` characters (plus the marker), saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  // Never split a surrogate pair: half a character is not valid text.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}…[truncated ${text.length - end} chars]`;
}

/**
 * Cuts `text` to `max` characters (plus the marker) from its middle: device output tends to
 * say what it is at the start and how it ended at the end, so two thirds of the head and a
 * third of the tail are kept.
 */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = Math.ceil((Math.max(0, max) * 2) / 3);
  if (head > 0 && isHighSurrogate(text.charCodeAt(head - 1))) head--;
  let tailStart = text.length - (Math.max(0, max) - head);
  if (tailStart < text.length && isHighSurrogate(text.charCodeAt(tailStart - 1))) tailStart++;
  const tail = tailStart < text.length ? `…${text.slice(tailStart)}` : '';
  return `${text.slice(0, head)}…[truncated ${tailStart - head} chars]${tail}`;
}

/** A result or error as prompt text: strings as they are, anything else as compact JSON. */
export function asText(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  try {
    // Control characters go before JSON escapes them into visible text such as \u001b[31m.
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? stripControl(v) : v)) ?? `(${typeof value})`;
  } catch (err) {
    // A cyclic value: say so rather than fail the whole prompt.
    return `(a value that cannot be shown as JSON: ${err instanceof Error ? err.message : 'unknown error'})`;
  }
}

// ANSI escape sequences and other control characters waste budget and can hide text.
// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` without ANSI escape sequences (colours, cursor moves, titles) and other control characters; newlines and tabs stay. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return longest;
}

/**
 * Wraps device-produced text in a backtick fence longer than any backtick run inside it, so
 * nothing in the text can end the fence early. The text is cleaned of control characters and
 * cut to `maxChars` (from the middle) first.
 */
export function fenceUntrusted(text: string, maxChars: number, label = ''): string {
  const body = truncateMiddle(text.replace(CONTROL, ''), maxChars);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  const tag = label ? ` ${label.replace(/[`\s]+/g, '_')}` : '';
  return `${fence}${UNTRUSTED_LABEL}${tag}\n${body}\n${fence}`;
}

/** One line of free text (a task name, a condition) kept on its line and within `max` characters. */
export function oneLine(text: string, max: number): string {
  // Backticks become quotes, so a name can never open or close a fence.
  return truncate(text.replace(CONTROL, '').replace(/`/g, "'").replace(/\s+/g, ' ').trim(), max);
}
