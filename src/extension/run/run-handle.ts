import type * as vscode from 'vscode';
import type { Constellation } from '../../core/model/constellation';
import type { Orchestrator } from '../../core/orchestrator/orchestrator';
import type { DisposableStore } from '../../core/lifecycle/disposable';
import { buildReport, type RunReport } from '../../core/report/run-report';
import { MetricsRecorder } from '../../core/orchestrator/metrics';
import type { FileJournalStore } from '../../runtime/file-journal-store';
import type { RunSummary } from '../../runtime/run-history';
import type { OutputBuffer } from './output-buffer';
import type { RunAgent } from '../agent/run-agent';
import { runStateLabel } from '../../core/report/words';
import type { AgentRound } from '../../core/state/agent-timeline';

/**
 * One run in the window: one this window runs (it has an {@link RunHandle.orchestrator}), or one
 * read from the journal (an earlier window's, a detached one waiting to be resumed, one the
 * command line ran), which has {@link RunHandle.past} instead.
 */
export interface RunHandle {
  readonly id: string;
  readonly name: string;
  /** The plan file it was started from (unknown for some runs of the command line). */
  readonly planUri: vscode.Uri | undefined;
  readonly constellation: Constellation;
  /** Present while this window runs it (and after it ended here). */
  readonly orchestrator?: Orchestrator | undefined;
  /** Start time, epoch ms. */
  readonly startedAt: number;
  /** Output of its tasks, for terminals, when it is not journaled (journaled runs read their output files). */
  readonly outputs: OutputBuffer;
  /** Its journal, if it has one: output files, report, resume. */
  readonly journal?: FileJournalStore | undefined;
  /** The run it continues (a rerun). */
  readonly continues?: string | undefined;
  /** The agent steering it, if any: its model and the calls and tokens used so far. */
  readonly agent?: RunAgent | undefined;
  /** What the run registered (device attachments, its journal, subscriptions): disposed when it is forgotten. */
  readonly scope: DisposableStore;
  /** For a run read from the journal: how it stands there. */
  readonly past?: RunSummary | undefined;
  /** For a run read from the journal: the agent's rounds as it recorded them. */
  readonly pastAgent?: readonly AgentRound[] | undefined;
  report?: RunReport | undefined;
}

/** A run this window runs. */
export type LiveRun = RunHandle & { readonly orchestrator: Orchestrator };

export function isLive(run: RunHandle): run is LiveRun {
  return run.orchestrator !== undefined;
}

/** Still going in this window. */
export function isActive(run: RunHandle): run is LiveRun {
  return run.orchestrator !== undefined && !run.orchestrator.isEnded;
}

/** A run read from the journal that can be resumed here: detached, or cut off by a crash, and nobody else runs it. */
export function isResumable(run: RunHandle): boolean {
  const p = run.past;
  return p !== undefined && (p.state === 'detached' || p.state === 'interrupted') && p.heldBy === undefined;
}

/** How a run stands, in words: for the tree, the DAG panel, the status bar and the chat tool. */
export function runStateOf(run: RunHandle): string {
  if (run.report) return runStateLabel({ ended: run.report.state, paused: false });
  if (run.orchestrator) return runStateLabel({ ended: undefined, paused: run.orchestrator.isPaused });
  const p = run.past;
  if (p?.heldBy !== undefined) return `running in another window (process ${p.heldBy})`;
  if (p?.state === 'interrupted') return 'interrupted';
  return 'detached';
}

/** A start time that tells runs apart: the time today, else the date too. */
export function startTime(epochMs: number): string {
  const d = new Date(epochMs);
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${time}`;
}

/**
 * A run's report as it stands: the live one, the final one, or (a past run that has not ended)
 * where its journal left it.
 */
export function reportOf(run: RunHandle): RunReport {
  return run.orchestrator?.report() ?? run.report ?? buildReport(run.id, run.constellation, 'executing', undefined, new MetricsRecorder().summary(0, 0), run.pastAgent);
}

/** The agent's rounds of a run, oldest first: live, or as its journal recorded them. */
export function timelineOf(run: RunHandle): readonly AgentRound[] {
  return run.orchestrator?.state.agent ?? run.pastAgent ?? [];
}

/** Whether a run is over (a round without an outcome was cut off by its end). */
export function hasEnded(run: RunHandle): boolean {
  return run.report !== undefined || (run.orchestrator === undefined && run.past !== undefined);
}

/** Which plan a run belongs to: one DAG tab per plan. */
export function planKey(run: RunHandle): string {
  return run.planUri?.toString() ?? `plan:${run.constellation.id}`;
}
