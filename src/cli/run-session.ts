import type { Logger } from '../core/clock';
import type { Constellation } from '../core/model/constellation';
import type { AssignmentStrategy } from '../core/orchestrator/assignment';
import type { EditSource, LockScope } from '../core/orchestrator/edit-source';
import type { RunReport } from '../core/report/run-report';
import { FileJournalStore } from '../runtime/file-journal-store';
import { JournalUnavailableError, prepareRun, type PreparedRun } from '../runtime/run-setup';
import type { RestoredRun } from '../core/persistence/restore';
import type { DeviceSet } from './device-spec';
import { EXIT, fileProblem } from './errors';
import type { CliIo, OutStream } from './io';
import { toJsonReport } from '../core/report/json-report';
import { plural } from '../core/report/words';
import { colourWanted, makeStyle, truncate } from './render/format';
import { LineReporter, type ProgressView } from './render/line-reporter';
import { LiveDisplay } from './render/live-display';
import { renderOutcomeLine, renderSummary } from './render/summary';

/** Everything a run (new or resumed) needs. */
export interface SessionConfig {
  readonly constellation: Constellation;
  readonly devices: DeviceSet;
  readonly runId?: string | undefined;
  readonly strategy?: AssignmentStrategy | undefined;
  readonly editSource?: EditSource | undefined;
  readonly lockScope?: LockScope | undefined;
  readonly editTimeoutMs?: number | undefined;
  readonly maxConcurrent?: number | undefined;
  readonly startSeq?: number | undefined;
  readonly interrupted?: RestoredRun['interrupted'] | undefined;
  readonly agentTimeline?: RestoredRun['state']['agent'] | undefined;
  /** Journal root and the facts `resume` needs (written once, on the first run). */
  readonly journal?: { readonly root: string; readonly meta: Record<string, unknown> } | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly resumed: boolean;
  /** The logger the devices were opened with; the live display takes its lines while it runs. */
  readonly logger: SessionLogger;
}

/** Exit status of a finished run. */
export function exitCodeOf(state: string): number {
  return state === 'completed' ? EXIT.ok : EXIT.runFailed;
}

function exitCodeOfReport(report: RunReport): number {
  return report.reason?.code === 'detached' ? EXIT.detached : exitCodeOf(report.state);
}

/**
 * Runs one orchestrator to its end: journal, progress view, signals (first SIGINT/SIGTERM
 * cancels cleanly, a second forces exit 130), then the report or summary. Returns the exit code.
 */
export async function runSession(cfg: SessionConfig, io: CliIo): Promise<number> {
  const c = cfg.constellation;
  const progress: OutStream = cfg.json ? io.err : io.out;
  const style = makeStyle(colourWanted(progress, io.env));
  let prepared: PreparedRun;
  try {
    prepared = prepareRun({
      constellation: c,
      devices: cfg.devices.devices,
      runId: cfg.runId,
      strategy: cfg.strategy,
      editSource: cfg.editSource,
      lockScope: cfg.lockScope,
      editTimeoutMs: cfg.editTimeoutMs,
      maxConcurrent: cfg.maxConcurrent,
      startSeq: cfg.startSeq,
      interrupted: cfg.interrupted,
      agentTimeline: cfg.agentTimeline,
      logger: cfg.logger,
      journal: cfg.journal ? { store: new FileJournalStore(cfg.journal.root), meta: cfg.journal.meta } : undefined,
    });
  } catch (err) {
    await cfg.devices.close();
    if (err instanceof JournalUnavailableError) throw fileProblem(cfg.journal?.root ?? err.location, 'unwritable', err.message);
    throw err;
  }
  const { orchestrator, journal } = prepared;
  const runId = orchestrator.runId;
  cfg.devices.attach?.(orchestrator);
  const journalDir = journal?.location;

  if (!cfg.quiet) {
    const n = c.statusCounts();
    const done = n.completed + n.failed + n.cancelled + n.skipped;
    const verb = cfg.resumed ? 'resuming' : 'running';
    const already = cfg.resumed ? `, ${done} already finished` : '';
    const fit = (line: string) => (progress.isTTY && progress.columns ? truncate(line, progress.columns - 1) : line);
    progress.write(`${fit(`${style.bold(verb)} ${c.info.name}: ${plural(c.size, 'task')}${already} on ${cfg.devices.label}`)}\n`);
    progress.write(`${style.gray('run')} ${runId}${journalDir !== undefined ? `  ${style.gray('journal')} ${journalDir}` : ''}\n`);
  }
  const live = !cfg.quiet && progress.isTTY === true && io.env.TERM !== 'dumb';
  const view: ProgressView | undefined = cfg.quiet ? undefined : live ? new LiveDisplay(orchestrator, progress, style) : new LineReporter(orchestrator, progress, style);
  if (live) cfg.logger.view = view;

  // Ctrl+C (SIGINT) cancels. SIGTERM and SIGHUP (a terminal closed, a service stopped) let go of
  // a journaled run instead: its devices go on and keep their results for `resume` to collect.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1 && !orchestrator.isEnded) {
      if (signal !== 'SIGINT' && journal) {
        view?.note(`${signal}: detaching from the run; resume it with: constellation resume ${runId}${cfg.journal ? ` --journal ${cfg.journal.root}` : ''}`);
        orchestrator.detach(`the process received ${signal}`);
      } else {
        view?.note(`${signal}: cancelling the run (press Ctrl+C again to exit at once)`);
        orchestrator.cancel(`interrupted by ${signal}`);
      }
      return;
    }
    view?.stop();
    prepared.close();
    io.err.write(`constellation: ${signal} again, exiting without waiting${journalDir !== undefined ? `; journal in ${journalDir}` : ''}\n`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  let report: RunReport;
  try {
    report = await orchestrator.run();
  } finally {
    cfg.logger.view = undefined;
    view?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    prepared.close();
    await cfg.devices.close();
  }

  if (cfg.json) {
    io.out.write(`${JSON.stringify(toJsonReport(report, journalDir), null, 2)}\n`);
    if (!cfg.quiet) progress.write(`${renderOutcomeLine(report, style)}\n`);
  }
  else {
    const summaryStyle = makeStyle(colourWanted(io.out, io.env));
    const width = io.out.isTTY && io.out.columns ? io.out.columns - 1 : undefined;
    io.out.write(`${live || cfg.quiet ? '' : '\n'}${renderSummary(report, c, { style: summaryStyle, width, journalDir })}`);
  }
  return exitCodeOfReport(report);
}

/**
 * The CLI's logger: warnings and errors on stderr, or, while the live display owns the terminal,
 * among its recent lines (a line written under it would tear the frame it redraws in place).
 */
export class SessionLogger implements Logger {
  /** Set while a live display runs. */
  view: ProgressView | undefined;

  constructor(private readonly io: CliIo) {}

  debug(): void {}

  info(): void {}

  warn(message: string): void {
    if (this.view) this.view.note(`warning: ${message}`);
    else this.io.err.write(`constellation: warning: ${message}\n`);
  }

  error(message: string, err?: unknown): void {
    const text = `${message}${err instanceof Error ? `: ${err.message}` : ''}`;
    if (this.view) this.view.note(text);
    else this.io.err.write(`constellation: ${text}\n`);
  }
}

export function stderrLogger(io: CliIo): SessionLogger {
  return new SessionLogger(io);
}
