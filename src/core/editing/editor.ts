import type { Constellation } from '../model/constellation';
import { applyOperation, isPendingTask, type AppliedOperation, type DeviceCatalog } from './apply-operation';
import { MAX_BATCH_SIZE, parseBatch, type Operation, type OperationInput } from './operations';
import { hasReferences } from '../expr/references';
import { checkTaskReferences } from './reference-check';
import { violation, type Violation } from './violations';
import type { Task } from '../model/types';

/** What an applied batch changed; carried by `constellation_modified`. */
export interface EditDiff {
  readonly operations: readonly Operation[];
  readonly addedTasks: readonly string[];
  readonly removedTasks: readonly string[];
  readonly updatedTasks: readonly string[];
  readonly addedDependencies: readonly string[];
  readonly removedDependencies: readonly string[];
  readonly updatedDependencies: readonly string[];
  /** Tasks whose incoming edges or definition changed: readiness must be re-derived. */
  readonly touchedTasks: readonly string[];
}

export type EditResult =
  | { readonly ok: true; readonly diff: EditDiff; readonly inverse: readonly OperationInput[] }
  | { readonly ok: false; readonly violations: readonly Violation[] };

export interface EditorOptions {
  readonly devices?: DeviceCatalog | undefined;
  /** Undo history depth. */
  readonly historyLimit?: number;
  /** Largest batch accepted. */
  readonly maxBatchSize?: number;
  readonly isModifiable?: (task: Task) => boolean;
}

interface HistoryEntry {
  readonly forward: readonly OperationInput[];
  readonly inverse: readonly OperationInput[];
}

/**
 * Applies edit batches atomically: every operation is validated and applied in order on the
 * live graph with an undo log, then the invariants that span the batch are checked; if
 * anything is wrong, the log is rolled back (all in one synchronous step, so no observer ever
 * sees a half-applied batch) and every violation is reported with its operation index.
 */
export class ConstellationEditor {
  private readonly undoStack: HistoryEntry[] = [];
  private readonly redoStack: HistoryEntry[] = [];
  private readonly historyLimit: number;
  private readonly maxBatchSize: number;
  private readonly isModifiable: (task: Task) => boolean;
  private readonly tasksWithReferences = new Set<string>();

  constructor(
    readonly constellation: Constellation,
    private readonly options: EditorOptions = {},
  ) {
    this.historyLimit = options.historyLimit ?? 100;
    this.maxBatchSize = options.maxBatchSize ?? MAX_BATCH_SIZE;
    this.isModifiable = options.isModifiable ?? isPendingTask;
    for (const task of constellation.tasks()) this.indexReferences(task);
  }

  /** Checks a batch from outside (not yet read) without changing anything. */
  validate(batch: unknown): readonly Violation[] {
    const parsed = parseBatch(batch, this.maxBatchSize);
    if (!parsed.ok) return parsed.violations;
    const result = this.run(parsed.operations, false);
    return result.ok ? [] : result.violations;
  }

  /** Reads a batch from outside, then applies it as {@link ConstellationEditor.apply} does. */
  applyInput(batch: unknown): EditResult {
    const parsed = parseBatch(batch, this.maxBatchSize);
    return parsed.ok ? this.apply(parsed.operations) : { ok: false, violations: parsed.violations };
  }

  /** Applies a batch all-or-nothing; on success it becomes undoable. */
  apply(operations: readonly Operation[]): EditResult {
    if (operations.length > this.maxBatchSize) return { ok: false, violations: [violation('batch_too_large', -1, `a batch holds at most ${this.maxBatchSize} operations, got ${operations.length}`)] };
    const result = this.run(operations, true);
    if (result.ok) {
      this.undoStack.push({ forward: result.diff.operations, inverse: result.inverse });
      if (this.undoStack.length > this.historyLimit) this.undoStack.shift();
      this.redoStack.length = 0;
    }
    return result;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Reverts the last applied batch, if it is still valid to do so (its tasks not started). */
  undo(): EditResult | undefined {
    const entry = this.undoStack.at(-1);
    if (!entry) return undefined;
    const result = this.runInput(entry.inverse);
    if (result.ok) {
      this.undoStack.pop();
      this.redoStack.push(entry);
    }
    return result;
  }

  redo(): EditResult | undefined {
    const entry = this.redoStack.at(-1);
    if (!entry) return undefined;
    const result = this.runInput(entry.forward);
    if (result.ok) {
      this.redoStack.pop();
      this.undoStack.push({ forward: entry.forward, inverse: result.inverse });
    }
    return result;
  }

  /** Undo and redo replay operations the editor wrote itself; they are read like any other. */
  private runInput(batch: readonly OperationInput[]): EditResult {
    const parsed = parseBatch(batch, Number.POSITIVE_INFINITY);
    return parsed.ok ? this.run(parsed.operations, true) : { ok: false, violations: parsed.violations };
  }

  private run(parsed: readonly Operation[], commit: boolean): EditResult {
    const ctx = { constellation: this.constellation, devices: this.options.devices, isModifiable: this.isModifiable };
    const applied: AppliedOperation[] = [];
    const violations: Violation[] = [];
    const lastTouch = new Map<string, number>();
    let removalIndex = -1;
    parsed.forEach((op, i) => {
      const outcome = applyOperation(ctx, op, i);
      if ('opIndex' in outcome) {
        violations.push(outcome);
        return;
      }
      applied.push(outcome);
      if (outcome.kind === 'removed_task' || outcome.kind === 'removed_dependency') removalIndex = i;
      for (const id of outcome.touchedTasks) lastTouch.set(id, i);
      if (outcome.kind === 'added_task' || outcome.kind === 'updated_task') lastTouch.set(outcome.id, i);
    });
    violations.push(...this.checkReferences(lastTouch, removalIndex));

    if (violations.length > 0 || !commit) {
      for (let k = applied.length - 1; k >= 0; k--) applied[k]!.undo();
      return violations.length > 0 ? { ok: false, violations: sortByIndex(violations) } : { ok: true, diff: diffOf(parsed, applied), inverse: inverseOf(applied) };
    }
    for (const a of applied) {
      if (a.kind === 'removed_task') this.tasksWithReferences.delete(a.id);
      else if (a.kind === 'added_task' || a.kind === 'updated_task') this.indexReferences(this.constellation.task(a.id));
    }
    return { ok: true, diff: diffOf(parsed, applied), inverse: inverseOf(applied) };
  }

  /**
   * Re-checks data references of tasks the batch touched and, when it removed edges or tasks,
   * of every task that has references (a removal can disconnect an ancestor).
   */
  private checkReferences(lastTouch: Map<string, number>, removalIndex: number): Violation[] {
    const c = this.constellation;
    const toCheck = new Map<string, number>();
    for (const [id, i] of lastTouch) if (c.hasTask(id)) toCheck.set(id, i);
    if (removalIndex >= 0) {
      for (const id of this.tasksWithReferences) if (c.hasTask(id) && !toCheck.has(id)) toCheck.set(id, removalIndex);
    }
    const out: Violation[] = [];
    for (const [id, i] of toCheck) {
      const task = c.task(id);
      if (!this.isModifiable(task)) continue;
      out.push(...checkTaskReferences(c, task, i));
    }
    return out;
  }

  /** Malformed references count too: such a task stays under watch so the problem is reported again. */
  private indexReferences(task: Task): void {
    if (hasReferences(task)) this.tasksWithReferences.add(task.id);
    else this.tasksWithReferences.delete(task.id);
  }
}

function sortByIndex(v: Violation[]): Violation[] {
  return v.sort((a, b) => a.opIndex - b.opIndex);
}

function inverseOf(applied: readonly AppliedOperation[]): OperationInput[] {
  const out: OperationInput[] = [];
  for (let k = applied.length - 1; k >= 0; k--) out.push(...applied[k]!.inverse);
  return out;
}

function diffOf(ops: readonly Operation[], applied: readonly AppliedOperation[]): EditDiff {
  const pick = (kind: AppliedOperation['kind']) => applied.filter((a) => a.kind === kind).map((a) => a.id);
  const touched = new Set<string>();
  for (const a of applied) for (const t of a.touchedTasks) touched.add(t);
  return {
    operations: ops,
    addedTasks: pick('added_task'),
    removedTasks: pick('removed_task'),
    updatedTasks: pick('updated_task'),
    addedDependencies: pick('added_dependency'),
    removedDependencies: pick('removed_dependency'),
    updatedDependencies: pick('updated_dependency'),
    touchedTasks: [...touched],
  };
}
