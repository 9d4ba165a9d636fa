/** Summary statistics of a sample, in milliseconds. */
export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** What a run measures about itself. */
export interface RunMetrics {
  readonly durationMs: number;
  readonly dispatched: number;
  /** From the moment a task could run (dependencies satisfied, device slot free) to its hand-over. */
  readonly dispatchLatencyMs: Distribution;
  /** Time a ready task waited for a busy device. */
  readonly queueingMs: Distribution;
  readonly editRounds: number;
  readonly editsApplied: number;
  readonly editsRejected: number;
}

/** Collects samples during a run. Cheap enough to stay on. */
export class MetricsRecorder {
  readonly latency: number[] = [];
  readonly queueing: number[] = [];
  dispatched = 0;
  editsApplied = 0;
  editsRejected = 0;

  recordDispatch(readyAt: number, slotFreedAt: number, now: number): void {
    const canRunAt = Math.max(readyAt, slotFreedAt);
    this.latency.push(now - canRunAt);
    this.queueing.push(canRunAt - readyAt);
    this.dispatched++;
  }

  summary(durationMs: number, editRounds: number): RunMetrics {
    return {
      durationMs,
      dispatched: this.dispatched,
      dispatchLatencyMs: distribution(this.latency),
      queueingMs: distribution(this.queueing),
      editRounds,
      editsApplied: this.editsApplied,
      editsRejected: this.editsRejected,
    };
  }
}
