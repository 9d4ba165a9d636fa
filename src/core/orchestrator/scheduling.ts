import type { Task } from '../model/types';
import { readyKey, runsBefore } from '../scheduling/ready-order';
import { Readiness, type SkipVerdict, type Verdict } from '../scheduling/readiness';
import { Placer, canRun } from './assignment';
import type { DeviceSlot } from './device-pool';
import type { RunContext, TaskRuntime } from './run-context';

const READY: Verdict = { kind: 'ready' };

/**
 * From readiness to dispatch: acts on the verdicts of a task's incoming edges (ready, waiting,
 * skipped), settles the dependants of finished tasks, places ready tasks on device queues
 * (ordered by priority, critical path, dependants, id) and hands them to free devices in the
 * same turn as the event that made them ready. Tasks held by the edit lock wait beside the
 * queues until the round ends.
 */
export class Scheduling {
  readonly readiness: Readiness;
  private readonly placer: Placer;
  private readonly held: Task[] = [];
  private unannounced: Task[] = [];
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly run: RunContext) {
    this.readiness = new Readiness(run.constellation, (up) => run.edits?.awaitsDecision(up) ?? false);
    this.placer = new Placer(run.settings.strategy);
  }

  /** True from the moment a task is readied until it starts or waits again. */
  isReadied(taskId: string): boolean {
    const rt = this.run.runtime(taskId);
    return rt !== undefined && this.run.placements.isReadied(rt);
  }

  /** Acts on a verdict for a task that has not started. */
  apply(taskId: string, verdict: Verdict): void {
    const task = this.run.constellation.tryTask(taskId);
    if (!task || (task.status !== 'pending' && task.status !== 'ready')) return;
    if (verdict.kind === 'skip') {
      this.skip(task, verdict);
      this.settle(taskId);
    } else if (verdict.kind === 'ready') {
      const rt = this.run.runtime(taskId);
      if (rt && !this.run.placements.isReadied(rt) && !rt.retry) this.becomeReady(task, rt);
    } else if (this.isReadied(taskId)) this.unready(task, 'a dependency is not satisfied yet');
  }

  /** A readied task waits again; observers hear of it if they heard it was ready. */
  unready(task: Task, reason: string): void {
    this.dequeue(task);
    const rt = this.run.runtime(task.id);
    if (rt?.announced) {
      rt.announced = false;
      this.run.emit('task_waiting', { taskId: task.id, reason });
    }
  }

  /** Marks a not-yet-started task skipped: an incoming edge can never be satisfied. */
  private skip(task: Task, verdict: SkipVerdict): void {
    this.dequeue(task);
    this.run.emit('task_skipped', { taskId: task.id, upstream: verdict.upstream, reason: verdict.reason });
  }

  /** A task reached a final status: settle its outgoing edges (iteratively: chains can be long). */
  settle(taskId: string): void {
    const c = this.run.constellation;
    const work = [taskId];
    const readied: string[] = [];
    while (work.length > 0) {
      const id = work.pop()!;
      this.readiness.settleOutgoing(id, (down, verdict) => {
        if (verdict.kind === 'skip') {
          const t = c.task(down);
          if (t.status !== 'pending' && t.status !== 'ready') return;
          this.skip(t, verdict);
          work.push(down); // its own dependants are settled iteratively, not by recursion
        } else if (verdict.kind === 'ready') readied.push(down);
        else this.apply(down, verdict);
      });
    }
    this.readyInOrder(readied);
  }

  /** Readies tasks that became ready together, best first, so free slots go to the right ones. */
  readyInOrder(ids: string[]): void {
    const c = this.run.constellation;
    if (ids.length > 1) {
      const keys = ids.map((id) => readyKey(c.task(id), this.run.ranks.get(id) ?? 0, c.dependantCount(id)));
      keys.sort((a, b) => (runsBefore(a, b) ? -1 : runsBefore(b, a) ? 1 : 0));
      for (const k of keys) this.apply(k.id, READY);
    } else if (ids.length === 1) this.apply(ids[0]!, READY);
  }

  /**
   * Queues a task that became ready. Its `task_ready` event is emitted just before it starts or
   * once the dispatch pass is over, whichever comes first: when a completion readies a thousand
   * tasks, the first ones reach free devices without waiting for a thousand events.
   */
  private becomeReady(task: Task, rt: TaskRuntime): void {
    rt.readyAt = this.run.clock.monotonic();
    rt.announced = false;
    this.unannounced.push(task);
    this.enqueue(task, rt);
  }

  announce(task: Task, rt: TaskRuntime): void {
    if (rt.announced) return;
    rt.announced = true;
    this.run.emit('task_ready', { taskId: task.id, device: this.run.placements.queuedOn(rt)?.id });
  }

  announceReady(): void {
    const tasks = this.unannounced;
    if (tasks.length === 0) return;
    this.unannounced = [];
    for (const task of tasks) {
      const rt = this.run.runtime(task.id);
      if (rt && this.run.placements.isReadied(rt)) this.announce(task, rt);
    }
  }

  // --- placement and dispatch ---------------------------------------------------------------

  /** Places a ready task on a device's queue, or leaves it waiting for one able to take it. */
  enqueue(task: Task, rt: TaskRuntime): void {
    const { run } = this;
    const slot = task.device !== undefined ? run.devices.get(task.device) : this.placer.place(task, run.devices.list());
    if (!slot || (task.device === undefined && !canRun(slot, task))) {
      run.placements.wait(rt); // until a device that can take it appears
      return;
    }
    run.placements.queue(rt, slot);
    // Placed elsewhere after it was announced (its device went away): say where it waits now.
    if (rt.announced && task.device === undefined && task.assignedDevice !== slot.id) run.emit('task_ready', { taskId: task.id, device: slot.id });
    slot.queue.push(readyKey(task, run.ranks.get(task.id) ?? 0, run.constellation.dependantCount(task.id)));
    // A free device takes work at once instead of after the whole pass (dispatch latency).
    if (run.started && slot.hasFreeSlot && !this.pumping) this.dispatchFrom(slot);
  }

  /** Takes a task off its queue (the heap entry is dropped lazily when it surfaces). */
  dequeue(task: Task): void {
    const rt = this.run.runtime(task.id);
    if (rt) this.run.placements.clear(rt);
  }

  /** Ready tasks that wait for a device: a new one may take them. */
  placeWaiting(): void {
    for (const task of this.run.constellation.tasks()) {
      const rt = this.run.runtime(task.id);
      // Held ones too: dispatch holds them again while the edit lock is taken.
      if (rt?.phase === 'waiting') this.enqueue(task, rt);
    }
  }

  /** Moves tasks placed by a strategy off a device that went away. */
  replaceQueued(slot: DeviceSlot): void {
    const { run } = this;
    for (const key of slot.queue.toArray()) {
      const task = run.constellation.tryTask(key.id);
      const rt = run.runtime(key.id);
      if (!task || !rt || task.device !== undefined || run.placements.queuedOn(rt) !== slot) continue;
      const target = this.placer.place(task, run.devices.list());
      if (target && target !== slot && target.availability === 'available') this.enqueue(task, rt);
    }
  }

  /** Dispatches everything that can run now. Re-entrant calls are folded into the running one. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const slot of this.run.devices.list()) this.dispatchFrom(slot);
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private dispatchFrom(slot: DeviceSlot): void {
    const { run } = this;
    const cap = run.settings.maxConcurrent;
    while (!run.isEnded && !run.state.paused && slot.availability === 'available' && slot.hasFreeSlot && run.placements.running < cap) {
      const key = slot.queue.peek();
      if (!key) return;
      slot.queue.pop();
      const task = run.constellation.tryTask(key.id);
      const rt = run.runtime(key.id);
      if (!task || !rt || run.placements.queuedOn(rt) !== slot) continue; // stale entry
      if (run.edits?.holds(task.id)) {
        run.placements.wait(rt);
        this.held.push(task);
        continue;
      }
      run.attempts.start(task, slot, rt);
    }
  }

  /** The edit lock is released: held tasks go back to their queues. */
  releaseHeld(): void {
    for (const task of this.held.splice(0)) {
      const rt = this.run.runtime(task.id);
      if (rt?.phase === 'waiting') this.enqueue(task, rt);
    }
  }

  /** A task is gone from the plan (removed by an edit). */
  forget(taskId: string): void {
    this.readiness.forgetTask(taskId);
  }
}
