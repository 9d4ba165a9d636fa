import type { Task } from '../model/types';
import type { DeviceSlot } from './device-pool';

/** How a task without a `device` is placed. */
export type AssignmentStrategy = 'round_robin' | 'capability_match' | 'load_balance';

export const ASSIGNMENT_STRATEGIES: readonly AssignmentStrategy[] = ['round_robin', 'capability_match', 'load_balance'];

/** A device can take a task if it offers every required capability and the right type. */
export function canRun(device: DeviceSlot, task: Task): boolean {
  if (task.deviceType !== undefined && device.spec.deviceType !== undefined && device.spec.deviceType !== task.deviceType) {
    return false;
  }
  if (task.deviceType !== undefined && device.spec.deviceType === undefined && !device.capabilities.has(task.deviceType)) {
    return false;
  }
  for (const cap of task.capabilities ?? []) if (!device.capabilities.has(cap)) return false;
  return true;
}

/** Places tasks that the plan did not pin to a device. */
export class Placer {
  private cursor = 0;

  constructor(readonly strategy: AssignmentStrategy) {}

  /**
   * Picks a device among `devices` (all registered, in registration order) that can run the
   * task and is not gone. Every strategy respects capabilities; they differ in preference:
   * - `round_robin`: the next able device after the previous pick, whatever its load;
   * - `capability_match`: the tightest fit (fewest capabilities beyond those required, so
   *   specialised devices stay free), then the least loaded;
   * - `load_balance`: the least outstanding work (running + queued per slot).
   */
  place(task: Task, devices: readonly DeviceSlot[]): DeviceSlot | undefined {
    const able = (d: DeviceSlot) => d.availability !== 'unavailable' && canRun(d, task);
    if (this.strategy === 'round_robin') {
      const n = devices.length;
      for (let k = 0; k < n; k++) {
        const d = devices[(this.cursor + k) % n]!;
        if (able(d)) {
          this.cursor = (this.cursor + k + 1) % n;
          return d;
        }
      }
      return undefined;
    }
    let best: DeviceSlot | undefined;
    let bestFit = Infinity;
    let bestLoad = Infinity;
    const required = task.capabilities?.length ?? 0;
    for (const d of devices) {
      if (!able(d)) continue;
      // A device that is away costs more than any load, so a present one is preferred.
      const load = d.load + (d.availability === 'available' ? 0 : 1e6);
      const fit = this.strategy === 'capability_match' ? d.capabilities.size - required : 0;
      if (fit < bestFit || (fit === bestFit && load < bestLoad)) {
        best = d;
        bestFit = fit;
        bestLoad = load;
      }
    }
    return best;
  }
}
