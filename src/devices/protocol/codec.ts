import type { z } from 'zod';
import { depthProblem, MAX_DOCUMENT_DEPTH, MAX_VALUE_DEPTH } from '../../core/io/json-limits';
import { formatPath } from '../../core/model/json-path';
import type { ProtocolErrorCode } from './messages';

/** Why a frame was refused; sent back as an `error` message. */
export interface FrameProblem {
  readonly code: ProtocolErrorCode;
  readonly message: string;
  readonly requestId?: string | undefined;
}

/** A decoded frame, or what is wrong with it (and the frame's object, when it was one, so its attempt can be named). */
export type Decoded<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly problem: FrameProblem; readonly raw?: Readonly<Record<string, unknown>> | undefined };

/**
 * Decodes one WebSocket frame against a union of messages. Never throws: binary frames, bad
 * JSON, unknown types and schema mismatches become a {@link FrameProblem} naming what is wrong
 * (with the field path) and, when the frame had one, its `requestId`.
 */
export function decodeFrame<S extends z.ZodType>(data: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean, schema: S, knownTypes: ReadonlySet<string>): Decoded<z.output<S>> {
  if (isBinary) return fail('bad_frame', 'binary frames are not part of the protocol; send JSON text');
  const text = typeof data === 'string' ? data : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('bad_frame', `frame is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('bad_message', 'a frame must be a JSON object with a "type"');
  const obj = raw as Record<string, unknown>;
  // Deep nesting costs nothing to send and overflows whatever touches the value later.
  const deep = depthProblem(obj.result, MAX_VALUE_DEPTH, ['result']) ?? depthProblem(obj.inputs, MAX_VALUE_DEPTH, ['inputs']) ?? depthProblem(obj, MAX_DOCUMENT_DEPTH);
  if (deep) return { ...fail('bad_message', `invalid '${typeof obj.type === 'string' ? obj.type.slice(0, 100) : '?'}' message: ${deep.message}`, typeof obj.requestId === 'string' && obj.requestId.length <= 100 ? obj.requestId : undefined), raw: obj };
  const requestId = typeof obj.requestId === 'string' && obj.requestId.length <= 100 ? obj.requestId : undefined;
  if (typeof obj.type !== 'string') return fail('bad_message', 'the frame has no string "type"', requestId);
  if (!knownTypes.has(obj.type)) return fail('unknown_type', `unknown message type '${obj.type.slice(0, 100)}'`, requestId);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
    return { ...fail('bad_message', `invalid '${obj.type}' message: ${where}${issue?.message ?? 'invalid'}`, requestId), raw: obj };
  }
  return { ok: true, message: parsed.data };
}

function fail(code: ProtocolErrorCode, message: string, requestId?: string): { ok: false; problem: FrameProblem } {
  return { ok: false, problem: { code, message, requestId } };
}
