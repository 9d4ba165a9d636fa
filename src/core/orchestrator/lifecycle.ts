import type { RunEndReason } from '../events/event-map';
import { isTerminal } from '../model/types';
import { buildReport, type RunReport } from '../report/run-report';
import type { RunContext } from './run-context';
import { findBlocked } from './stall';

/**
 * The end of a run: after every change, dispatch what can run, announce what became ready, let
 * the edit rounds start, and decide whether the run is over (everything finished) or stalled
 * (nothing running, nothing able to start), then report it once.
 */
export class Lifecycle {
  private ended = false;
  private endReason: RunEndReason | undefined;
  private startMono = 0;
  private finalReport: RunReport | undefined;
  private resolveRun!: (r: RunReport) => void;
  readonly done = new Promise<RunReport>((resolve) => (this.resolveRun = resolve));

  constructor(private readonly run: RunContext) {}

  /** True from the moment the run starts to end (before its end event is out). */
  get isEnded(): boolean {
    return this.ended;
  }

  began(): void {
    this.startMono = this.run.clock.monotonic();
  }

  afterChange(): void {
    const { run } = this;
    if (!run.started || this.ended) return;
    run.scheduling.pump();
    run.scheduling.announceReady();
    run.edits?.maybeStart();
    this.checkEnd();
  }

  private checkEnd(): void {
    if (this.ended) return;
    const { run } = this;
    const c = run.constellation;
    const n = c.statusCounts();
    const editBusy = run.edits !== undefined && (run.edits.isActive || run.edits.hasPending);
    if (n.pending + n.ready + n.running === 0 && !editBusy) {
      const state = c.state;
      this.finish(state === 'completed' ? undefined : { code: state === 'cancelled' ? 'cancelled' : 'failed', message: `${n.failed} failed, ${n.cancelled} cancelled, ${n.skipped} skipped` });
      return;
    }
    if (run.placements.running > 0 || run.attempts.retriesWaiting > 0 || editBusy || run.state.paused) return;
    if (run.devices.list().some((d) => d.availability === 'recovering')) return;
    const blocked = findBlocked(c, run.devices, (id) => run.placements.queuedOn(run.runtime(id)));
    const message = `stalled: nothing is running and nothing can start; ${blocked.length} task(s) blocked`;
    this.finish({ code: 'stalled', message, blocked });
  }

  /** Cancels the whole run: running tasks are told to stop, nothing is left running. */
  cancelRun(reason: RunEndReason): void {
    if (this.ended) return;
    const { run } = this;
    run.edits?.abort();
    for (const task of [...run.constellation.tasks()]) {
      if (!isTerminal(task.status)) run.attempts.cancel(task, reason.message);
    }
    this.finish(reason);
  }

  /** Lets go of the run: no task is told anything, timers stop, the report says it is detached. */
  detach(reason: string): void {
    if (this.ended) return;
    const { run } = this;
    this.ended = true;
    this.endReason = { code: 'detached', message: reason };
    for (const rt of run.runtimes.values()) run.attempts.stopTimers(rt);
    run.edits?.abort();
    run.emit('run_detached', { reason });
    this.finalReport = this.buildReport();
    this.resolveRun(this.finalReport);
  }

  /** Ends the run once: timers stop, the edit rounds stop waiting, the end event goes out. */
  finish(reason: RunEndReason | undefined): void {
    if (this.ended) return;
    const { run } = this;
    this.ended = true;
    this.endReason ??= reason;
    for (const rt of run.runtimes.values()) run.attempts.stopTimers(rt);
    run.edits?.abort();
    const report = this.buildReport();
    this.finalReport = report;
    const durationMs = report.metrics.durationMs;
    if (report.state === 'completed') run.emit('constellation_completed', { state: report.state, durationMs });
    else run.emit('constellation_failed', { state: report.state, durationMs, reason: this.endReason ?? { code: 'failed', message: report.state } });
    this.resolveRun(report);
  }

  /** The report so far (final once the run has ended). */
  report(): RunReport {
    return this.finalReport ?? this.buildReport();
  }

  private buildReport(): RunReport {
    const { run } = this;
    const durationMs = run.started ? run.clock.monotonic() - this.startMono : 0;
    const state = this.endReason?.code === 'stalled' ? 'failed' : run.constellation.state;
    return buildReport(run.runId, run.constellation, state, this.endReason, run.metrics.summary(durationMs, run.edits?.rounds ?? 0), run.state.agent);
  }
}
