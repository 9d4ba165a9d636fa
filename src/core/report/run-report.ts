import { setOwn } from '../model/records';
import type { Constellation } from '../model/constellation';
import type { ConstellationState, TaskError, TaskStatus } from '../model/types';
import type { RunEndReason } from '../events/event-map';
import type { RunMetrics } from '../orchestrator/metrics';
import type { AgentRound } from '../state/agent-timeline';

/** One task in a final report. */
export interface TaskReport {
  readonly status: TaskStatus;
  readonly device?: string | undefined;
  readonly attempts: number;
  readonly startedAt?: string | undefined;
  readonly endedAt?: string | undefined;
  readonly result?: unknown;
  readonly error?: TaskError | undefined;
}

/** The outcome of a run, on the DAG as it stands at the end (edits included). */
export interface RunReport {
  readonly runId: string;
  readonly constellationId: string;
  readonly name: string;
  readonly state: ConstellationState;
  readonly reason?: RunEndReason | undefined;
  readonly counts: Readonly<Record<TaskStatus, number>>;
  readonly tasks: Readonly<Record<string, TaskReport>>;
  readonly metrics: RunMetrics;
  /** The agent's timeline, when an agent (or any edit source) steered the run. */
  readonly agent?: readonly AgentRound[] | undefined;
}

export function buildReport(
  runId: string,
  c: Constellation,
  state: ConstellationState,
  reason: RunEndReason | undefined,
  metrics: RunMetrics,
  agent?: readonly AgentRound[],
): RunReport {
  const tasks: Record<string, TaskReport> = {};
  for (const t of c.tasks()) {
    setOwn(tasks, t.id, {
      status: t.status,
      device: t.assignedDevice ?? t.device,
      attempts: t.attempts,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      result: t.result,
      error: t.error,
    });
  }
  return {
    runId,
    constellationId: c.id,
    name: c.info.name,
    state,
    reason,
    counts: { ...c.statusCounts() },
    tasks,
    metrics,
    ...(agent && agent.length > 0 ? { agent } : {}),
  };
}
