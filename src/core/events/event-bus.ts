import EventEmitter from 'eventemitter3';
import type { Clock, Logger } from '../clock';
import type { Disposable } from '../lifecycle/disposable';
import type { EventPayloads, EventType, RunEvent } from './event-map';

export type { Disposable };

/**
 * The run's typed event stream. Stamps every event with `runId`, `seq` and a timestamp, applies
 * it to the run's state (when given a reducer), keeps (all but output)
 * a bounded window of recent events for views that reconnect, and isolates observers: one
 * that throws is logged and the others still run; the scheduler never sees the error.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private seq: number;
  private readonly recent: RunEvent[] = [];

  constructor(
    readonly runId: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: { startSeq?: number; recentLimit?: number; apply?: (event: RunEvent) => void } = {},
  ) {
    this.seq = options.startSeq ?? 0;
    this.recentLimit = options.recentLimit ?? 10_000;
    this.apply = options.apply;
  }

  /** Folds each event into the run's state before any observer sees it (see `applyEvent`). */
  private readonly apply: ((event: RunEvent) => void) | undefined;

  private readonly recentLimit: number;

  get lastSeq(): number {
    return this.seq;
  }

  on<K extends EventType>(type: K, listener: (event: RunEvent<K>) => void): Disposable {
    const guarded = (event: RunEvent<K>) => this.guard(type, () => listener(event));
    this.emitter.on(type, guarded);
    return { dispose: () => this.emitter.off(type, guarded) };
  }

  /** Every event, in order. */
  onAny(listener: (event: RunEvent) => void): Disposable {
    const guarded = (event: RunEvent) => this.guard(event.type, () => listener(event));
    this.emitter.on('*', guarded);
    return { dispose: () => this.emitter.off('*', guarded) };
  }

  emit<K extends EventType>(type: K, payload: EventPayloads[K]): RunEvent<K> {
    const event = { type, runId: this.runId, seq: ++this.seq, timestamp: this.clock.now(), ...payload } as unknown as RunEvent<K>;
    this.apply?.(event);
    // Output is not kept: a chatty task would hold megabytes here; it is in the output files.
    if (type !== 'task_output') {
      this.recent.push(event);
      if (this.recent.length > this.recentLimit * 2) this.recent.splice(0, this.recent.length - this.recentLimit);
    }
    this.emitter.emit('*', event);
    this.emitter.emit(type, event);
    return event;
  }

  /**
   * Events (output aside) with `seq` greater than `afterSeq`, if the window may still hold them
   * all; `undefined` means the caller may have missed more than the window and must resync from
   * a snapshot.
   */
  since(afterSeq: number): RunEvent[] | undefined {
    const first = this.recent[0];
    if (afterSeq >= this.seq) return [];
    if (!first || first.seq > afterSeq + 1) return undefined;
    let lo = 0;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.recent[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return this.recent.slice(lo);
  }

  removeAllListeners(): void {
    this.emitter.removeAllListeners();
  }

  private guard(type: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error(`an observer of '${type}' threw; it was isolated`, err);
    }
  }
}
