import { planFromJson } from '../core/io/plan-file';
import type { Constellation } from '../core/model/constellation';
import { ConstellationError, InvalidInputError, formatProblems, type Problem } from '../core/model/errors';
import type { PlanFile } from '../core/model/schema';
import { extractJsonObject, type ReadResult } from './answer';
import { AgentStats, answerForRepair, exchange, type ChatMessage, type ChatModel, type ExchangeListener } from './chat-model';
import { buildCreateMessages, type DeviceProfileLike } from './prompts/create-prompt';
import { buildPlanRepairMessage } from './prompts/repair-prompt';
import { conversationAt, fitToModel, type Turn } from './prompt-fit';

/** Options of {@link createPlan}. */
export interface PlanOptions {
  /** The user's request, in their words. */
  readonly request: string;
  /** The devices the plan may use; every task's `device` must be one of them. */
  readonly devices: readonly DeviceProfileLike[];
  /** How many times an invalid plan is sent back with its errors (default 2). */
  readonly repairRounds?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Every (messages, reply) pair, for journals and tests. */
  readonly onExchange?: ExchangeListener | undefined;
  /** Streamed answer text, for progress. */
  readonly onText?: ((chunk: string) => void) | undefined;
  /** Where calls and tokens are counted (a fresh one by default). */
  readonly stats?: AgentStats | undefined;
}

/** A plan the model produced and the core accepted. */
export interface PlanResult {
  readonly constellation: Constellation;
  /** The plan as the model wrote it (with the request added), in the native format. */
  readonly planJson: PlanFile;
  /** Answers it took: 1 when the first one was valid. */
  readonly attempts: number;
  readonly stats: AgentStats;
}

/** The model gave no valid plan within the repair rounds; `problems` are those of its last answer. */
export class PlanningError extends ConstellationError {
  constructor(
    readonly problems: readonly Problem[],
    readonly attempts: number,
    /** The model's answers, each as it was kept (cut to a bound), for the user to read. */
    readonly answers: readonly string[] = [],
  ) {
    super('planning_failed', `no valid plan after ${attempts} answer(s):\n${formatProblems(problems)}`);
  }
}

// Run state belongs to the orchestrator: a new plan that claims finished tasks is wrong.
const STATE_FIELDS = ['status', 'result', 'error', 'attempts', 'assignedDevice', 'startedAt', 'endedAt'] as const;

function stateProblems(plan: Record<string, unknown>): Problem[] {
  if (!Array.isArray(plan.tasks)) return [];
  const problems: Problem[] = [];
  plan.tasks.forEach((t: unknown, i) => {
    if (typeof t !== 'object' || t === null) return;
    for (const field of STATE_FIELDS) {
      if (field in t) problems.push({ code: 'run_state', message: `'${field}' is run state, set by the orchestrator; leave it out`, path: `tasks[${i}].${field}` });
    }
  });
  if (plan.tasks.length === 0) problems.push({ code: 'empty_plan', message: 'the plan has no tasks', path: 'tasks' });
  return problems;
}

/** Checks a plan answer with the core's loader plus the planner's own rules. */
export function readPlanAnswer(text: string, request: string, devices: readonly DeviceProfileLike[]): ReadResult<{ constellation: Constellation; planJson: PlanFile }> {
  const extracted = extractJsonObject(text);
  if (!extracted.ok) return extracted;
  const planJson = { ...extracted.value };
  if (planJson.request === undefined) planJson.request = request.slice(0, 100_000);
  const early = stateProblems(planJson);
  const known = new Set(devices.map((d) => d.id));
  let problems: Problem[];
  try {
    const constellation = planFromJson(planJson, { devices: { hasDevice: (id) => known.has(id) } });
    if (early.length === 0) return { ok: true, value: { constellation, planJson: planJson as PlanFile } };
    problems = early;
  } catch (err) {
    if (!(err instanceof ConstellationError)) throw err;
    const listed = [...known].join(', ') || '(none)';
    const loader: Problem[] = err instanceof InvalidInputError ? [...err.problems] : [{ code: err.code, message: err.message }];
    problems = [...early, ...loader.map((p) => (p.code === 'unknown_device' ? { ...p, message: `${p.message}; the devices are: ${listed}` } : p))];
  }
  return { ok: false, problems, message: formatProblems(problems) };
}

/**
 * Asks the model for a plan and checks it with the core's plan loader (schema errors with
 * JSON paths, cycles, unknown tasks and devices, references). Any error is sent back, exactly,
 * for up to `repairRounds` more answers.
 *
 * @throws PlanningError when the last answer is still invalid; model errors and aborts propagate.
 */
export async function createPlan(model: ChatModel, options: PlanOptions): Promise<PlanResult> {
  const repairRounds = options.repairRounds ?? 2;
  const stats = options.stats ?? new AgentStats();
  const signal = options.signal ?? new AbortController().signal;
  const opening: ChatMessage[] = buildCreateMessages(options.request, options.devices);
  const turns: Turn[] = [];
  const answers: string[] = [];
  let problems: readonly Problem[] = [];
  for (let attempt = 0; attempt <= repairRounds; attempt++) {
    // The request and the devices are the user's: only the repair turns shrink to fit.
    const { messages } = await fitToModel(model, (scale) => conversationAt(opening, turns, scale), signal);
    const reply = await exchange(model, messages, { signal, stats, describe: { mode: 'create', attempt }, onExchange: options.onExchange, onText: options.onText });
    const { echo, overlong } = answerForRepair(model, reply.text);
    answers.push(echo);
    const read = overlong ? undefined : readPlanAnswer(reply.text, options.request, options.devices);
    if (read?.ok) return { ...read.value, attempts: attempt + 1, stats };
    problems = read ? read.problems : [{ code: 'answer_too_long', message: overlong! }];
    turns.push({ answer: echo, followUp: buildPlanRepairMessage(problems) });
  }
  throw new PlanningError(problems, repairRounds + 1, answers);
}
