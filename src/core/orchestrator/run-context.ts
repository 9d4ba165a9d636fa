import type { Clock, Logger, TimerHandle } from '../clock';
import type { EventBus } from '../events/event-bus';
import type { EventPayloads, EventType } from '../events/event-map';
import type { Execution } from '../executors/executor';
import { hasReferences } from '../expr/references';
import type { Constellation } from '../model/constellation';
import type { Task } from '../model/types';
import type { RunState } from '../state/run-state';
import type { AssignmentStrategy } from './assignment';
import type { DevicePool } from './device-pool';
import type { EditRounds } from './edit-rounds';
import { MetricsRecorder } from './metrics';
import { Placements, type Placed } from './placements';
import type { Attempts } from './attempts';
import type { Lifecycle } from './lifecycle';
import type { Scheduling } from './scheduling';

/** What the orchestrator keeps per task while it schedules and runs it (never journaled). */
export interface TaskRuntime extends Placed {
  /** Attempt token: outcomes and output of an older attempt are ignored. */
  token: number;
  execution?: Execution | undefined;
  /** Monotonic time it became ready (dispatch latency is measured from it). */
  readyAt: number;
  startedAt: number;
  chunk: number;
  /** Output of the current attempt, in characters. */
  outputChars: number;
  timeout?: TimerHandle | undefined;
  retry?: TimerHandle | undefined;
  hasReferences: boolean;
  /** Whether `task_ready` has been emitted for the current readiness. */
  announced: boolean;
}

/** Settings the parts of a run read. */
export interface RunSettings {
  readonly strategy: AssignmentStrategy;
  readonly maxConcurrent: number;
}

/**
 * The state one run's parts share: its constellation and run state (changed only through
 * events), the bus, time, devices, where tasks are placed, per-task runtimes and metrics, and
 * the parts themselves, which call each other through it.
 */
export class RunContext {
  readonly runtimes = new Map<string, TaskRuntime>();
  readonly placements = new Placements();
  readonly metrics = new MetricsRecorder();
  /** Longest path below each task (critical path first). */
  ranks = new Map<string, number>();
  started = false;
  scheduling!: Scheduling;
  attempts!: Attempts;
  lifecycle!: Lifecycle;
  edits: EditRounds | undefined;

  constructor(
    readonly runId: string,
    readonly state: RunState,
    readonly events: EventBus,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly devices: DevicePool,
    readonly settings: RunSettings,
  ) {}

  get constellation(): Constellation {
    return this.state.constellation;
  }

  /** Emits an event; the bus applies it to the run state before observers see it. */
  emit<K extends EventType>(type: K, payload: EventPayloads[K]): void {
    this.events.emit(type, payload);
  }

  runtime(taskId: string): TaskRuntime | undefined {
    return this.runtimes.get(taskId);
  }

  track(task: Task): TaskRuntime {
    // Every field from the start: one object shape for all runtimes keeps their reads monomorphic.
    const rt: TaskRuntime = {
      phase: 'idle', slot: undefined, token: 0, execution: undefined, readyAt: 0, startedAt: 0, chunk: 0, outputChars: 0,
      timeout: undefined, retry: undefined, hasReferences: hasReferences(task), announced: false,
    };
    this.runtimes.set(task.id, rt);
    return rt;
  }

  get isEnded(): boolean {
    return this.lifecycle.isEnded;
  }
}
