import { z } from 'zod';
import { operationSchema } from '../core/editing/operations';
import { parseJsonText } from '../core/io/json-text';
import { InvalidInputError, type Problem } from '../core/model/errors';
import { formatPath } from '../core/model/json-path';
import type { EditProposal, EditRequest, EditSource } from '../core/orchestrator/edit-source';

const roundSchema = z.strictObject({
  /** The round fires when this task finishes (completed or failed for good). */
  after: z.string().min(1, { message: 'after must name a task' }),
  /** Simulated thinking time of the agent before it answers. */
  delayMs: z.number().int().min(0).max(3_600_000).optional(),
  status: z.enum(['continue', 'finish', 'fail']).optional(),
  /** Why the agent gives up, with `status: "fail"`. */
  reason: z.string().optional(),
  operations: z.array(operationSchema),
});

/** A file of scripted edits for `--edits`. */
export const editScriptSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  rounds: z.array(roundSchema),
});

export type EditScript = z.output<typeof editScriptSchema>;

/**
 * Parses and checks an edits file. `knownTasks` are the plan's task ids; a round may also wait
 * for a task that an earlier round adds.
 *
 * @throws InvalidInputError listing every problem with its JSON path.
 */
export function parseEditScript(text: string, source: string, knownTasks: ReadonlySet<string>): EditScript {
  const parsed = parseJsonText(text);
  if ('problem' in parsed) throw new InvalidInputError([parsed.problem], source);
  const result = editScriptSchema.safeParse(parsed.value);
  if (!result.success) {
    const problems = result.error.issues.map((i): Problem => ({ code: 'invalid_field', message: i.message, path: formatPath(i.path) }));
    throw new InvalidInputError(problems, source);
  }
  const script = result.data;
  const tasks = new Set(knownTasks);
  const problems: Problem[] = [];
  script.rounds.forEach((round, i) => {
    if (!tasks.has(round.after)) {
      problems.push({ code: 'unknown_task', message: `no task '${round.after}' in the plan or added by an earlier round`, path: `rounds[${i}].after` });
    }
    for (const op of round.operations) if (op.op === 'add_task') tasks.add(op.task.id);
  });
  if (problems.length > 0) throw new InvalidInputError(problems, source);
  return script;
}

/**
 * An {@link EditSource} that plays back a script: when a round's completions include a
 * scripted entry's `after` task, the entry's operations are returned (each entry once; entries
 * due together are merged); every other round gets an empty batch. A rejected batch is not
 * repaired: the script has said what it had to say.
 */
export class ScriptedEditSource implements EditSource {
  private readonly used = new Set<number>();

  constructor(private readonly script: EditScript) {}

  async propose(request: EditRequest): Promise<EditProposal | undefined> {
    if (request.rejected) return { operations: [] };
    const finished = new Set(request.completions.map((c) => c.taskId));
    const due: EditScript['rounds'] = [];
    this.script.rounds.forEach((round, i) => {
      if (this.used.has(i) || !finished.has(round.after)) return;
      this.used.add(i);
      due.push(round);
    });
    if (due.length === 0) return { operations: [] };
    const delayMs = Math.max(...due.map((r) => r.delayMs ?? 0));
    if (delayMs > 0 && !(await sleep(delayMs, request.signal))) return undefined;
    const status = due.some((r) => r.status === 'fail') ? 'fail' : due.some((r) => r.status === 'finish') ? 'finish' : 'continue';
    const reason = due.find((r) => r.reason !== undefined)?.reason;
    return { status, operations: due.flatMap((r) => r.operations), reason };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (the round timed out or the run ended). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
