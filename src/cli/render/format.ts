import type { TaskStatus } from '../../core/model/types';
import type { Tone } from '../../core/report/event-text';
import { ANSI_SEQUENCE } from '../../core/report/words';
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

// eslint-disable-next-line no-control-regex -- the same, anchored where truncate looks
const ANSI_AT = /\x1b\[[0-9;?]*[A-Za-z]/y;

/** Width on screen, ignoring escape sequences (one column per code point is close enough here). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI_SEQUENCE, '')].length;
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

/** Colours a line by its tone. */
export function toneColour(style: Style, tone: Tone): (s: string) => string {
  return { info: style.cyan, good: style.green, bad: style.red, warn: style.yellow, muted: style.gray }[tone];
}
