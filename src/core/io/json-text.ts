import type { Problem } from '../model/errors';

/** Parses JSON text; a syntax error becomes a {@link Problem} located by line and column. */
export function parseJsonText(text: string): { value: unknown } | { problem: Problem } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(message);
    if (!m) return { problem: { code: 'invalid_json', message: `not valid JSON: ${message}` } };
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    const reason = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    return { problem: { code: 'invalid_json', message: `not valid JSON: ${reason}`, path: `line ${line}, column ${column}` } };
  }
}
