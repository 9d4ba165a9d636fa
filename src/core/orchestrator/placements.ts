import type { DeviceSlot } from './device-pool';

/**
 * Where a task is in scheduling: not readied (`idle`), ready but not on a queue (`waiting`: no
 * device can take it now, or the edit lock holds it), `queued` on a device, or `running` there.
 */
export type Phase = 'idle' | 'waiting' | 'queued' | 'running';

/** The placement fields of a task's runtime; only {@link Placements} writes them. */
export interface Placed {
  phase: Phase;
  /** The device it is queued or running on. */
  slot: DeviceSlot | undefined;
}

/**
 * The one record of where each task is queued or runs (kept on the task's runtime, so the hot
 * path does no extra lookups). Per-device and total running counts are derived here, in the same
 * step as the placement changes, and nowhere else.
 */
export class Placements {
  private total = 0;

  /** Tasks running now, over all devices. */
  get running(): number {
    return this.total;
  }

  /** True from the moment a task is readied until it starts or waits again. */
  isReadied(p: Placed): boolean {
    return p.phase === 'waiting' || p.phase === 'queued';
  }

  queuedOn(p: Placed | undefined): DeviceSlot | undefined {
    return p?.phase === 'queued' ? p.slot : undefined;
  }

  runningOn(p: Placed | undefined): DeviceSlot | undefined {
    return p?.phase === 'running' ? p.slot : undefined;
  }

  /** Ready, but on no queue. */
  wait(p: Placed): void {
    if (p.phase === 'running') throw new RangeError('a running task cannot wait for a device');
    p.phase = 'waiting';
    p.slot = undefined;
  }

  /** Queues a task on a device (its heap entry is pushed by the caller). */
  queue(p: Placed, slot: DeviceSlot): void {
    if (p.phase === 'running') throw new RangeError('a running task cannot be queued');
    p.phase = 'queued';
    p.slot = slot;
  }

  /** No longer readied: off its queue (the heap entry is dropped lazily when it surfaces). */
  clear(p: Placed): void {
    if (p.phase === 'running') return;
    p.phase = 'idle';
    p.slot = undefined;
  }

  /** The task starts on `slot` (I1: never twice at once). */
  start(p: Placed, slot: DeviceSlot): void {
    if (p.phase === 'running') throw new RangeError('the task is already running');
    p.phase = 'running';
    p.slot = slot;
    slot.busy++;
    this.total++;
  }

  /** The task stopped running; returns the device it ran on. */
  release(p: Placed): DeviceSlot | undefined {
    if (p.phase !== 'running') return undefined;
    const slot = p.slot!;
    p.phase = 'idle';
    p.slot = undefined;
    slot.busy--;
    this.total--;
    return slot;
  }
}
