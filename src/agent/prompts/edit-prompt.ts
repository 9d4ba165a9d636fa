import type { EditRequest } from '../../core/orchestrator/edit-source';
import type { ChatMessage } from '../chat-model';
import { describeConstellation, describeDecisions, detailLevels, type Detail, type PromptBudgets } from './constellation-view';
import { describeDevices, type DeviceProfileLike } from './create-prompt';
import { describeOutcome } from './outcome-text';
import { DEPENDENCY_TYPES_TEXT, OPERATIONS_TEXT, REFERENCES_TEXT, TASK_FIELDS, UNTRUSTED_TEXT } from './plan-format';

/** However crowded the round, each new result keeps this much. */
const MIN_RESULT_CHARS = 20;

/** The system prompt of edit mode: what to decide, the answer shape, the operations, the rules. */
export const EDIT_SYSTEM_PROMPT = `You steer a running Constellation: a DAG of tasks the orchestrator runs on the user's devices. When tasks finish you see the current state and decide whether the rest of the plan still serves the request.
Answer with one JSON object only, no prose: {"status": "continue" | "finish" | "fail", "reason": "why", "operations": [...]}
- "continue" with "operations": [] is the usual answer: the plan still fits.
- "continue" with operations changes tasks that have not started: add a task to recover from a failure, move work to another device, drop work no longer needed, decide conditional dependencies.
- "finish": the request is fully done. Only allowed when no task is pending, ready or running.
- "fail": the request cannot be achieved; the run is cancelled with your "reason" (required).
${OPERATIONS_TEXT}
${TASK_FIELDS}
${DEPENDENCY_TYPES_TEXT}
${REFERENCES_TEXT}
Rules: only editable tasks (pending or ready) may be updated, removed or re-assigned, and only dependencies into editable or new tasks added, changed or removed; running and finished tasks are read-only. Devices come from the device list. No cycles. Task ids stay unique.
${UNTRUSTED_TEXT}`;

/** What the edit prompt is built from. */
export interface EditPromptInput {
  /** The user's original request. */
  readonly request: string;
  readonly edit: Pick<EditRequest, 'round' | 'completions' | 'constellation' | 'decisionsNeeded' | 'previous'>;
  /** The devices edits may use; when absent, the devices the plan already uses are listed. */
  readonly devices?: readonly DeviceProfileLike[] | undefined;
  readonly budgets: PromptBudgets;
}

function devicesSection(input: EditPromptInput): string {
  if (input.devices) return `Devices:\n${describeDevices(input.devices)}`;
  const used = new Set<string>();
  for (const t of input.edit.constellation.tasks()) {
    const d = t.device ?? t.assignedDevice;
    if (d) used.add(d);
  }
  return `Devices in use (no other device is known): ${[...used].sort().join(', ') || '(none)'}`;
}

/**
 * The first messages of an edit round. The constellation is shown in as much detail as fits
 * in `budgets.maxPromptChars`: results of earlier rounds go first, then finished tasks nothing
 * waits on are summarised, then the new results are cut shorter, down to an equal share each
 * of the room that is left.
 */
export function buildEditMessages(input: EditPromptInput): ChatMessage[] {
  const { edit, budgets } = input;
  const previous = describeOutcome(edit.previous);
  const head = `Request:\n${input.request.trim()}\n\n${devicesSection(input)}\n\nRound ${edit.round}.${previous ? `\n\n${previous}` : ''}`;
  const decisions = describeDecisions(edit.decisionsNeeded, budgets);
  const tail = 'Answer with one JSON object.';
  const render = (detail: Detail) => [head, describeConstellation(edit.constellation, edit.completions, budgets, detail), decisions, tail].filter(Boolean).join('\n\n');
  const room = budgets.maxPromptChars - EDIT_SYSTEM_PROMPT.length;
  const levels = detailLevels(budgets);
  let user = '';
  for (const detail of levels) {
    user = render(detail);
    if (user.length <= room) break;
  }
  const last = levels[levels.length - 1]!;
  if (user.length > room && edit.completions.length > 0) {
    // Many completions in one round: share what is left equally among their results.
    const n = edit.completions.length;
    let share = Math.floor((room - render({ ...last, resultChars: 0 }).length) / n);
    // Truncation markers vary by a character or two, so correct the share if it still overflows.
    for (let i = 0; i < 3 && share < last.resultChars; i++) {
      const chars = Math.max(MIN_RESULT_CHARS, share);
      user = render({ ...last, resultChars: chars });
      if (user.length <= room || chars === MIN_RESULT_CHARS) break;
      share -= Math.ceil((user.length - room) / n);
    }
  }
  return [
    { role: 'system', content: EDIT_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}
