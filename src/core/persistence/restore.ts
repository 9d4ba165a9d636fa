import * as fs from 'node:fs';
import type { RunEvent } from '../events/event-map';
import { planFromJson } from '../io/plan-file';
import type { Constellation } from '../model/constellation';
import { ConstellationError } from '../model/errors';
import { runPaths, type SnapshotFile } from './journal';

/** A run rebuilt from its journal. */
export interface RestoredRun {
  readonly runId: string;
  readonly constellation: Constellation;
  readonly lastSeq: number;
  /** Tasks that were running when the process stopped; they are pending again. */
  readonly interrupted: { taskId: string; device?: string | undefined; attempt: number }[];
  /** Set if the run had already ended. */
  readonly ended?: { state: string } | undefined;
  readonly meta: Record<string, unknown>;
}

/**
 * Restores a run from `<root>/<runId>`: the last snapshot, then every later event replayed.
 * Completed results are never lost; a torn last line (a crash mid-write) is ignored.
 */
export function restoreRun(root: string, runId: string): RestoredRun {
  const paths = runPaths(root, runId);
  if (!fs.existsSync(paths.snapshot)) throw new ConstellationError('unknown_run', `no journal for run '${runId}' in ${root}`);
  const snapshot = JSON.parse(fs.readFileSync(paths.snapshot, 'utf8')) as SnapshotFile;
  const c = planFromJson(snapshot.plan, { source: paths.snapshot });
  const meta = fs.existsSync(paths.meta) ? (JSON.parse(fs.readFileSync(paths.meta, 'utf8')) as Record<string, unknown>) : {};
  const lines = fs.existsSync(paths.events) ? fs.readFileSync(paths.events, 'utf8').split('\n') : [];
  let lastSeq = snapshot.seq;
  let ended: { state: string } | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch (err) {
      if (i >= lines.length - 2) return; // torn final write
      throw new ConstellationError('corrupt_journal', `${paths.events}:${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
    lastSeq = Math.max(lastSeq, event.seq);
    // The end event is also where the last snapshot is taken: look at it before skipping.
    if (event.type === 'constellation_completed' || event.type === 'constellation_failed') ended = { state: event.state };
    else if (event.type === 'constellation_started') ended = undefined;
    if (event.seq <= snapshot.seq) return;
    replay(c, event);
  });
  const interrupted: RestoredRun['interrupted'] = [];
  for (const task of c.tasks()) {
    if (task.status === 'running') {
      interrupted.push({ taskId: task.id, device: task.assignedDevice, attempt: task.attempts });
      c.transition(task.id, 'pending');
    } else if (task.status === 'ready') c.transition(task.id, 'pending');
  }
  return { runId, constellation: c, lastSeq, interrupted, ended, meta };
}

function replay(c: Constellation, e: RunEvent): void {
  const task = 'taskId' in e && typeof e.taskId === 'string' ? c.tryTask(e.taskId) : undefined;
  if (!task) return;
  const at = new Date(e.timestamp).toISOString();
  switch (e.type) {
    case 'task_started':
      task.attempts = e.attempt;
      task.assignedDevice = e.device;
      task.startedAt = at;
      c.transition(task.id, 'running');
      break;
    case 'task_completed':
      task.result = e.result;
      task.error = undefined;
      task.endedAt = at;
      c.transition(task.id, 'completed');
      break;
    case 'task_failed':
      task.error = e.error;
      task.endedAt = at;
      c.transition(task.id, e.willRetry ? 'pending' : 'failed');
      break;
    case 'task_cancelled':
      task.endedAt = at;
      task.error = { code: 'cancelled', message: e.reason };
      c.transition(task.id, 'cancelled');
      break;
    case 'task_skipped':
      task.error = { code: 'dependency_unsatisfied', message: e.reason };
      c.transition(task.id, 'skipped');
      break;
    default:
      break;
  }
}
