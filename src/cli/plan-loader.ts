import { parsePlanText } from '../core/io/plan-file';
import type { Constellation } from '../core/model/constellation';
import { InvalidInputError, type Problem } from '../core/model/errors';
import { isTerminal } from '../core/model/types';
import { HintedInputError } from './errors';
import { readTextFile, type CliIo } from './io';

/**
 * Reads and validates a plan file. With `deviceIds`, every task's device must be one of them;
 * if not, the error says which devices the plan pins tasks to and how to provide them.
 */
export function loadPlan(file: string, io: CliIo, deviceIds?: readonly string[]): Constellation {
  const text = readTextFile(file, io.cwd);
  const known = deviceIds ? new Set(deviceIds) : undefined;
  try {
    return parsePlanText(text, { source: file, devices: known ? { hasDevice: (id) => known.has(id) } : undefined });
  } catch (err) {
    if (err instanceof InvalidInputError && err.problems.some((p) => p.code === 'reference_format')) {
      throw new HintedInputError(err.problems, err.source, `run \`constellation import ${file} -o ${suggestedName(file)}\` to convert it`);
    }
    if (known && err instanceof InvalidInputError && err.problems.some((p) => p.code === 'unknown_device')) {
      throw new HintedInputError(err.problems, err.source, deviceHint(pinnedDevicesIn(text), [...known]));
    }
    throw err;
  }
}

/** Devices that unfinished tasks are pinned to. */
export function pinnedDevices(c: Constellation): Set<string> {
  const pinned = new Set<string>();
  for (const task of c.tasks()) if (task.device !== undefined && !isTerminal(task.status)) pinned.add(task.device);
  return pinned;
}

/**
 * Devices that unfinished tasks of a (restored) constellation are pinned to but that are not
 * among `deviceIds`: such tasks could never start.
 */
export function checkPinnedDevices(c: Constellation, deviceIds: readonly string[], source: string): void {
  const known = new Set(deviceIds);
  const problems: Problem[] = [];
  for (const task of c.tasks()) {
    if (task.device === undefined || isTerminal(task.status) || known.has(task.device)) continue;
    problems.push({ code: 'unknown_device', message: `device '${task.device}' is not registered`, path: `tasks.${task.id}.device` });
  }
  if (problems.length > 0) throw new HintedInputError(problems, source, deviceHint([...pinnedDevices(c)], deviceIds));
}

function deviceHint(pinned: readonly string[], given: readonly string[]): string {
  const all = [...new Set([...pinned])];
  return `the plan pins tasks to ${all.join(', ')}; the devices given are ${given.join(', ') || 'none'}. Try --devices sim:${all.join(',')}`;
}

/** Device ids named in a plan's text, read loosely (the plan may be invalid in other ways). */
function pinnedDevicesIn(text: string): string[] {
  try {
    const value = JSON.parse(text) as { tasks?: unknown };
    if (!Array.isArray(value.tasks)) return [];
    const ids = (value.tasks as unknown[]).map((t) => (typeof t === 'object' && t !== null && 'device' in t ? t.device : undefined));
    return [...new Set(ids.filter((d): d is string => typeof d === 'string'))];
  } catch (err) {
    if (err instanceof SyntaxError) return [];
    throw err;
  }
}

/** `plan.json` → `plan.constellation.json`. */
function suggestedName(file: string): string {
  return `${file.replace(/(\.constellation)?\.json$/i, '')}.constellation.json`;
}
