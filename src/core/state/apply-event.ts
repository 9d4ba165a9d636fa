import type { RunEvent } from '../events/event-map';
import type { RunState } from './run-state';
import { cutOpenRounds, foldAgentEvent } from './agent-timeline';

let isoMs = Number.NaN;
let iso = '';

/** Epoch ms as ISO text; consecutive events stamped in the same millisecond share the string. */
function isoOf(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

function assertNever(e: never): never {
  throw new Error(`an event of unknown type: ${JSON.stringify(e)}`);
}

/**
 * Applies one event to a run's state: the only code that turns events into task and run state.
 * The orchestrator emits an event and the event bus applies it here before any observer sees it;
 * restoring a journal folds the events after its last snapshot through the same function. An
 * event for a task the constellation no longer has changes nothing.
 *
 * Graph edits (`constellation_modified`) are applied by the editor before the event is emitted
 * and made durable by the snapshot the journal writes before the event itself, so this function
 * leaves the graph alone.
 */
export function applyEvent(state: RunState, e: RunEvent): void {
  state.seq = e.seq;
  const c = state.constellation;
  // Each task event looks its task up once, where it needs it; no closure per event.
  switch (e.type) {
    case 'task_output': // the most frequent event: no state, no lookup
    case 'constellation_modified':
    case 'device_status_changed':
      return;
    case 'constellation_started':
      state.ended = undefined;
      state.paused = false;
      state.detached = undefined;
      cutOpenRounds(state.agent, e.timestamp);
      return;
    case 'run_detached':
      state.detached = { reason: e.reason, at: e.timestamp };
      return;
    case 'run_paused':
      state.paused = true;
      return;
    case 'run_resumed':
      state.paused = false;
      return;
    case 'constellation_completed':
      state.ended = { state: e.state, durationMs: e.durationMs };
      return;
    case 'constellation_failed':
      state.ended = { state: e.state, durationMs: e.durationMs, reason: e.reason };
      return;
    case 'task_ready': {
      const task = c.tryTask(e.taskId);
      if (!task || (task.status !== 'pending' && task.status !== 'ready')) return;
      task.assignedDevice = task.device ?? e.device;
      c.setStatus(task, 'ready');
      return;
    }
    case 'task_waiting': {
      const task = c.tryTask(e.taskId);
      if (task?.status === 'ready') c.setStatus(task, 'pending');
      return;
    }
    case 'task_started': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.attempts = e.attempt;
      task.assignedDevice = e.device;
      task.startedAt = isoOf(e.timestamp);
      task.endedAt = undefined;
      c.setStatus(task, 'running');
      return;
    }
    case 'task_completed': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.result = e.result;
      task.error = undefined;
      task.endedAt = isoOf(e.timestamp);
      c.setStatus(task, 'completed');
      return;
    }
    case 'task_failed': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.error = e.error;
      task.endedAt = isoOf(e.timestamp);
      c.setStatus(task, e.willRetry ? 'pending' : 'failed');
      return;
    }
    case 'task_cancelled': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.error = { code: 'cancelled', message: e.reason };
      task.endedAt = isoOf(e.timestamp);
      c.setStatus(task, 'cancelled');
      return;
    }
    case 'task_skipped': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.error = { code: 'dependency_unsatisfied', message: e.reason };
      c.setStatus(task, 'skipped');
      return;
    }
    case 'task_adopted': {
      const task = c.tryTask(e.taskId);
      if (!task) return;
      task.attempts = e.attempt;
      task.assignedDevice = e.device;
      task.endedAt = undefined;
      c.setStatus(task, 'running');
      return;
    }
    case 'task_interrupted': {
      const task = c.tryTask(e.taskId);
      if (task && (task.status === 'running' || task.status === 'ready')) c.setStatus(task, 'pending');
      return;
    }
    case 'task_reset': {
      const task = c.tryTask(e.taskId);
      if (task) {
        task.error = undefined;
        task.result = undefined;
        c.setStatus(task, 'pending');
      }
      for (const id of e.reopened) {
        const t = c.tryTask(id);
        if (t?.status !== 'skipped') continue;
        t.error = undefined;
        c.setStatus(t, 'pending');
      }
      return;
    }
    case 'edit_round_started':
    case 'edit_proposed':
    case 'edit_rejected':
    case 'edit_reviewed':
    case 'edit_outcome':
      foldAgentEvent(state.agent, e);
      return;
    default:
      assertNever(e);
  }
}

/**
 * The state a run is in when a new process takes it over: nothing is running or queued any
 * more, so running and ready tasks are pending again. Returns the tasks that were running, which
 * the new process announces as interrupted and runs again.
 */
export function takeOver(state: RunState): { taskId: string; device?: string | undefined; attempt: number }[] {
  const c = state.constellation;
  const interrupted: { taskId: string; device?: string | undefined; attempt: number }[] = [];
  for (const task of c.tasks()) {
    if (task.status === 'running') {
      interrupted.push({ taskId: task.id, device: task.assignedDevice, attempt: task.attempts });
      c.setStatus(task, 'pending');
    } else if (task.status === 'ready') c.setStatus(task, 'pending');
  }
  return interrupted;
}
