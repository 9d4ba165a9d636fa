import type { Execution } from '../../core/executors/executor';
import type { FromDevice, HeldTask, TaskResultMessage } from '../protocol/messages';

/** One attempt of one task on this device. The key `taskId#attempt` makes `task` idempotent. */
export interface DeviceRun {
  readonly key: string;
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly requestId: string;
  /** The orchestrator that sent it; results go back to it, also after it reconnects. */
  readonly owner: string;
  readonly startedAt: number;
  execution?: Execution | undefined;
  /** Cancel was asked: the orchestrator counts the slot free, so this device does too. */
  cancelling?: boolean | undefined;
  result?: TaskResultMessage | undefined;
  chunk: number;
  /** Output and result waiting to be sent (see `Outbox`). */
  outbox: FromDevice[];
  /** Characters queued in `outbox`. */
  buffered: number;
}

/**
 * The attempts a device holds: running ones, and finished ones whose result may not have
 * reached their orchestrator yet. Owners that stay away longer than the keep period lose them.
 */
export class RunTable {
  private readonly runs = new Map<string, DeviceRun>();
  /** Runs holding a slot: not finished and not being cancelled. */
  private occupying = 0;
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private deliveredNow = new Set<DeviceRun>();
  private deliveredBefore = new Set<DeviceRun>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly keepMs: number,
    private readonly onExpire: (run: DeviceRun) => void,
  ) {}

  get(key: string): DeviceRun | undefined {
    return this.runs.get(key);
  }

  add(run: DeviceRun): void {
    this.runs.set(run.key, run);
    this.occupying++;
  }

  /** Tasks holding a slot of this device. */
  get runningCount(): number {
    return this.occupying;
  }

  /** Cancel was asked: the orchestrator counts the slot free at once, so the device does too. */
  markCancelling(run: DeviceRun): void {
    if (run.result || run.cancelling) return;
    run.cancelling = true;
    this.occupying--;
  }

  markFinished(run: DeviceRun, result: TaskResultMessage): void {
    if (!run.result && !run.cancelling) this.occupying--;
    run.result = result;
    run.execution = undefined;
  }

  ownedBy(owner: string): DeviceRun[] {
    return [...this.runs.values()].filter((r) => r.owner === owner);
  }

  held(owner: string): HeldTask[] {
    return this.ownedBy(owner).map((r) => ({ runId: r.runId, taskId: r.taskId, attempt: r.attempt, state: r.result ? 'finished' : 'running' }));
  }

  /** The owner went away: its runs are kept for the keep period, then dropped. */
  ownerLeft(owner: string): void {
    this.ownerBack(owner);
    const t = setTimeout(() => {
      this.expiry.delete(owner);
      for (const run of this.ownedBy(owner)) {
        this.runs.delete(run.key);
        if (!run.result && !run.cancelling) this.occupying--;
        this.onExpire(run);
      }
    }, this.keepMs);
    t.unref();
    this.expiry.set(owner, t);
  }

  ownerBack(owner: string): void {
    const t = this.expiry.get(owner);
    if (t) clearTimeout(t);
    this.expiry.delete(owner);
  }

  /**
   * A result was delivered: keep it a while longer in case the delivery is lost, then forget.
   * One sweep for all of them (no timer per task): results live between one and two keep periods.
   */
  delivered(run: DeviceRun): void {
    this.deliveredNow.add(run);
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const old = this.deliveredBefore;
      this.deliveredBefore = this.deliveredNow;
      this.deliveredNow = new Set();
      for (const r of old) if (this.runs.get(r.key) === r && !this.deliveredBefore.has(r)) this.runs.delete(r.key);
      if (this.deliveredBefore.size === 0 && this.deliveredNow.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, this.keepMs);
    this.sweeper.unref();
  }

  /** Every run, for shutdown. */
  all(): DeviceRun[] {
    return [...this.runs.values()];
  }

  clear(): void {
    for (const t of this.expiry.values()) clearTimeout(t);
    this.expiry.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.deliveredNow.clear();
    this.deliveredBefore.clear();
    this.runs.clear();
    this.occupying = 0;
  }
}
