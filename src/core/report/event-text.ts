import type { EditDiff } from '../editing/editor';
import type { RunEvent } from '../events/event-map';
import type { Constellation } from '../model/constellation';
import { clipLine, formatDuration, oneLine, plural } from './words';

/**
 * Events worded for people, for both front ends: {@link describeEvent} for a run's log (the
 * CLI's lines and live display), {@link describeTaskStep} for one task's own timeline (the
 * DAG panel's details, the task terminal).
 */

/** How an event line should look: each front end maps the tone to its own colours. */
export type Tone = 'info' | 'good' | 'bad' | 'warn' | 'muted';

/** One notable event, worded for people. */
export interface EventLine {
  /** `started`, `completed`, `failed`, `retrying`, …: the verb column of the plain log. */
  readonly verb: string;
  readonly text: string;
  readonly tone: Tone;
  /** A single-width symbol for the live display. */
  readonly icon: string;
}

/**
 * Words an event, or returns undefined for events that are not worth a line (`task_ready`,
 * output, the start and end of the run, which the session prints itself).
 */
export function describeEvent(e: RunEvent, c: Constellation): EventLine | undefined {
  switch (e.type) {
    case 'task_started':
      return { verb: 'started', icon: '▶', tone: 'info', text: `${e.taskId} on ${e.device}${e.attempt > 1 ? ` (attempt ${e.attempt}${ofAttempts(c, e.taskId)})` : ''}` };
    case 'task_completed':
      return { verb: 'completed', icon: '✔', tone: 'good', text: `${e.taskId} on ${e.device} in ${formatDuration(e.durationMs)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}` };
    case 'task_failed': {
      const where = e.device ? ` on ${e.device}` : '';
      const attempt = `attempt ${e.attempt}${ofAttempts(c, e.taskId)}`;
      const why = `${oneLine(e.error.message)} [${e.error.code}]`;
      if (e.willRetry) {
        const when = e.retryInMs !== undefined ? ` in ${formatDuration(e.retryInMs)}` : '';
        return { verb: 'retrying', icon: '↻', tone: 'warn', text: `${e.taskId} failed${where} (${attempt}): ${why}; will retry${when}` };
      }
      const task = c.tryTask(e.taskId);
      const end = task && task.retries > 0 ? 'no retries left' : 'no retries';
      return { verb: 'failed', icon: '✖', tone: 'bad', text: `${e.taskId}${where} (${attempt}): ${why}; ${end}` };
    }
    case 'task_skipped':
      return { verb: 'skipped', icon: '↷', tone: 'warn', text: `${e.taskId}: ${e.reason}` };
    case 'task_cancelled':
      return { verb: 'cancelled', icon: '■', tone: 'muted', text: `${e.taskId}${e.wasRunning ? ' (was running)' : ''}: ${e.reason}` };
    case 'task_interrupted':
      return { verb: 'interrupted', icon: '⚡', tone: 'warn', text: `${e.taskId} was running${e.device ? ` on ${e.device}` : ''} when the previous process stopped, and no device holds it now; it runs again` };
    case 'task_adopted':
      return { verb: 'adopted', icon: '⇢', tone: 'info', text: `${e.taskId} on ${e.device}: taken over from the earlier process (attempt ${e.attempt}), not run again` };
    case 'run_detached':
      return { verb: 'detached', icon: '⏸', tone: 'warn', text: `${e.reason}: running tasks go on on their devices; resume the run to collect them` };
    case 'constellation_modified': {
      const after = e.triggeredBy.length > 0 ? ` after ${e.triggeredBy.join(', ')}` : '';
      const round = e.round !== undefined ? ` round ${e.round}` : '';
      return { verb: 'edited', icon: '✎', tone: 'info', text: `edit applied (${e.source}${round}${after}): ${describeDiff(e.diff)}` };
    }
    case 'edit_rejected': {
      const details = e.violations.slice(0, 3).map((v) => `op ${v.opIndex}: ${v.message} [${v.code}]`);
      const more = e.violations.length > 3 ? `; +${e.violations.length - 3} more` : '';
      const body = details.length > 0 ? `${details.join('; ')}${more}` : e.message;
      const repair = e.willRepair ? '; asking the edit source to repair it' : '';
      return { verb: 'rejected', icon: '✎', tone: 'bad', text: `edit round ${e.round} rejected (${e.code}): ${body}${repair}` };
    }
    case 'edit_proposed':
      return e.status === 'fail' ? { verb: 'agent', icon: '✖', tone: 'bad', text: `the edit source gave up (round ${e.round})` } : undefined;
    case 'edit_reviewed':
      return { verb: 'review', icon: '✎', tone: e.decision === 'rejected' ? 'warn' : 'info', text: `edit round ${e.round} ${e.decision.replace('_', '-')}: ${e.accepted.length} of ${e.proposed} operation(s) kept${e.reason ? ` (${JSON.stringify(e.reason)})` : ''}` };
    case 'edit_outcome':
      // The other outcomes have their line already (edits, reviews, rejections).
      if (e.outcome === 'refused') return { verb: 'dropped', icon: '✎', tone: 'bad', text: `edit round ${e.round} dropped: the batch was still invalid after the repair attempts; nothing was applied` };
      if (e.outcome === 'skipped') return { verb: 'agent', icon: '‖', tone: 'warn', text: `edit round ${e.round}: the agent was not asked (${clipLine(e.message ?? 'paused', 160)})` };
      return undefined;
    case 'run_paused':
      return { verb: 'paused', icon: '‖', tone: 'warn', text: 'run paused: nothing new starts' };
    case 'run_resumed':
      return { verb: 'resumed', icon: '▶', tone: 'info', text: 'run resumed' };
    case 'device_status_changed':
      if (e.previous === 'unknown') return undefined;
      if (e.status === 'available') return { verb: 'device', icon: '◆', tone: 'good', text: `${e.deviceId} is back` };
      if (e.status === 'recovering') return { verb: 'device', icon: '◆', tone: 'warn', text: `${e.deviceId} dropped; reconnecting (its tasks wait for it)` };
      return { verb: 'device', icon: '◆', tone: 'bad', text: `${e.deviceId} is gone: its tasks fail or move to other devices` };
    default:
      return undefined;
  }
}

function ofAttempts(c: Constellation, taskId: string): string {
  const task = c.tryTask(taskId);
  return task && task.retries > 0 ? ` of ${task.retries + 1}` : '';
}

/** `+1 task, ~2 tasks, +1 dependency`. */
export function describeDiff(d: EditDiff): string {
  const parts: string[] = [];
  const add = (n: number, sign: string, word: string) => n > 0 && parts.push(`${sign}${plural(n, word, word === 'dependency' ? 'dependencies' : `${word}s`)}`);
  add(d.addedTasks.length, '+', 'task');
  add(d.removedTasks.length, '-', 'task');
  add(d.updatedTasks.length, '~', 'task');
  add(d.addedDependencies.length, '+', 'dependency');
  add(d.removedDependencies.length, '-', 'dependency');
  add(d.updatedDependencies.length, '~', 'dependency');
  return parts.length > 0 ? parts.join(', ') : 'no change';
}

/** One step in a task's own story, without the task's name (it is the subject). */
export interface TaskStep {
  readonly text: string;
  readonly tone: Tone;
  readonly icon: string;
}

/** A task event as a step of that task's timeline; undefined for output and non-task events. */
export function describeTaskStep(e: RunEvent): TaskStep | undefined {
  switch (e.type) {
    case 'task_ready':
      return { icon: '○', tone: 'muted', text: 'ready' };
    case 'task_started':
      return { icon: '▶', tone: 'info', text: `started on ${e.device} (attempt ${e.attempt})` };
    case 'task_completed':
      return { icon: '✔', tone: 'good', text: `completed in ${formatDuration(e.durationMs)}` };
    case 'task_failed':
      return e.willRetry
        ? { icon: '↻', tone: 'warn', text: `attempt ${e.attempt} failed: ${oneLine(e.error.message)}; retrying${e.retryInMs !== undefined ? ` in ${formatDuration(e.retryInMs)}` : ''}` }
        : { icon: '✖', tone: 'bad', text: `failed: ${oneLine(e.error.message)} [${e.error.code}]` };
    case 'task_cancelled':
      return { icon: '■', tone: 'muted', text: `cancelled: ${e.reason}` };
    case 'task_skipped':
      return { icon: '↷', tone: 'warn', text: `skipped: ${e.reason}` };
    case 'task_interrupted':
      return { icon: '⚡', tone: 'warn', text: 'interrupted: it was running when the previous process stopped, and no device holds it now' };
    case 'task_adopted':
      return { icon: '⇢', tone: 'info', text: `taken over on ${e.device} (attempt ${e.attempt}): it went on while no orchestrator was attached` };
    default:
      return undefined;
  }
}
