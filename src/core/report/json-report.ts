import { setOwn } from '../model/records';
import type { RunReport } from './run-report';
import type { AgentRound } from '../state/agent-timeline';

/** One task in the `--json` report: every key present, `null` where there is nothing. */
export interface JsonTaskReport {
  readonly status: string;
  readonly device: string | null;
  readonly attempts: number;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly result: unknown;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The `--json` report: a stable shape for scripts and CI. */
export interface JsonReport {
  readonly runId: string;
  readonly constellationId: string;
  readonly name: string;
  readonly state: string;
  readonly reason?: RunReport['reason'];
  readonly counts: RunReport['counts'];
  readonly tasks: Record<string, JsonTaskReport>;
  readonly metrics: RunReport['metrics'];
  /** The agent's rounds, oldest first (present when the run was steered). */
  readonly agent?: readonly JsonAgentRound[];
  readonly journal?: string;
}

/** One round of the agent's timeline in `--json`: times as ISO text. */
export type JsonAgentRound = Omit<AgentRound, 'startedAt' | 'endedAt' | 'outcome'> & { readonly startedAt: string; readonly endedAt: string | null; readonly outcome: string | null };

function jsonRound(r: AgentRound): JsonAgentRound {
  return { ...r, startedAt: new Date(r.startedAt).toISOString(), endedAt: r.endedAt !== undefined ? new Date(r.endedAt).toISOString() : null, outcome: r.outcome ?? null };
}

export function toJsonReport(report: RunReport, journalDir?: string): JsonReport {
  const tasks: Record<string, JsonTaskReport> = {};
  for (const [id, t] of Object.entries(report.tasks)) {
    setOwn(tasks, id, {
      status: t.status,
      device: t.device ?? null,
      attempts: t.attempts,
      startedAt: t.startedAt ?? null,
      endedAt: t.endedAt ?? null,
      result: t.result ?? null,
      error: t.error ? { code: t.error.code, message: t.error.message } : null,
    });
  }
  return {
    runId: report.runId,
    constellationId: report.constellationId,
    name: report.name,
    state: report.state,
    ...(report.reason !== undefined ? { reason: report.reason } : {}),
    counts: report.counts,
    tasks,
    metrics: report.metrics,
    ...(report.agent ? { agent: report.agent.map(jsonRound) } : {}),
    ...(journalDir !== undefined ? { journal: journalDir } : {}),
  };
}
