import { z } from 'zod';
import { parseJsonText } from '../core/io/json-text';
import { formatProblems, type Problem } from '../core/model/errors';
import { formatPath } from '../core/model/json-path';
import { oneLine } from './prompts/fence';

/** The outcome of reading a model's answer: the value, or every problem found, formatted. */
export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly Problem[]; readonly message: string };

function failure(problems: readonly Problem[]): { ok: false; problems: readonly Problem[]; message: string } {
  return { ok: false, problems, message: formatProblems(problems) };
}

/** Where the JSON is in an answer: a ```json fence, the whole answer, or the outermost braces. */
function locateJson(text: string): { start: number; end: number } | undefined {
  const fences = [...text.matchAll(/^[ \t]*(`{3,}|~{3,})[ \t]*([^\n`]*)\n([\s\S]*?)\n[ \t]*\1[ \t]*$/gm)];
  const fenced = fences.find((m) => /^json\b/i.test(m[2]!.trim())) ?? fences.find((m) => m[3]!.trim().startsWith('{'));
  if (fenced) {
    const start = fenced.index + fenced[0].indexOf('\n') + 1;
    return { start, end: start + fenced[3]!.length };
  }
  // An answer that is nothing but JSON is taken whole, so a top-level array is reported as such.
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed)) {
    const start = text.indexOf(trimmed[0]!);
    return { start, end: start + trimmed.length };
  }
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  return first >= 0 && last > first ? { start: first, end: last + 1 } : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Finds the one JSON object in a model's answer: bare, or inside a ```json fence (prose
 * around it is tolerated). Syntax errors are located by line and column of the whole answer.
 */
export function extractJsonObject(text: string): ReadResult<Record<string, unknown>> {
  if (text.trim() === '') return failure([{ code: 'no_json', message: 'the answer is empty; expected one JSON object' }]);
  const at = locateJson(text);
  if (!at) {
    const began = oneLine(text, 80);
    return failure([{ code: 'no_json', message: `the answer contains no JSON object (expected one, bare or in a \`\`\`json fence); it began: "${began}"` }]);
  }
  // Blank out everything around the JSON, keeping line breaks, so positions stay those of the answer.
  const blanked = text.slice(0, at.start).replace(/[^\n]/g, ' ') + text.slice(at.start, at.end) + text.slice(at.end).replace(/[^\n]/g, ' ');
  const parsed = parseJsonText(blanked);
  if ('problem' in parsed) return failure([parsed.problem]);
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure([{ code: 'not_an_object', message: `expected a JSON object at the top level, found ${kindOf(value)}` }]);
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** The shape of an edit answer. Operations are checked by the core, not here. */
export const editAnswerSchema = z
  .object({
    status: z.enum(['continue', 'finish', 'fail'], { error: 'status must be "continue", "finish" or "fail"' }),
    reason: z
      .string({ error: 'reason must be a string' })
      .max(10_000)
      .nullish()
      .transform((r) => r ?? undefined),
    operations: z.array(z.unknown(), { error: 'operations must be an array' }).default([]),
  })
  .superRefine((a, ctx) => {
    if (a.status === 'fail' && !a.reason?.trim()) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a "fail" answer needs a reason' });
  });

/** A readable edit answer. */
export type EditAnswer = z.output<typeof editAnswerSchema>;

/** Reads an edit answer: JSON extraction, then its shape; problems carry JSON paths. */
export function readEditAnswer(text: string): ReadResult<EditAnswer> {
  const extracted = extractJsonObject(text);
  if (!extracted.ok) return extracted;
  const result = editAnswerSchema.safeParse(extracted.value);
  if (result.success) return { ok: true, value: result.data };
  return failure(result.error.issues.map((i): Problem => ({ code: 'invalid_field', message: i.message, path: formatPath(i.path) })));
}
