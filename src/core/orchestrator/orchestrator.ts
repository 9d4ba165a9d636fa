import { systemClock, silentLogger, type Clock, type Logger } from '../clock';
import { ConstellationEditor, type EditResult } from '../editing/editor';
import type { Operation } from '../editing/operations';
import type { Violation } from '../editing/violations';
import { EventBus } from '../events/event-bus';
import { randomIds, type IdSource } from '../ids';
import type { Constellation } from '../model/constellation';
import { isTerminal, type Task } from '../model/types';
import type { RunReport } from '../report/run-report';
import { computeRanks } from '../scheduling/ranks';
import { applyEvent } from '../state/apply-event';
import { newRunState, type RunState } from '../state/run-state';
import type { AgentRound } from '../state/agent-timeline';
import type { AssignmentStrategy } from './assignment';
import { Attempts } from './attempts';
import { DevicePool, type DeviceAvailability, type DeviceSpec } from './device-pool';
import { RunEdits } from './edit-host';
import { EditRounds } from './edit-rounds';
import type { EditSource, LockScope } from './edit-source';
import { Lifecycle } from './lifecycle';
import { RunContext } from './run-context';
import { Scheduling } from './scheduling';

export interface OrchestratorOptions {
  readonly devices: DevicePool | readonly DeviceSpec[];
  readonly runId?: string | undefined;
  /** Where a run id comes from when none is given (random by default). */
  readonly ids?: IdSource | undefined;
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
  /** The agent's rounds so far (resume): the timeline goes on from them. */
  readonly agentTimeline?: readonly AgentRound[] | undefined;
}

/**
 * Runs a constellation: event-driven dispatch (no polling), per-device slots, placement,
 * timeouts, retries with backoff, cancellation, pause/resume, stall detection, and live edits
 * through the safe assignment lock. This class is the run's control surface; the work is done
 * by its parts ({@link Scheduling}, {@link Attempts}, {@link RunEdits}, {@link EditRounds},
 * {@link Lifecycle}), which share a {@link RunContext}. Every change of task or run state is an
 * event, applied by `applyEvent` before observers see it.
 */
export class Orchestrator {
  readonly runId: string;
  readonly events: EventBus;
  readonly editor: ConstellationEditor;
  readonly devices: DevicePool;
  /** The run's state as its events made it: the constellation with task states, paused, ended. */
  readonly state: RunState;
  private readonly ctx: RunContext;
  private readonly edits: RunEdits;

  constructor(
    readonly constellation: Constellation,
    private readonly options: OrchestratorOptions,
  ) {
    this.runId = options.runId ?? (options.ids ?? randomIds).newId();
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.state = newRunState(constellation, options.startSeq ?? 0, options.agentTimeline);
    const state = this.state;
    this.events = new EventBus(this.runId, clock, logger, { startSeq: options.startSeq ?? 0, apply: (e) => applyEvent(state, e) });
    this.devices = options.devices instanceof DevicePool ? options.devices : new DevicePool(options.devices);
    this.editor = new ConstellationEditor(constellation, { devices: this.devices });
    const run = new RunContext(this.runId, this.state, this.events, clock, logger, this.devices, {
      strategy: options.strategy ?? 'capability_match',
      maxConcurrent: options.maxConcurrent ?? Infinity,
    });
    this.ctx = run;
    this.edits = new RunEdits(run, this.editor);
    const source = options.editSource;
    run.edits = source
      ? new EditRounds(this.edits.host(), { source, timeoutMs: options.editTimeoutMs ?? 600_000, scope: options.lockScope ?? 'all', repairRounds: options.editRepairRounds ?? 2 })
      : undefined;
    run.scheduling = new Scheduling(run);
    run.attempts = new Attempts(run);
    run.lifecycle = new Lifecycle(run);
  }

  /** Starts the run (once) and resolves with the final report. Never rejects. */
  run(): Promise<RunReport> {
    const run = this.ctx;
    if (run.started) return run.lifecycle.done;
    run.started = true;
    run.lifecycle.began();
    const c = this.constellation;
    const interrupted = [...(this.options.interrupted ?? [])];
    // Whatever ran or waited in a queue before belongs to a process that is gone (one pass).
    const wasReady: Task[] = [];
    for (const task of c.tasks()) {
      if (task.status === 'ready') wasReady.push(task);
      else if (task.status === 'running' && !interrupted.some((i) => i.taskId === task.id)) interrupted.push({ taskId: task.id, device: task.assignedDevice, attempt: task.attempts });
    }
    this.events.emit('constellation_started', { constellationId: c.id, taskCount: c.size, resumed: interrupted.length > 0 || c.statusCounts().pending < c.size });
    for (const task of wasReady) if (task.status === 'ready') this.events.emit('task_waiting', { taskId: task.id, reason: 'the run starts again' });
    run.ranks = computeRanks(c);
    for (const task of c.tasks()) run.track(task);
    // An attempt its device still holds (running, or finished meanwhile) is taken over, not run again.
    for (const i of interrupted) {
      const task = c.tryTask(i.taskId);
      const slot = i.device !== undefined ? this.devices.get(i.device) : undefined;
      if (task && (task.status === 'running' || task.status === 'pending') && slot && run.attempts.adopt(task, slot, i.attempt)) continue;
      this.events.emit('task_interrupted', i);
    }
    // Resume: conditional edges out of tasks that finished before the crash still need the
    // agent's decision; ask for it before anything waits on them.
    run.edits?.noteRestored(this.undecidedUpstreams());
    const readied: string[] = [];
    for (const task of c.tasks()) {
      if (task.status !== 'pending') continue;
      const verdict = run.scheduling.readiness.recount(task.id);
      if (verdict.kind === 'ready') readied.push(task.id);
      else run.scheduling.apply(task.id, verdict);
    }
    run.scheduling.readyInOrder(readied);
    run.lifecycle.afterChange();
    return run.lifecycle.done;
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

  /** True once the run has ended, or was detached (this process is done with it either way). */
  get isEnded(): boolean {
    return this.ctx.isEnded;
  }

  get isDetached(): boolean {
    return this.state.detached !== undefined;
  }

  get isPaused(): boolean {
    return this.state.paused;
  }

  /** The report so far (final once the run has ended). */
  report(): RunReport {
    return this.ctx.lifecycle.report();
  }

  pause(): void {
    if (this.isEnded || this.state.paused) return;
    this.events.emit('run_paused', {});
  }

  resume(): void {
    if (this.isEnded || !this.state.paused) return;
    this.events.emit('run_resumed', {});
    this.ctx.lifecycle.afterChange();
  }

  /**
   * Lets go of the run without cancelling it (a window reload, SIGTERM): devices are not told to
   * stop and keep what they finish; the journal says the run is detached, and a later process
   * resumes it. The run resolves with its report as it stands.
   */
  detach(reason: string): void {
    this.ctx.lifecycle.detach(reason);
  }

  /** Cancels the whole run: running tasks are told to stop, nothing is left running. */
  cancel(reason = 'cancelled by the user'): void {
    this.ctx.lifecycle.cancelRun({ code: 'cancelled', message: reason });
  }

  /** Cancels one task; its dependants follow their dependency rules. */
  cancelTask(taskId: string, reason = 'cancelled by the user'): boolean {
    const task = this.constellation.tryTask(taskId);
    if (!task || isTerminal(task.status) || this.isEnded) return false;
    this.ctx.attempts.cancel(task, reason);
    this.ctx.scheduling.settle(task.id);
    this.ctx.lifecycle.afterChange();
    return true;
  }

  /**
   * Runs a failed, cancelled or skipped task again (and lets what was skipped because of it
   * wait again). Only once the task is finished.
   */
  retryTask(taskId: string): boolean {
    const c = this.constellation;
    const task = c.tryTask(taskId);
    if (!task || this.isEnded || !(task.status === 'failed' || task.status === 'cancelled' || task.status === 'skipped')) return false;
    // What it skipped waits again: every skipped task reachable through skipped tasks.
    const reopened: string[] = [];
    const order: string[] = [taskId];
    for (let i = 0; i < order.length; i++) {
      for (const dep of c.outgoing(order[i]!)) {
        if (c.task(dep.to).status === 'skipped' && !reopened.includes(dep.to)) {
          reopened.push(dep.to);
          order.push(dep.to);
        }
      }
    }
    this.events.emit('task_reset', { taskId, reopened });
    const { scheduling } = this.ctx;
    for (const id of order) {
      for (const dep of c.outgoing(id)) {
        const down = c.task(dep.to);
        if (down.status === 'pending' || down.status === 'ready') scheduling.apply(down.id, scheduling.readiness.recount(down.id));
      }
    }
    scheduling.apply(taskId, scheduling.readiness.recount(taskId));
    this.ctx.lifecycle.afterChange();
    return true;
  }

  /** Sends text to a running task's standard input. */
  sendInput(taskId: string, data: string): boolean {
    return this.ctx.attempts.sendInput(taskId, data);
  }

  /** Checks an edit batch (not yet read) against the live constellation without applying it. */
  validateEdit(operations: readonly unknown[]): readonly Violation[] {
    return this.editor.validate(operations);
  }

  /** Applies an edit batch now (user edits from the UI); the same checks as agent edits. */
  applyEdit(operations: readonly Operation[], source = 'user'): EditResult {
    return this.edits.apply(operations, source);
  }

  undo(): EditResult | undefined {
    return this.edits.undo();
  }

  redo(): EditResult | undefined {
    return this.edits.redo();
  }

  /** Marks a device present, away or gone; queued work follows. */
  setDeviceAvailability(deviceId: string, availability: DeviceAvailability): void {
    const slot = this.devices.get(deviceId);
    if (!slot || slot.availability === availability) return;
    const previous = slot.availability;
    slot.availability = availability;
    this.events.emit('device_status_changed', { deviceId, status: availability, previous });
    if (availability !== 'available') this.ctx.scheduling.replaceQueued(slot);
    this.ctx.lifecycle.afterChange();
  }

  /** Adds a device during a run; waiting tasks may now be placed. */
  addDevice(spec: DeviceSpec): void {
    this.devices.add(spec);
    this.events.emit('device_status_changed', { deviceId: spec.id, status: spec.availability ?? 'available', previous: 'unknown' });
    this.ctx.scheduling.placeWaiting();
    this.ctx.lifecycle.afterChange();
  }
}
