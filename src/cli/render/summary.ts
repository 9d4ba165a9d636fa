import type { Constellation } from '../../core/model/constellation';
import { TASK_STATUSES, type Task, type TaskStatus } from '../../core/model/types';
import type { RunReport } from '../../core/report/run-report';
import { endStateLabel, formatCount, formatDuration, oneLine, plural, spanMs } from '../../core/report/words';
import { roundLine } from '../../core/report/agent-words';
import { isSetback } from '../../core/state/agent-timeline';
import { pad, statusColour, truncate, visibleWidth, type Style } from './format';

export interface SummaryOptions {
  readonly style: Style;
  /** Terminal width; table rows are cut to it. Undefined (a pipe or a file): nothing is cut. */
  readonly width?: number | undefined;
  /** `<dir>/<runId>` if a journal was written. */
  readonly journalDir?: string | undefined;
  /** Rows of the task table before the rest is summarised. */
  readonly maxRows?: number;
}

/** Rows shown first when the table must be cut: what went wrong before what went right. */
const SEVERITY: Record<TaskStatus, number> = { failed: 0, cancelled: 1, skipped: 2, running: 3, ready: 4, pending: 5, completed: 6 };

/** The final summary: outcome, counts, a task table, why it did not complete, the journal. */
export function renderSummary(report: RunReport, c: Constellation, options: SummaryOptions): string {
  const s = options.style;
  const out: string[] = [];
  out.push(headline(report, s));
  out.push(`  ${countsText(report, s)}  ${s.gray(`(${plural(c.size, 'task')})`)}`);
  const table = taskTable(report, c, options);
  const width = options.width;
  out.push('', ...(width === undefined ? table : table.map((l) => truncate(l, width))));
  const why = explain(report, c, s);
  if (why.length > 0) out.push('', ...why);
  const agent = agentLines(report, s, options.width);
  if (agent.length > 0) out.push('', ...agent);
  out.push('');
  out.push(`${s.gray('run')} ${report.runId}`);
  if (options.journalDir !== undefined) out.push(`${s.gray('journal')} ${options.journalDir}`);
  return out.join('\n') + '\n';
}

function headline(report: RunReport, s: Style): string {
  if (report.reason?.code === 'detached') return `${s.bold(report.name)}: ${s.yellow('⏸ detached')} after ${formatDuration(report.metrics.durationMs)}`;
  const stateText = endStateLabel(report.state);
  const mark = report.state === 'completed' ? s.green(`✔ ${stateText}`) : report.state === 'cancelled' ? s.magenta(`■ ${stateText}`) : s.red(`✖ ${stateText}`);
  const stalled = report.reason?.code === 'stalled' ? s.red(' (stalled)') : '';
  return `${s.bold(report.name)}: ${mark}${stalled} in ${formatDuration(report.metrics.durationMs)}`;
}

function countsText(report: RunReport, s: Style): string {
  return TASK_STATUSES.filter((k) => report.counts[k] > 0)
    .map((k) => statusColour(s, k)(`${report.counts[k]} ${k}`))
    .join(s.gray(' · '));
}

/** One line for the end of a `--json` run, on the progress stream: the outcome at a glance. */
export function renderOutcomeLine(report: RunReport, s: Style): string {
  return `${headline(report, s)}: ${countsText(report, s)}`;
}

function ordered(c: Constellation): Task[] {
  return [...c.tasks()].sort((a, b) => c.topoPosition(a.id) - c.topoPosition(b.id));
}

function taskTable(report: RunReport, c: Constellation, options: SummaryOptions): string[] {
  const s = options.style;
  const maxRows = options.maxRows ?? 40;
  let tasks = ordered(c);
  let hidden: Task[] = [];
  if (tasks.length > maxRows) {
    const keep = new Set([...tasks].sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status]).slice(0, maxRows - 1).map((t) => t.id));
    hidden = tasks.filter((t) => !keep.has(t.id));
    tasks = tasks.filter((t) => keep.has(t.id));
  }
  const rows = tasks.map((t) => {
    const r = report.tasks[t.id];
    const ms = spanMs(r?.startedAt, r?.endedAt);
    const error = r?.error ? `${oneLine(r.error.message)} [${r.error.code}]` : '';
    return [t.id, t.status, r?.device ?? '-', String(r?.attempts ?? 0), ms === undefined ? '-' : formatDuration(ms), error];
  });
  const head = ['TASK', 'STATUS', 'DEVICE', 'ATTEMPTS', 'DURATION', 'ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i]!))));
  widths[0] = Math.min(widths[0]!, 36);
  widths[2] = Math.min(widths[2]!, 20);
  const line = (cells: string[], colour: (i: number, cell: string) => string) =>
    `  ${cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const text = i === 3 ? cell.padStart(widths[i]!) : last ? cell : pad(cell, widths[i]!);
        return colour(i, text);
      })
      .join('  ')}`.trimEnd();
  const out = [line(head, (_i, cell) => s.gray(cell))];
  for (const row of rows) {
    out.push(line(row, (i, cell) => ((i === 1 || i === 5) && cell !== '' ? statusColour(s, row[1] as TaskStatus)(cell) : cell)));
  }
  if (hidden.length > 0) {
    const byStatus = TASK_STATUSES.map((k) => [k, hidden.filter((t) => t.status === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`);
    out.push(s.gray(`  … and ${plural(hidden.length, 'more task')} not shown (${byStatus.join(', ')}); --json has them all`));
  }
  return out;
}

/** Rounds shown in the summary before the rest is counted. */
const MAX_AGENT_LINES = 20;

/** The agent's timeline, a line per round (setbacks first when it is long); `--json` has every round whole. */
function agentLines(report: RunReport, s: Style, width: number | undefined): string[] {
  const rounds = report.agent ?? [];
  if (rounds.length === 0) return [];
  const setbacks = rounds.filter(isSetback).length;
  const usage = rounds.reduce((n, r) => n + (r.usage ? r.usage.inputTokens + r.usage.outputTokens : 0), 0);
  const head = `Agent: ${plural(rounds.length, 'round')}${setbacks > 0 ? `, ${setbacks} not applied as proposed` : ''}${usage > 0 ? `, ${formatCount(usage)} tokens` : ''}`;
  let shown = rounds;
  if (rounds.length > MAX_AGENT_LINES) {
    const keep = new Set<(typeof rounds)[number]>();
    for (const r of [...rounds.filter(isSetback), ...rounds]) if (keep.size < MAX_AGENT_LINES - 1) keep.add(r);
    shown = rounds.filter((r) => keep.has(r));
  }
  const ended = report.state !== 'executing';
  const lines = shown.map((r) => {
    const line = `  ${isSetback(r) ? s.yellow('!') : s.gray('·')} ${roundLine(r, ended)}`;
    return width === undefined ? line : truncate(line, width);
  });
  if (shown.length < rounds.length) lines.push(s.gray(`  … and ${plural(rounds.length - shown.length, 'more round')}; --json has them all`));
  return [s.bold(head), ...lines];
}

/** Why the run did not complete: root failures with what they took down, stalls, cancellation. */
function explain(report: RunReport, c: Constellation, s: Style): string[] {
  const out: string[] = [];
  const reason = report.reason;
  if (reason?.code === 'stalled') {
    out.push(s.red(`Stalled: ${reason.message.replace(/^stalled:\s*/, '')}`));
    for (const b of reason.blocked ?? []) out.push(`  - ${b.taskId}: ${b.why}`);
  } else if (reason?.code === 'detached') {
    out.push(s.yellow(`Detached: ${reason.message}. Running tasks go on on their devices, which keep their results; resume the run to collect them and go on.`));
  } else if (reason?.code === 'cancelled') {
    out.push(s.magenta(`Cancelled: ${reason.message}`));
  } else if (reason?.code === 'agent_failed') {
    out.push(s.magenta(`Stopped: ${reason.message}`));
  }
  const failed = ordered(c).filter((t) => t.status === 'failed');
  const skippedBy = new Map<string, string[]>();
  const conditional: string[] = [];
  for (const t of ordered(c)) {
    if (t.status !== 'skipped') continue;
    const cause = skipCause(c, t.id);
    if (cause.root !== undefined) skippedBy.set(cause.root, [...(skippedBy.get(cause.root) ?? []), t.id]);
    else conditional.push(`  ↷ ${t.id} skipped: ${cause.text}`);
  }
  if (failed.length > 0) {
    out.push(s.red(failed.length === 1 ? 'Failure:' : `Failures (${failed.length}):`));
    for (const t of failed) {
      const attempts = t.attempts > 1 ? ` after ${plural(t.attempts, 'attempt')}` : '';
      out.push(`  ${s.red('✖')} ${t.id} failed${attempts}${t.assignedDevice ? ` on ${t.assignedDevice}` : ''}: ${t.error ? `${oneLine(t.error.message)} [${t.error.code}]` : 'no error given'}`);
      const downs = skippedBy.get(t.id);
      if (downs) out.push(s.yellow(`      so ${plural(downs.length, 'task')} never ran: ${downs.join(', ')}`));
      const survivors = c.outgoing(t.id).filter((d) => (d.type === 'completion_only' || d.type === 'unconditional') && c.task(d.to).status === 'completed');
      if (survivors.length > 0) out.push(s.gray(`      still ran (${survivors.map((d) => d.type).join(', ')} dependency): ${survivors.map((d) => d.to).join(', ')}`));
    }
  }
  for (const [root, downs] of skippedBy) {
    if (c.tryTask(root)?.status === 'failed') continue;
    out.push(`  ↷ ${plural(downs.length, 'task')} skipped because ${root} was ${c.tryTask(root)?.status ?? 'removed'}: ${downs.join(', ')}`);
  }
  if (conditional.length > 0) out.push(s.gray('Skipped by a condition (not a failure):'), ...conditional.map((l) => s.gray(l)));
  return out;
}

/** The task whose failure a skip goes back to, or the condition that was false. */
function skipCause(c: Constellation, taskId: string): { root?: string; text: string } {
  const seen = new Set<string>();
  const via: string[] = [];
  let id = taskId;
  for (;;) {
    seen.add(id);
    if (id !== taskId) via.push(id);
    const deps = c.incoming(id);
    const broken = deps.find((d) => {
      const up = c.task(d.from).status;
      return up !== 'completed' && (d.type === 'success_only' || d.type === 'conditional');
    });
    if (broken) {
      const up = c.task(broken.from);
      if (up.status === 'skipped' && !seen.has(up.id)) {
        id = up.id;
        continue;
      }
      return { root: up.id, text: `${up.id} ${up.status}` };
    }
    const cond = deps.find((d) => d.type === 'conditional');
    const through = via.length > 0 ? ` (through ${via.join(' ← ')})` : '';
    if (cond) return { text: `condition on ${cond.from} was false${cond.when ? `: ${cond.when}` : ''}${cond.condition ? ` (${cond.condition})` : ''}${through}` };
    return { text: 'a dependency was not satisfied' };
  }
}
