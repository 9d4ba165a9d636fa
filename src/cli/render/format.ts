import type { TaskStatus } from '../../core/model/types';
import type { OutStream } from '../io';

/** ANSI styling that becomes the identity when colour is off. */
export interface Style {
  readonly enabled: boolean;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly blue: (s: string) => string;
  readonly magenta: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly gray: (s: string) => string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const identity = (s: string) => s;

/**
 * Colour only on a TTY (or with `FORCE_COLOR`, for a wrapper that passes output on to one),
 * never with `NO_COLOR` set (no-color.org) or `TERM=dumb`.
 */
export function colourWanted(stream: OutStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (!stream.isTTY) return false;
  return env.TERM !== 'dumb';
}

export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    return { enabled, bold: identity, dim: identity, red: identity, green: identity, yellow: identity, blue: identity, magenta: identity, cyan: identity, gray: identity };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    magenta: sgr(35, 39),
    cyan: sgr(36, 39),
    gray: sgr(90, 39),
  };
}

/** Colour of each status in summaries and the live display. */
export function statusColour(style: Style, status: TaskStatus): (s: string) => string {
  switch (status) {
    case 'completed':
      return style.green;
    case 'failed':
      return style.red;
    case 'cancelled':
      return style.magenta;
    case 'skipped':
      return style.yellow;
    case 'running':
      return style.cyan;
    default:
      return style.gray;
  }
}

/** `850ms`, `1.2s`, `42s`, `3m 07s`, `1h 02m`. */
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

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what is matched
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex -- the same, anchored where truncate looks
const ANSI_AT = /\x1b\[[0-9;?]*[A-Za-z]/y;

/** Width on screen, ignoring escape sequences (one column per code point is close enough here). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** Cuts `s` to `width` columns on screen, keeping escape sequences intact and ending with `…`. */
export function truncate(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let seen = 0;
  for (let i = 0; i < s.length; ) {
    ANSI_AT.lastIndex = i;
    const m = ANSI_AT.exec(s);
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    if (seen === width - 1) break;
    out += ch;
    seen++;
    i += ch.length;
  }
  return `${out}…${s.includes('\x1b[') ? '\x1b[0m' : ''}`;
}

/** Pads to `width` columns on screen (after truncating if needed). */
export function pad(s: string, width: number): string {
  const t = truncate(s, width);
  return t + ' '.repeat(Math.max(0, width - visibleWidth(t)));
}

/** Makes one line of arbitrary text printable: control characters go, tabs become spaces. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return s.replace(ANSI, '').replace(/\t/g, '  ').replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').trimEnd();
}

/** A short JSON rendering of a result for one table cell or line. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? typeof value;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
