import { z } from 'zod';
import { depthProblem, MAX_DOCUMENT_DEPTH, MAX_VALUE_DEPTH } from '../../../core/io/json-limits';
import { formatPath } from '../../../core/model/json-path';

/**
 * AIP, the device protocol of the reference (UFO³ Galaxy), as frames: one JSON text frame per
 * message, no version. Only `type` and `status` are required; the reference sends every other
 * field too, as `null` when unset, and ignores unknown keys, so the schemas here accept `null`
 * for every optional field and strip what they do not know. An unknown `type` or `status` is
 * refused. The facts are in the README's AIP section; this module only speaks them.
 */

/** Largest AIP frame read (the reference accepts 100 MiB; a task's result needs far less). */
export const MAX_AIP_FRAME_BYTES = 16 * 1024 * 1024;

export const AIP_STATUSES = ['continue', 'completed', 'failed', 'ok', 'error'] as const;
export type AipStatus = (typeof AIP_STATUSES)[number];
export const AIP_CLIENT_TYPES = ['device', 'constellation'] as const;

/** Types a client (Galaxy, a device client) sends; the last three are defined but unused by the reference's server. */
export const CLIENT_FRAME_TYPES = ['register', 'task', 'heartbeat', 'command_results', 'device_info_request', 'error', 'task_end', 'device_info_response'] as const;
/** Types the server sends; the last two are defined but never sent by the reference. */
export const SERVER_FRAME_TYPES = ['heartbeat', 'task_end', 'command', 'error', 'device_info_response', 'task', 'device_info_request'] as const;

const text = (max: number) => z.string().max(max).nullish();
const idText = z.string().min(1).max(400).nullish();
const status = z.enum(AIP_STATUSES);
const metadata = z.record(z.string(), z.unknown()).nullish();

/** A frame from a client to the server, as far as Constellation reads it. */
export const aipClientFrameSchema = z.object({
  type: z.enum(CLIENT_FRAME_TYPES),
  status,
  client_type: z.enum(AIP_CLIENT_TYPES).nullish(),
  session_id: idText,
  task_name: text(1000),
  client_id: idText,
  target_id: idText,
  /** Galaxy's task text: the description and tips. */
  request: text(1_000_000),
  action_results: z.unknown().optional(),
  timestamp: text(100),
  request_id: idText,
  prev_response_id: idText,
  error: text(100_000),
  metadata,
});
export type AipClientFrame = z.output<typeof aipClientFrameSchema>;

/** A frame from the server to a client, as far as Constellation reads it. */
export const aipServerFrameSchema = z.object({
  type: z.enum(SERVER_FRAME_TYPES),
  status,
  user_request: text(1_000_000),
  agent_name: text(400),
  process_name: text(400),
  root_name: text(400),
  actions: z.unknown().optional(),
  messages: z.unknown().optional(),
  error: text(100_000),
  session_id: idText,
  task_name: text(1000),
  timestamp: text(100),
  response_id: idText,
  result: z.unknown().optional(),
});
export type AipServerFrame = z.output<typeof aipServerFrameSchema>;

/** A decoded AIP frame, or what is wrong with it in one sentence. */
export type AipDecoded<T> = { readonly ok: true; readonly frame: T } | { readonly ok: false; readonly problem: string; readonly sessionId?: string | undefined };

function decode<T>(data: string | Buffer, isBinary: boolean, schema: z.ZodType<T>): AipDecoded<T> {
  if (isBinary) return { ok: false, problem: 'binary frames are not part of AIP; send JSON text' };
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (bytes > MAX_AIP_FRAME_BYTES) return { ok: false, problem: `the frame is ${bytes} bytes, more than the ${MAX_AIP_FRAME_BYTES} accepted` };
  let raw: unknown;
  try {
    raw = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    return { ok: false, problem: `the frame is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: 'an AIP frame is a JSON object with a "type" and a "status"' };
  const obj = raw as Record<string, unknown>;
  const sessionId = typeof obj.session_id === 'string' && obj.session_id.length <= 400 ? obj.session_id : undefined;
  const deep = depthProblem(obj.result, MAX_VALUE_DEPTH, ['result']) ?? depthProblem(obj, MAX_DOCUMENT_DEPTH);
  if (deep) return { ok: false, problem: `the frame is ${deep.message}`, sessionId };
  const parsed = schema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
    const type = typeof obj.type === 'string' ? `'${obj.type.slice(0, 60)}' ` : '';
    return { ok: false, problem: `invalid ${type}frame: ${where}${issue?.message ?? 'invalid'}`, sessionId };
  }
  return { ok: true, frame: parsed.data };
}

/** Reads a frame a client (Galaxy) sent. Never throws. */
export function decodeClientFrame(data: string | Buffer, isBinary = false): AipDecoded<AipClientFrame> {
  return decode(data, isBinary, aipClientFrameSchema);
}

/** Reads a frame a UFO agent server sent. Never throws. */
export function decodeServerFrame(data: string | Buffer, isBinary = false): AipDecoded<AipServerFrame> {
  return decode(data, isBinary, aipServerFrameSchema);
}

const CLIENT_KEYS = ['type', 'status', 'client_type', 'session_id', 'task_name', 'client_id', 'target_id', 'request', 'action_results', 'timestamp', 'request_id', 'prev_response_id', 'error', 'metadata'] as const;
const SERVER_KEYS = ['type', 'status', 'user_request', 'agent_name', 'process_name', 'root_name', 'actions', 'messages', 'error', 'session_id', 'task_name', 'timestamp', 'response_id', 'result'] as const;

type ClientFields = Partial<Record<(typeof CLIENT_KEYS)[number], unknown>> & { type: (typeof CLIENT_FRAME_TYPES)[number]; status: AipStatus };
type ServerFields = Partial<Record<(typeof SERVER_KEYS)[number], unknown>> & { type: (typeof SERVER_FRAME_TYPES)[number]; status: AipStatus };

/** ISO 8601 with `+00:00`, as the reference writes timestamps. */
export function aipTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

function encode(keys: readonly string[], fields: Record<string, unknown>): string {
  // Every key, `null` when unset: what the reference's own frames look like.
  const frame: Record<string, unknown> = {};
  for (const k of keys) frame[k] = fields[k] ?? null;
  if (frame.timestamp === null) frame.timestamp = aipTimestamp();
  return JSON.stringify(frame);
}

/** A frame as a client sends it (Constellation driving a UFO agent server). */
export function encodeClientFrame(fields: ClientFields): string {
  return encode(CLIENT_KEYS, fields);
}

/** A frame as the server sends it (Constellation's device serving Galaxy). */
export function encodeServerFrame(fields: ServerFields): string {
  return encode(SERVER_KEYS, fields);
}
