import type { ConstellationState } from '../model/types';

/**
 * How durations, counts and states are worded for people, in one place for both front ends
 * (the CLI's log, live display and summary; the extension's trees, terminals, DAG panel and
 * notifications; the language-model tools).
 */

/** `850ms`, `1.2s`, `42s`, `3m 07s`, `1h 02m`; `-` for nothing meaningful. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Milliseconds between two ISO timestamps, if both are there. */
export function spanMs(startedAt: string | undefined, endedAt: string | undefined): number | undefined {
  if (startedAt === undefined || endedAt === undefined) return undefined;
  const d = Date.parse(endedAt) - Date.parse(startedAt);
  return Number.isFinite(d) ? d : undefined;
}

/** `1 task`, `3 tasks`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `950`, `12.3k`, `1.2M`. */
export function formatCount(n: number): string {
  return n < 1000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(1)}M`;
}

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what is matched
export const ANSI_SEQUENCE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Makes one line of arbitrary text printable: escape sequences and control characters go, tabs become spaces. */
export function oneLine(s: string): string {
  // C0 and C1 controls, line and paragraph separators, and the bidirectional overrides that can make text read other than it is.
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return s.replace(ANSI_SEQUENCE, '').replace(/\t/g, '  ').replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trimEnd();
}

/** {@link oneLine}, cut to `max` characters with an ellipsis. */
export function clipLine(s: string, max: number): string {
  const line = oneLine(s);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A short JSON rendering of a value for one table cell or line. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? typeof value;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const STATE_WORDS: Readonly<Record<ConstellationState, string>> = {
  completed: 'completed',
  failed: 'failed',
  partially_failed: 'partially failed',
  cancelled: 'cancelled',
  executing: 'stopped while executing',
  ready: 'did not start',
  created: 'empty',
};

/** How a finished run's state reads: `partially failed`, `did not start`, …. */
export function endStateLabel(state: ConstellationState): string {
  return STATE_WORDS[state];
}

/** A run's state in a word or two: its end state once ended, else `running` or `paused`. */
export function runStateLabel(run: { readonly ended?: ConstellationState | undefined; readonly paused: boolean }): string {
  if (run.ended !== undefined) return endStateLabel(run.ended);
  return run.paused ? 'paused' : 'running';
}
