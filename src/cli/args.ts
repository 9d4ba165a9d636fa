import { UsageError } from './errors';

/** One option a command accepts. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `devices`. */
  readonly name: string;
  /** One-letter alias without the dash, e.g. `o`. */
  readonly short?: string;
  /** `value` options take an argument (`--devices sim:4` or `--devices=sim:4`). */
  readonly kind: 'flag' | 'value';
  /** Placeholder in help, e.g. `SPEC`. */
  readonly valueName?: string;
  readonly description: string;
}

/** A parsed command line: positionals in order, the last value of each value option, flags seen. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Parses `argv` against `specs`. Accepts `--name value`, `--name=value`, `-x value`, and `--`
 * to end options. A value option given twice keeps the last value, as most tools do.
 *
 * @throws UsageError naming an unknown option (with the closest known one) or a missing value.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const spec = written.startsWith('--') ? byLong.get(written.slice(2)) : written.length === 2 ? byShort.get(written.slice(1)) : undefined;
    if (!spec) throw unknownOption(written, specs, command);
    if (spec.kind === 'flag') {
      if (written !== arg) throw new UsageError(`option --${spec.name} takes no value`, `write --${spec.name} alone`, `--${spec.name}`);
      flags.add(spec.name);
      continue;
    }
    let value: string | undefined;
    if (written !== arg) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === '') {
      throw new UsageError(`option --${spec.name} needs a value`, `e.g. --${spec.name} ${spec.valueName ?? 'VALUE'}`, `--${spec.name}`);
    }
    values.set(spec.name, value);
  }
  return { positionals, values, flags };
}

function unknownOption(written: string, specs: readonly OptionSpec[], command: string): UsageError {
  const bare = written.replace(/^-+/, '');
  const near = closest(bare, specs.map((s) => s.name));
  const hint = near !== undefined ? `did you mean --${near}? See 'constellation ${command} --help'.` : `see 'constellation ${command} --help' for the options it takes`;
  return new UsageError(`unknown option '${written}' for '${command}'`, hint, written);
}

/** The candidate within a small edit distance of `word`, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && (bestDistance <= limit || (word.length >= 3 && best.startsWith(word))) ? best : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (`--jsno` is one away from `--json`). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Reads a whole number option within bounds. */
export function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = args.values.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`, undefined, `--${name}`);
  }
  return n;
}

/** Reads an option restricted to a set of words. */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const text = args.values.get(name);
  if (text === undefined) return undefined;
  if ((choices as readonly string[]).includes(text)) return text as T;
  const near = closest(text, choices);
  const hint = `expected one of ${choices.join(', ')}${near !== undefined ? `; did you mean ${near}?` : ''}`;
  throw new UsageError(`--${name} does not accept '${text}'`, hint, `--${name}`);
}

/** Exactly `count` positionals (named for messages), or a usage error. */
export function expectPositionals(args: ParsedArgs, names: readonly string[], command: string): string[] {
  if (args.positionals.length < names.length) {
    const missing = names[args.positionals.length]!;
    throw new UsageError(`'${command}' needs a ${missing}`, `usage: constellation ${command} ${names.map((n) => `<${n}>`).join(' ')} [options]`, missing);
  }
  if (args.positionals.length > names.length) {
    const extra = args.positionals[names.length]!;
    throw new UsageError(`unexpected argument '${extra}' for '${command}'`, `see 'constellation ${command} --help'`, extra);
  }
  return [...args.positionals];
}
