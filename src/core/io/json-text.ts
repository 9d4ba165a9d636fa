import type { Problem } from '../model/errors';
import { locateJsonError } from './json-locate';

/**
 * Parses JSON text; a syntax error becomes a {@link Problem} located by line and column. A UTF-8
 * byte-order mark (as some Windows editors save files) is not part of the text.
 */
export function parseJsonText(raw: string): { value: unknown } | { problem: Problem } {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  try {
    return { value: JSON.parse(text) as unknown };
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
