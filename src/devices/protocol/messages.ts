import { z } from 'zod';

/** The protocol version both ends must speak. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either end accepts; bigger frames close the socket with 1009. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Output is sent in chunks of at most this many characters. */
export const MAX_OUTPUT_CHUNK = 64 * 1024;

const id = z.string().min(1).max(400);
const requestId = z.string().min(1).max(100);
const attempt = z.number().int().min(1).max(1_000_000);
const taskError = z.strictObject({ code: z.string().min(1).max(100), message: z.string().max(100_000) });

/** What a device says about itself at `welcome`. */
export const deviceProfileSchema = z.strictObject({
  id,
  os: z.string().max(100),
  arch: z.string().max(100),
  hostname: z.string().max(300),
  capabilities: z.array(z.string().min(1).max(100)).max(200),
  concurrency: z.number().int().min(1).max(1024),
  version: z.string().max(100),
  metadata: z.record(z.string(), z.string().max(1000)).optional(),
});
export type DeviceProfile = z.output<typeof deviceProfileSchema>;

/** A task the device still holds when an orchestrator (re)connects. */
export const heldTaskSchema = z.strictObject({ runId: id, taskId: id, attempt, state: z.enum(['running', 'finished']) });
export type HeldTask = z.output<typeof heldTaskSchema>;

export const helloSchema = z.strictObject({
  type: z.literal('hello'),
  protocol: z.number().int(),
  requestId,
  /** Identifies the orchestrator process, so a device can tell a reconnect from a newcomer. */
  orchestratorId: z.string().min(1).max(200),
});

export const welcomeSchema = z.strictObject({
  type: z.literal('welcome'),
  protocol: z.literal(PROTOCOL_VERSION),
  requestId,
  device: deviceProfileSchema,
  held: z.array(heldTaskSchema).max(10_000),
});

export const taskSchema = z.strictObject({
  type: z.literal('task'),
  requestId,
  /** With `taskId` and `attempt`, names one attempt: the same task id in another run is another task. */
  runId: id,
  taskId: id,
  attempt,
  name: z.string().max(1000),
  description: z.string().max(100_000),
  tips: z.array(z.string().max(10_000)).max(100),
  inputs: z.unknown().optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export const taskAcceptedSchema = z.strictObject({ type: z.literal('task_accepted'), requestId, runId: id, taskId: id, attempt });

export const taskOutputSchema = z.strictObject({
  type: z.literal('task_output'),
  runId: id,
  taskId: id,
  attempt,
  stream: z.enum(['stdout', 'stderr', 'log']),
  data: z.string().max(MAX_OUTPUT_CHUNK),
  chunk: z.number().int().min(0),
});

export const taskResultSchema = z.strictObject({
  type: z.literal('task_result'),
  /** The `requestId` of the `task` message this answers. */
  requestId,
  runId: id,
  taskId: id,
  attempt,
  status: z.enum(['completed', 'failed', 'cancelled']),
  result: z.unknown().optional(),
  error: taskError.optional(),
  reason: z.string().max(10_000).optional(),
  durationMs: z.number().min(0),
});

export const cancelSchema = z.strictObject({ type: z.literal('cancel'), requestId, runId: id, taskId: id, attempt, reason: z.string().max(10_000).optional() });
export const inputSchema = z.strictObject({ type: z.literal('input'), requestId, runId: id, taskId: id, attempt, data: z.string().max(1024 * 1024) });
export const pingSchema = z.strictObject({ type: z.literal('ping'), requestId });
export const pongSchema = z.strictObject({ type: z.literal('pong'), requestId });
export const errorSchema = z.strictObject({
  type: z.literal('error'),
  code: z.string().min(1).max(100),
  message: z.string().max(10_000),
  requestId: requestId.optional(),
});

/** Frames an orchestrator sends. */
export const toDeviceSchema = z.discriminatedUnion('type', [helloSchema, taskSchema, cancelSchema, inputSchema, pingSchema, pongSchema, errorSchema]);
/** Frames a device sends. */
export const fromDeviceSchema = z.discriminatedUnion('type', [welcomeSchema, taskAcceptedSchema, taskOutputSchema, taskResultSchema, pingSchema, pongSchema, errorSchema]);

export const TO_DEVICE_TYPES: ReadonlySet<string> = new Set(['hello', 'task', 'cancel', 'input', 'ping', 'pong', 'error']);
export const FROM_DEVICE_TYPES: ReadonlySet<string> = new Set(['welcome', 'task_accepted', 'task_output', 'task_result', 'ping', 'pong', 'error']);

export type ToDevice = z.output<typeof toDeviceSchema>;
export type FromDevice = z.output<typeof fromDeviceSchema>;
export type TaskMessage = z.output<typeof taskSchema>;
export type TaskResultMessage = z.output<typeof taskResultSchema>;

/** Error codes of the protocol's `error` message. */
export type ProtocolErrorCode = 'bad_frame' | 'bad_message' | 'unknown_type' | 'protocol_version' | 'not_ready' | 'unknown_task' | 'duplicate_task' | 'busy';
