import type { Problem } from '../model/errors';
import { locateJsonError } from './json-locate';
import { depthProblem, MAX_DOCUMENT_DEPTH, MAX_JSON_TEXT } from './json-limits';

/**
 * Parses JSON text; a syntax error becomes a {@link Problem} located by line and column. A UTF-8
 * byte-order mark (as some Windows editors save files) is not part of the text. Text over the
 * size limit and values nested deeper than the depth limit are problems too (./json-limits).
 */
export function parseJsonText(raw: string, limits: { maxChars?: number; maxDepth?: number } = {}): { value: unknown } | { problem: Problem } {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const maxChars = limits.maxChars ?? MAX_JSON_TEXT;
  if (text.length > maxChars) return { problem: { code: 'too_large', message: `${(text.length / 1048576).toFixed(1)} MiB of JSON; at most ${(maxChars / 1048576).toFixed(0)} MiB are accepted` } };
  try {
    const value = JSON.parse(text) as unknown;
    const deep = depthProblem(value, limits.maxDepth ?? MAX_DOCUMENT_DEPTH);
    return deep ? { problem: { code: 'too_deep', message: deep.message, path: deep.path } } : { value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(message);
    // Some of V8's messages carry no position: find it by scanning the text ourselves.
    const located = m ? { offset: Number(m[1]), reason: cleanReason(message) } : locateJsonError(text);
    if (!located) return { problem: { code: 'invalid_json', message: `not valid JSON: ${message}` } };
    const { line, column } = lineAndColumn(text, located.offset);
    return { problem: { code: 'invalid_json', message: `not valid JSON: ${located.reason}`, path: `line ${line}, column ${column}` } };
  }
}

function cleanReason(message: string): string {
  return message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
