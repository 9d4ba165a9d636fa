import type { ConstellationEditor, EditResult } from '../editing/editor';
import type { Operation } from '../editing/operations';
import { hasReferences } from '../expr/references';
import type { Constellation } from '../model/constellation';
import { computeRanks } from '../scheduling/ranks';
import type { EditHost } from './edit-rounds';
import type { RunContext } from './run-context';
import type { EditOutcome } from './edit-source';
import { outcomeOfRound, type AgentRound } from '../state/agent-timeline';

/**
 * Where edits meet a running schedule: applies a batch through the editor, then brings
 * readiness, ranks, queues and per-task runtimes in line with it, then announces it
 * (`constellation_modified`). Also what the edit rounds need from the run.
 */
export class RunEdits {
  constructor(
    private readonly run: RunContext,
    private readonly editor: ConstellationEditor,
  ) {}

  /** Applies a batch (all or nothing) and adjusts the schedule; `source` says who asked. */
  apply(operations: readonly Operation[], source: string, triggeredBy: readonly string[] = [], round?: number): EditResult {
    const result = this.editor.apply(operations);
    if (result.ok) this.modified(result, triggeredBy, source, round);
    return result;
  }

  undo(): EditResult | undefined {
    const result = this.editor.undo();
    if (result?.ok) this.modified(result, [], 'undo');
    return result;
  }

  redo(): EditResult | undefined {
    const result = this.editor.redo();
    if (result?.ok) this.modified(result, [], 'redo');
    return result;
  }

  /** Brings scheduling in line with an applied batch, then announces it. */
  private modified(result: Extract<EditResult, { ok: true }>, triggeredBy: readonly string[], source: string, round?: number): void {
    const { run } = this;
    const { diff } = result;
    const c: Constellation = run.constellation;
    const { scheduling } = run;
    run.metrics.editsApplied++;
    for (const id of diff.removedDependencies) scheduling.readiness.forgetDependency(id);
    for (const id of diff.removedTasks) {
      const rt = run.runtime(id);
      if (rt) run.attempts.stopTimers(rt);
      run.runtimes.delete(id);
      scheduling.forget(id);
    }
    run.ranks = computeRanks(c);
    for (const slot of run.devices.list()) slot.queue.heapify();
    for (const id of diff.addedTasks) run.track(c.task(id));
    for (const id of diff.updatedTasks) {
      const rt = run.runtime(id);
      if (rt) rt.hasReferences = hasReferences(c.task(id));
    }
    run.emit('constellation_modified', { diff, triggeredBy, source, round });
    for (const id of new Set([...diff.touchedTasks, ...diff.addedTasks, ...diff.updatedTasks])) {
      const task = c.tryTask(id);
      if (!task) continue;
      // Its device or priority may have changed: queued again from scratch.
      if (diff.updatedTasks.includes(id) && scheduling.isReadied(id)) scheduling.unready(task, 'the task was edited');
      scheduling.apply(id, scheduling.readiness.recount(id));
    }
    if (run.started) run.lifecycle.afterChange();
  }

  /** What the edit rounds need from the run. */
  host(): EditHost {
    const { run } = this;
    return {
      constellation: run.constellation,
      events: run.events,
      clock: run.clock,
      validate: (ops) => this.editor.validate(ops),
      apply: (ops, triggeredBy, round) => this.apply(ops, 'agent', triggeredBy, round),
      noteRejected: () => run.metrics.editsRejected++,
      hasUnfinishedTasks: () => {
        const n = run.constellation.statusCounts();
        return n.pending + n.ready + n.running > 0;
      },
      failRun: (reason) => run.lifecycle.cancelRun({ code: 'agent_failed', message: `the agent ended the run: ${reason}` }),
      roundEnded: (triggers) => {
        if (run.isEnded) return;
        for (const t of triggers) if (run.constellation.hasTask(t)) run.scheduling.settle(t);
        run.scheduling.releaseHeld();
        run.lifecycle.afterChange();
      },
      isEnded: () => run.isEnded,
      lastRound: run.state.agent.at(-1)?.round ?? 0,
      lastOutcome: lastOutcomeOf(run.state.agent),
    };
  }
}

/** What became of the last round of a timeline that ended as an edit (resume). */
function lastOutcomeOf(timeline: readonly AgentRound[]): EditOutcome | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const o = outcomeOfRound(timeline[i]!);
    if (o) return o;
  }
  return undefined;
}
