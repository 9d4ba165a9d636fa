import type { Constellation } from '../model/constellation';
import { isTerminal } from '../model/types';
import { canRun } from './assignment';
import type { DevicePool, DeviceSlot } from './device-pool';

/** Why each unfinished task cannot progress, for the report of a stalled run. */
export function findBlocked(
  c: Constellation,
  devices: DevicePool,
  queuedOn: (taskId: string) => DeviceSlot | undefined,
): { taskId: string; why: string }[] {
  const out: { taskId: string; why: string }[] = [];
  for (const task of c.tasks()) {
    if (isTerminal(task.status)) continue;
    let why: string;
    if (task.status === 'ready') {
      const slot = queuedOn(task.id);
      if (slot) why = `queued on device '${slot.id}', which is ${slot.availability}`;
      else if (task.device !== undefined) {
        const d = devices.get(task.device);
        why = d ? `pinned to device '${task.device}', which is ${d.availability}` : `pinned to device '${task.device}', which is not registered`;
      } else {
        const able = devices.list().filter((d) => canRun(d, task));
        const needs = [task.deviceType ? `type ${task.deviceType}` : '', task.capabilities?.length ? `capabilities [${task.capabilities.join(', ')}]` : '']
          .filter(Boolean)
          .join(' and ');
        why = able.length === 0 ? `no registered device offers ${needs || 'what it needs'}` : `every device able to run it is unavailable (${able.map((d) => d.id).join(', ')})`;
      }
    } else {
      const waiting = c
        .incoming(task.id)
        .map((d) => c.task(d.from))
        .filter((up) => !isTerminal(up.status))
        .map((up) => `'${up.id}' (${up.status})`);
      why = waiting.length > 0 ? `waits for ${waiting.join(', ')}` : 'waits for a decision on a conditional dependency';
    }
    out.push({ taskId: task.id, why });
  }
  return out;
}
