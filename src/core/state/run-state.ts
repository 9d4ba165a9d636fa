import type { RunEndReason } from '../events/event-map';
import type { Constellation } from '../model/constellation';
import type { ConstellationState } from '../model/types';
import type { AgentRound } from './agent-timeline';

/** How a run ended, as its end event says. */
export interface RunEnd {
  readonly state: ConstellationState;
  readonly durationMs: number;
  readonly reason?: RunEndReason | undefined;
}

/**
 * Everything a run's events decide: the constellation with each task's status, attempts,
 * device, result, error and times, and the run's own state. The live orchestrator and the
 * restore of a journal both build it with {@link applyEvent} and nothing else.
 */
export interface RunState {
  readonly constellation: Constellation;
  /** The last event applied. */
  seq: number;
  paused: boolean;
  ended?: RunEnd | undefined;
  /** Set while the run is let go of by every process (until one resumes it). */
  detached?: { readonly reason: string; readonly at: number } | undefined;
  /** The agent's rounds, oldest first (see {@link AgentRound}). */
  readonly agent: AgentRound[];
}

export function newRunState(constellation: Constellation, seq = 0, agent: readonly AgentRound[] = []): RunState {
  return { constellation, seq, paused: false, agent: structuredClone([...agent]) };
}
