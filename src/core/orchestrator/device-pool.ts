import { Heap } from '../scheduling/heap';
import { runsBefore, type ReadyKey } from '../scheduling/ready-order';
import type { DeviceCatalog } from '../editing/apply-operation';
import type { Executor } from '../executors/executor';
import type { ShellDialect } from '../expr/shell-words';

/**
 * How the orchestrator sees a device:
 * - `available`: takes tasks;
 * - `recovering`: temporarily away (reconnecting); its queued tasks wait for it;
 * - `unavailable`: gone; tasks pinned to it wait, placed tasks move elsewhere.
 */
export type DeviceAvailability = 'available' | 'recovering' | 'unavailable';

/** A device as given to the orchestrator. */
export interface DeviceSpec {
  readonly id: string;
  readonly executor: Executor;
  readonly capabilities?: readonly string[] | undefined;
  readonly deviceType?: string | undefined;
  /** Tasks it runs at once (default 1). */
  readonly concurrency?: number | undefined;
  readonly availability?: DeviceAvailability | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  /** The shell its executor runs command lines with: references in one are quoted for it (default posix). */
  readonly shell?: ShellDialect | undefined;
}

/** A device with its slots and its queue of ready tasks. */
export class DeviceSlot {
  readonly capabilities: ReadonlySet<string>;
  concurrency: number;
  availability: DeviceAvailability;
  /** Tasks running on it; kept by the run's placements, the one record of where tasks run. */
  busy = 0;
  readonly queue = new Heap<ReadyKey>(runsBefore);
  /** Monotonic time a slot last became free; dispatch latency is measured from it. */
  slotFreedAt = 0;

  constructor(
    readonly spec: DeviceSpec,
    readonly index: number,
  ) {
    this.capabilities = new Set(spec.capabilities ?? []);
    this.concurrency = Math.max(1, spec.concurrency ?? 1);
    this.availability = spec.availability ?? 'available';
  }

  get id(): string {
    return this.spec.id;
  }

  get hasFreeSlot(): boolean {
    return this.busy < this.concurrency;
  }

  /** Running plus queued work per slot. */
  get load(): number {
    return (this.busy + this.queue.size) / this.concurrency;
  }
}

/** The devices a run may use. Also the catalog edits are checked against (I4). */
export class DevicePool implements DeviceCatalog {
  private readonly slots = new Map<string, DeviceSlot>();
  private readonly ordered: DeviceSlot[] = [];

  constructor(specs: readonly DeviceSpec[] = []) {
    for (const spec of specs) this.add(spec);
  }

  add(spec: DeviceSpec): DeviceSlot {
    if (this.slots.has(spec.id)) throw new RangeError(`device '${spec.id}' is registered twice`);
    const slot = new DeviceSlot(spec, this.ordered.length);
    this.slots.set(spec.id, slot);
    this.ordered.push(slot);
    return slot;
  }

  hasDevice(id: string): boolean {
    return this.slots.has(id);
  }

  get(id: string): DeviceSlot | undefined {
    return this.slots.get(id);
  }

  list(): readonly DeviceSlot[] {
    return this.ordered;
  }
}
