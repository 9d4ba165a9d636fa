import { randomUUID } from 'node:crypto';
import { systemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '../clock';
import { ConstellationEditor, type EditResult } from '../editing/editor';
import type { Violation } from '../editing/violations';
import { EventBus } from '../events/event-bus';
import type { RunEndReason } from '../events/event-map';
import type { Execution, ExecutionOutcome } from '../executors/executor';
import { toTaskError } from '../executors/executor';
import type { Constellation } from '../model/constellation';
import { isTerminal, type Task, type TaskError } from '../model/types';
import { resolveReferences } from '../references';
import { computeRanks } from '../scheduling/ranks';
import { readyKey, runsBefore } from '../scheduling/ready-order';
import { Readiness, type SkipVerdict, type Verdict } from '../scheduling/readiness';
import { Placer, canRun, type AssignmentStrategy } from './assignment';
import { DevicePool, type DeviceAvailability, type DeviceSlot, type DeviceSpec } from './device-pool';
import { EditRounds } from './edit-rounds';
import type { EditSource, LockScope } from './edit-source';
import { MetricsRecorder } from './metrics';
import { buildReport, type RunReport } from './run-report';
import { findBlocked } from './stall';

export interface OrchestratorOptions {
  readonly devices: DevicePool | readonly DeviceSpec[];
  readonly runId?: string | undefined;
  readonly clock?: Clock | undefined;
  readonly logger?: Logger | undefined;
  /** Placement of tasks without a `device` (default `capability_match`). */
  readonly strategy?: AssignmentStrategy | undefined;
  /** At most this many tasks running at once over all devices. */
  readonly maxConcurrent?: number | undefined;
  readonly editSource?: EditSource | undefined;
  /** Bound on one edit round (default 600 000 ms, as in the reference). */
  readonly editTimeoutMs?: number | undefined;
  readonly lockScope?: LockScope | undefined;
  readonly editRepairRounds?: number | undefined;
  /** Continue the numbering of a journal (resume). */
  readonly startSeq?: number | undefined;
  /** Tasks that were running when a previous process died; announced and re-run. */
  readonly interrupted?: readonly { taskId: string; device?: string | undefined; attempt: number }[] | undefined;
}

const READY: Verdict = { kind: 'ready' };

interface Runtime {
  token: number;
  queuedOn?: DeviceSlot | undefined;
  runningOn?: DeviceSlot | undefined;
  execution?: Execution | undefined;
  readyAt: number;
  startedAt: number;
  chunk: number;
  timeout?: TimerHandle | undefined;
  retry?: TimerHandle | undefined;
  hasReferences: boolean;
  /** Whether `task_ready` has been emitted for the current readiness. */
  announced: boolean;
}

/**
 * Runs a constellation: event-driven dispatch (no polling), per-device slots, placement,
 * timeouts, retries with backoff, cancellation, pause/resume, stall detection, and live edits
 * through the safe assignment lock. Readiness belongs to {@link Readiness}, running to the
 * executors; this class owns concurrency and the run's lifecycle.
 */
export class Orchestrator {
  readonly runId: string;
  readonly events: EventBus;
  readonly editor: ConstellationEditor;
  readonly devices: DevicePool;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly readiness: Readiness;
  private readonly placer: Placer;
  private readonly edits: EditRounds | undefined;
  private readonly metrics = new MetricsRecorder();
  private readonly rt = new Map<string, Runtime>();
  private ranks = new Map<string, number>();
  private readonly held: Task[] = [];
  private unannounced: Task[] = [];
  private running = 0;
  private retryTimers = 0;
  private paused = false;
  private started = false;
  private ended = false;
  private endReason: RunEndReason | undefined;
  private startMono = 0;
  private pumping = false;
  private pumpAgain = false;
  private finalReport: RunReport | undefined;
  private isoMs = Number.NaN;
  private iso = '';
  private resolveRun!: (r: RunReport) => void;
  private readonly done = new Promise<RunReport>((resolve) => (this.resolveRun = resolve));

  constructor(
    readonly constellation: Constellation,
    private readonly options: OrchestratorOptions,
  ) {
    this.runId = options.runId ?? randomUUID();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.events = new EventBus(this.runId, this.clock, this.logger, { startSeq: options.startSeq ?? 0 });
    this.devices = options.devices instanceof DevicePool ? options.devices : new DevicePool(options.devices);
    this.editor = new ConstellationEditor(constellation, { devices: this.devices });
    this.placer = new Placer(options.strategy ?? 'capability_match');
    const source = options.editSource;
    this.edits = source
      ? new EditRounds(this.editHost(), {
          source,
          timeoutMs: options.editTimeoutMs ?? 600_000,
          scope: options.lockScope ?? 'all',
          repairRounds: options.editRepairRounds ?? 2,
        })
      : undefined;
    this.readiness = new Readiness(constellation, (up) => this.edits?.awaitsDecision(up) ?? false);
  }

  /** Starts the run (once) and resolves with the final report. Never rejects. */
  run(): Promise<RunReport> {
    if (this.started) return this.done;
    this.started = true;
    this.startMono = this.clock.monotonic();
    const c = this.constellation;
    this.events.emit('constellation_started', {
      constellationId: c.id,
      taskCount: c.size,
      resumed: (this.options.interrupted?.length ?? 0) > 0 || c.statusCounts().pending < c.size,
    });
    for (const i of this.options.interrupted ?? []) this.events.emit('task_interrupted', i);
    this.ranks = computeRanks(c);
    for (const task of c.tasks()) this.rt.set(task.id, this.newRuntime(task));
    for (const task of c.tasks()) {
      if (task.status === 'ready' || task.status === 'running') c.transition(task.id, 'pending');
    }
    // Resume: conditional edges out of tasks that finished before the crash still need the
    // agent's decision; ask for it before anything waits on them.
    this.edits?.noteRestored(this.undecidedUpstreams());
    const readied: string[] = [];
    for (const task of c.tasks()) {
      if (task.status !== 'pending') continue;
      const verdict = this.readiness.recount(task.id);
      if (verdict.kind === 'ready') readied.push(task.id);
      else this.apply(task.id, verdict);
    }
    this.readyInOrder(readied);
    this.afterChange();
    return this.done;
  }

  /** Finished tasks with a conditional edge the agent has yet to decide (after a resume). */
  private undecidedUpstreams(): string[] {
    const c = this.constellation;
    const out: string[] = [];
    for (const task of c.tasks()) {
      if (task.status !== 'completed' && task.status !== 'failed') continue;
      const owes = c.outgoing(task.id).some((d) => d.type === 'conditional' && d.satisfied === undefined && !c.predicate(d) && !isTerminal(c.task(d.to).status));
      if (owes) out.push(task.id);
    }
    return out;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The report so far (final once the run has ended). */
  report(): RunReport {
    return this.finalReport ?? this.buildReport();
  }

  pause(): void {
    if (this.ended || this.paused) return;
    this.paused = true;
    this.events.emit('run_paused', {});
  }

  resume(): void {
    if (this.ended || !this.paused) return;
    this.paused = false;
    this.events.emit('run_resumed', {});
    this.afterChange();
  }

  /** Cancels the whole run: running tasks are told to stop, nothing is left running. */
  cancel(reason = 'cancelled by the user'): void {
    this.cancelRun({ code: 'cancelled', message: reason });
  }

  private cancelRun(reason: RunEndReason): void {
    if (this.ended) return;
    this.edits?.abort();
    for (const task of [...this.constellation.tasks()]) {
      if (!isTerminal(task.status)) this.cancelOne(task, reason.message);
    }
    this.finish(reason);
  }

  /** Cancels one task; its dependants follow their dependency rules. */
  cancelTask(taskId: string, reason = 'cancelled by the user'): boolean {
    const task = this.constellation.tryTask(taskId);
    if (!task || isTerminal(task.status) || this.ended) return false;
    this.cancelOne(task, reason);
    this.settle(task.id);
    this.afterChange();
    return true;
  }

  /**
   * Runs a failed, cancelled or skipped task again (and lets what was skipped because of it
   * wait again). Only once the task is finished.
   */
  retryTask(taskId: string): boolean {
    const c = this.constellation;
    const task = c.tryTask(taskId);
    if (!task || this.ended || !(task.status === 'failed' || task.status === 'cancelled' || task.status === 'skipped')) return false;
    task.error = undefined;
    task.result = undefined;
    c.transition(taskId, 'pending');
    const reopen = (id: string) => {
      for (const dep of c.outgoing(id)) {
        const down = c.task(dep.to);
        if (down.status === 'skipped') {
          down.error = undefined;
          c.transition(down.id, 'pending');
          reopen(down.id);
        }
        if (down.status === 'pending' || down.status === 'ready') this.apply(down.id, this.readiness.recount(down.id));
      }
    };
    reopen(taskId);
    this.apply(taskId, this.readiness.recount(taskId));
    this.afterChange();
    return true;
  }

  /** Sends text to a running task's standard input. */
  sendInput(taskId: string, data: string): boolean {
    const exec = this.rt.get(taskId)?.execution;
    if (!exec?.sendInput) return false;
    exec.sendInput(data);
    return true;
  }

  /** Checks an edit batch against the live constellation without applying it. */
  validateEdit(operations: readonly unknown[]): readonly Violation[] {
    return this.editor.validate(operations);
  }

  /** Applies an edit batch now (user edits from the UI); the same checks as agent edits. */
  applyEdit(operations: readonly unknown[], source = 'user'): EditResult {
    const result = this.editor.apply(operations);
    if (result.ok) this.modified(result, [], source);
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

  /** Marks a device present, away or gone; queued work follows. */
  setDeviceAvailability(deviceId: string, availability: DeviceAvailability): void {
    const slot = this.devices.get(deviceId);
    if (!slot || slot.availability === availability) return;
    const previous = slot.availability;
    slot.availability = availability;
    this.events.emit('device_status_changed', { deviceId, status: availability, previous });
    if (availability !== 'available') this.replaceQueued(slot);
    this.afterChange();
  }

  /** Adds a device during a run; waiting tasks may now be placed. */
  addDevice(spec: DeviceSpec): void {
    this.devices.add(spec);
    this.events.emit('device_status_changed', { deviceId: spec.id, status: spec.availability ?? 'available', previous: 'unknown' });
    for (const task of this.constellation.tasks()) {
      if (task.status === 'ready' && !this.rt.get(task.id)?.queuedOn) this.enqueue(task);
    }
    this.afterChange();
  }

  // --- readiness -------------------------------------------------------------------------

  private newRuntime(task: Task): Runtime {
    const hasReferences =
      task.description.includes('${tasks') || task.tips.some((t) => t.includes('${tasks')) || (task.inputs !== undefined && JSON.stringify(task.inputs).includes('${tasks'));
    return { token: 0, readyAt: 0, startedAt: 0, chunk: 0, hasReferences, announced: false };
  }

  /** Acts on a verdict for a task that has not started. */
  private apply(taskId: string, verdict: Verdict): void {
    const task = this.constellation.tryTask(taskId);
    if (!task || (task.status !== 'pending' && task.status !== 'ready')) return;
    if (verdict.kind === 'skip') {
      this.skip(task, verdict);
      this.settle(taskId);
    } else if (verdict.kind === 'ready') {
      if (task.status === 'pending' && !this.rt.get(taskId)?.retry) this.becomeReady(task);
    } else if (task.status === 'ready') {
      this.dequeue(task);
      this.constellation.transition(taskId, 'pending');
    }
  }

  /** Marks a not-yet-started task skipped: an incoming edge can never be satisfied. */
  private skip(task: Task, verdict: SkipVerdict): void {
    this.dequeue(task);
    task.error = { code: 'dependency_unsatisfied', message: verdict.reason };
    this.constellation.transition(task.id, 'skipped');
    this.events.emit('task_skipped', { taskId: task.id, upstream: verdict.upstream, reason: verdict.reason });
  }

  /** A task reached a final status: settle its outgoing edges (iteratively: chains can be long). */
  private settle(taskId: string): void {
    const work = [taskId];
    const readied: string[] = [];
    while (work.length > 0) {
      const id = work.pop()!;
      this.readiness.settleOutgoing(id, (down, verdict) => {
        if (verdict.kind === 'skip') {
          const t = this.constellation.task(down);
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
  private readyInOrder(ids: string[]): void {
    if (ids.length > 1) {
      const keys = ids.map((id) => readyKey(this.constellation.task(id), this.ranks.get(id) ?? 0, this.constellation.dependantCount(id)));
      keys.sort((a, b) => (runsBefore(a, b) ? -1 : runsBefore(b, a) ? 1 : 0));
      for (const k of keys) this.apply(k.id, READY);
    } else if (ids.length === 1) this.apply(ids[0]!, READY);
  }

  /**
   * Marks a task ready and queues it. Its `task_ready` event is emitted just before it starts
   * or once the dispatch pass is over, whichever comes first: when a completion readies a
   * thousand tasks, the first ones reach free devices without waiting for a thousand events.
   */
  private becomeReady(task: Task): void {
    this.constellation.transition(task.id, 'ready');
    const rt = this.rt.get(task.id)!;
    rt.readyAt = this.clock.monotonic();
    rt.announced = false;
    this.unannounced.push(task);
    this.enqueue(task);
  }

  private announce(task: Task, rt: Runtime): void {
    if (rt.announced) return;
    rt.announced = true;
    this.events.emit('task_ready', { taskId: task.id });
  }

  private announceReady(): void {
    const tasks = this.unannounced;
    if (tasks.length === 0) return;
    this.unannounced = [];
    for (const task of tasks) {
      const rt = this.rt.get(task.id);
      if (rt && task.status === 'ready') this.announce(task, rt);
    }
  }

  // --- placement and dispatch ---------------------------------------------------------------

  private enqueue(task: Task): void {
    const rt = this.rt.get(task.id)!;
    const slot = task.device !== undefined ? this.devices.get(task.device) : this.placer.place(task, this.devices.list());
    if (!slot || (task.device === undefined && !canRun(slot, task))) {
      rt.queuedOn = undefined; // waits until a device that can take it appears
      return;
    }
    rt.queuedOn = slot;
    if (task.device === undefined) task.assignedDevice = slot.id;
    slot.queue.push(readyKey(task, this.ranks.get(task.id) ?? 0, this.constellation.dependantCount(task.id)));
    // A free device takes work at once instead of after the whole pass (dispatch latency).
    if (this.started && slot.hasFreeSlot && !this.pumping) this.dispatchFrom(slot);
  }

  private dequeue(task: Task): void {
    const rt = this.rt.get(task.id);
    if (rt) rt.queuedOn = undefined; // the heap entry is dropped lazily when it surfaces
  }

  /** Moves tasks placed by a strategy off a device that went away. */
  private replaceQueued(slot: DeviceSlot): void {
    for (const key of slot.queue.toArray()) {
      const task = this.constellation.tryTask(key.id);
      if (!task || task.device !== undefined || this.rt.get(key.id)?.queuedOn !== slot) continue;
      const target = this.placer.place(task, this.devices.list());
      if (target && target !== slot && target.availability === 'available') this.enqueue(task);
    }
  }

  /** Dispatches everything that can run now. Re-entrant calls are folded into the running one. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const slot of this.devices.list()) this.dispatchFrom(slot);
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private dispatchFrom(slot: DeviceSlot): void {
    const cap = this.options.maxConcurrent ?? Infinity;
    while (!this.ended && !this.paused && slot.availability === 'available' && slot.hasFreeSlot && this.running < cap) {
      const key = slot.queue.peek();
      if (!key) return;
      slot.queue.pop();
      const task = this.constellation.tryTask(key.id);
      const rt = this.rt.get(key.id);
      if (!task || !rt || task.status !== 'ready' || rt.queuedOn !== slot) continue; // stale entry
      if (this.edits?.holds(task.id)) {
        rt.queuedOn = undefined;
        this.held.push(task);
        continue;
      }
      this.start(task, slot, rt);
    }
  }

  private start(task: Task, slot: DeviceSlot, rt: Runtime): void {
    const c = this.constellation;
    const now = this.clock.monotonic();
    this.metrics.recordDispatch(rt.readyAt, slot.slotFreedAt, now);
    rt.queuedOn = undefined;
    rt.runningOn = slot;
    rt.startedAt = now;
    rt.chunk = 0;
    const token = ++rt.token;
    const attempt = ++task.attempts;
    task.assignedDevice = slot.id;
    task.startedAt = this.isoNow();
    task.endedAt = undefined;
    this.announce(task, rt);
    c.transition(task.id, 'running');
    slot.running.add(task.id);
    this.running++;
    this.events.emit('task_started', { taskId: task.id, device: slot.id, attempt });

    let fields: { description: string; tips: readonly string[]; inputs?: unknown } = task;
    let execution: Execution;
    try {
      if (rt.hasReferences) fields = resolveReferences({ description: task.description, tips: task.tips, inputs: task.inputs }, { getTask: (id) => c.tryTask(id) });
      execution = slot.spec.executor.start(
        { runId: this.runId, taskId: task.id, attempt, name: task.name, description: fields.description, tips: fields.tips, inputs: fields.inputs, timeoutMs: task.timeoutMs, device: slot.id },
        {
          output: (stream, data) => {
            if (rt.token === token && task.status === 'running') {
              this.events.emit('task_output', { taskId: task.id, attempt, stream, data, chunk: rt.chunk++ });
            }
          },
        },
      );
    } catch (err) {
      const error = toTaskError(err, 'dispatch_failed');
      execution = { done: Promise.resolve({ status: 'failed', error }), cancel: () => undefined };
    }
    rt.execution = execution;
    if (task.timeoutMs !== undefined) {
      const ms = task.timeoutMs;
      rt.timeout = this.clock.setTimer(ms, () => {
        if (rt.token !== token || task.status !== 'running') return;
        execution.cancel('timeout');
        this.onOutcome(task.id, token, { status: 'failed', error: { code: 'timeout', message: `no result within ${ms} ms` } });
      });
    }
    void execution.done.then(
      (outcome) => this.onOutcome(task.id, token, outcome),
      (err: unknown) => this.onOutcome(task.id, token, { status: 'failed', error: toTaskError(err) }),
    );
  }

  /** Wall-clock time as ISO text; tasks starting and ending within one ms share the string. */
  private isoNow(): string {
    const ms = this.clock.now();
    if (ms !== this.isoMs) {
      this.isoMs = ms;
      this.iso = new Date(ms).toISOString();
    }
    return this.iso;
  }

  // --- outcomes ---------------------------------------------------------------------------------

  private release(task: Task, rt: Runtime): void {
    rt.timeout?.cancel();
    rt.timeout = undefined;
    rt.execution = undefined;
    const slot = rt.runningOn;
    if (slot) {
      slot.running.delete(task.id);
      slot.slotFreedAt = this.clock.monotonic();
      this.running--;
    }
    rt.runningOn = undefined;
    rt.token++; // anything the old attempt still says is ignored
  }

  private onOutcome(taskId: string, token: number, outcome: ExecutionOutcome): void {
    const task = this.constellation.tryTask(taskId);
    const rt = this.rt.get(taskId);
    if (!task || !rt || rt.token !== token || task.status !== 'running' || this.ended) return;
    const device = rt.runningOn?.id ?? task.assignedDevice ?? '';
    const durationMs = this.clock.monotonic() - rt.startedAt;
    this.release(task, rt);
    task.endedAt = this.isoNow();
    if (outcome.status === 'completed') {
      task.result = outcome.result;
      task.error = undefined;
      this.constellation.transition(taskId, 'completed');
      this.events.emit('task_completed', { taskId, device, attempt: task.attempts, result: outcome.result, durationMs });
      this.finished(task);
    } else if (outcome.status === 'failed') {
      this.failAttempt(task, outcome.error, device);
    } else {
      task.error = { code: 'cancelled', message: outcome.reason ?? 'cancelled on the device' };
      this.constellation.transition(taskId, 'cancelled');
      this.events.emit('task_cancelled', { taskId, reason: task.error.message, wasRunning: true });
      this.finished(task);
    }
    this.afterChange();
  }

  private failAttempt(task: Task, error: TaskError, device: string): void {
    const rt = this.rt.get(task.id)!;
    if (task.attempts <= task.retries) {
      const retryInMs = task.retryBackoffMs * 2 ** (task.attempts - 1);
      task.error = error;
      this.constellation.transition(task.id, 'pending');
      this.events.emit('task_failed', { taskId: task.id, device, attempt: task.attempts, error, willRetry: true, retryInMs });
      this.retryTimers++;
      rt.retry = this.clock.setTimer(retryInMs, () => {
        rt.retry = undefined;
        this.retryTimers--;
        if (this.ended || task.status !== 'pending') return;
        if (task.device === undefined) task.assignedDevice = undefined; // placed again
        this.apply(task.id, this.readiness.recount(task.id));
        this.afterChange();
      });
      return;
    }
    task.error = error;
    this.constellation.transition(task.id, 'failed');
    this.events.emit('task_failed', { taskId: task.id, device, attempt: task.attempts, error, willRetry: false });
    this.finished(task);
  }

  private finished(task: Task): void {
    // Take the edit lock first: tasks this completion readies are dispatched while settling.
    if (this.edits && (task.status === 'completed' || task.status === 'failed')) this.edits.noteCompletion(task.id);
    this.settle(task.id);
  }

  private cancelOne(task: Task, reason: string): void {
    const rt = this.rt.get(task.id);
    const wasRunning = task.status === 'running';
    if (rt) {
      if (rt.retry) {
        rt.retry.cancel();
        rt.retry = undefined;
        this.retryTimers--;
      }
      if (wasRunning) {
        const exec = rt.execution;
        this.release(task, rt);
        exec?.cancel(reason);
      }
    }
    this.dequeue(task);
    task.error = { code: 'cancelled', message: reason };
    task.endedAt = this.isoNow();
    this.constellation.transition(task.id, 'cancelled');
    this.events.emit('task_cancelled', { taskId: task.id, reason, wasRunning });
  }

  // --- edits --------------------------------------------------------------------------------------

  private editHost() {
    return {
      constellation: this.constellation,
      events: this.events,
      clock: this.clock,
      validate: (ops: readonly unknown[]) => this.editor.validate(ops),
      apply: (ops: readonly unknown[], triggeredBy: readonly string[], round: number) => {
        const result = this.editor.apply(ops);
        if (result.ok) this.modified(result, triggeredBy, 'agent', round);
        else this.metrics.editsRejected++;
        return result;
      },
      hasUnfinishedTasks: () => {
        const n = this.constellation.statusCounts();
        return n.pending + n.ready + n.running > 0;
      },
      failRun: (reason: string) => this.cancelRun({ code: 'agent_failed', message: `the agent ended the run: ${reason}` }),
      roundEnded: (triggers: readonly string[]) => {
        if (this.ended) return;
        for (const t of triggers) if (this.constellation.hasTask(t)) this.settle(t);
        for (const task of this.held.splice(0)) if (task.status === 'ready') this.enqueue(task);
        this.afterChange();
      },
      isEnded: () => this.ended,
    };
  }

  /** Brings scheduling in line with an applied batch, then announces it. */
  private modified(result: Extract<EditResult, { ok: true }>, triggeredBy: readonly string[], source: string, round?: number): void {
    const { diff } = result;
    const c = this.constellation;
    this.metrics.editsApplied++;
    for (const id of diff.removedDependencies) this.readiness.forgetDependency(id);
    for (const id of diff.removedTasks) {
      this.readiness.forgetTask(id);
      const rt = this.rt.get(id);
      rt?.retry?.cancel();
      this.rt.delete(id);
    }
    this.ranks = computeRanks(c);
    for (const slot of this.devices.list()) slot.queue.heapify();
    for (const id of diff.addedTasks) this.rt.set(id, this.newRuntime(c.task(id)));
    for (const id of diff.updatedTasks) {
      const rt = this.rt.get(id);
      if (rt) rt.hasReferences = this.newRuntime(c.task(id)).hasReferences;
    }
    this.events.emit('constellation_modified', { diff, triggeredBy, source, round });
    for (const id of new Set([...diff.touchedTasks, ...diff.addedTasks, ...diff.updatedTasks])) {
      const task = c.tryTask(id);
      if (!task) continue;
      if (task.status === 'ready' && diff.updatedTasks.includes(id)) {
        this.dequeue(task); // device or priority may have changed
        this.constellation.transition(id, 'pending');
      }
      this.apply(id, this.readiness.recount(id));
    }
    if (this.started) this.afterChange();
  }

  // --- lifecycle --------------------------------------------------------------------------------

  private afterChange(): void {
    if (!this.started || this.ended) return;
    this.pump();
    this.announceReady();
    this.edits?.maybeStart();
    this.checkEnd();
  }

  private checkEnd(): void {
    if (this.ended) return;
    const c = this.constellation;
    const n = c.statusCounts();
    const editBusy = this.edits !== undefined && (this.edits.isActive || this.edits.hasPending);
    if (n.pending + n.ready + n.running === 0 && !editBusy) {
      const state = c.state;
      this.finish(state === 'completed' ? undefined : { code: state === 'cancelled' ? 'cancelled' : 'failed', message: `${n.failed} failed, ${n.cancelled} cancelled, ${n.skipped} skipped` });
      return;
    }
    if (this.running > 0 || this.retryTimers > 0 || editBusy || this.paused) return;
    if (this.devices.list().some((d) => d.availability === 'recovering')) return;
    const blocked = findBlocked(c, this.devices, (id) => this.rt.get(id)?.queuedOn);
    const message = `stalled: nothing is running and nothing can start; ${blocked.length} task(s) blocked`;
    this.finish({ code: 'stalled', message, blocked });
  }

  private finish(reason: RunEndReason | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason ??= reason;
    for (const rt of this.rt.values()) {
      rt.retry?.cancel();
      rt.timeout?.cancel();
    }
    this.edits?.abort();
    const report = this.buildReport();
    this.finalReport = report;
    const durationMs = report.metrics.durationMs;
    if (report.state === 'completed') this.events.emit('constellation_completed', { state: report.state, durationMs });
    else this.events.emit('constellation_failed', { state: report.state, durationMs, reason: this.endReason ?? { code: 'failed', message: report.state } });
    this.resolveRun(report);
  }

  private buildReport(): RunReport {
    const durationMs = this.started ? this.clock.monotonic() - this.startMono : 0;
    const derived = this.constellation.state;
    const state = this.endReason?.code === 'stalled' ? 'failed' : derived;
    return buildReport(this.runId, this.constellation, state, this.endReason, this.metrics.summary(durationMs, this.edits?.rounds ?? 0));
  }
}
