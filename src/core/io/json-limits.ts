import { formatPath } from '../model/json-path';

/**
 * Bounds on JSON from outside (plan files, frames, device results, model answers, journals):
 * deep nesting costs nothing to send and overflows the stack of anything recursive that later
 * touches the value (serialising, cloning, comparing), so it is refused where the value enters.
 */

/** Deepest nesting of arrays and objects accepted in a value: a task's inputs, result or metadata. */
export const MAX_VALUE_DEPTH = 64;

/**
 * Deepest nesting accepted in a whole document (a plan, a frame, a journal line, a batch): its
 * values at their limit, embedded a few levels down, stay well within it.
 */
export const MAX_DOCUMENT_DEPTH = 80;

/** Largest JSON text read from a file (plans, journals): 64 MiB. */
export const MAX_JSON_TEXT = 64 * 1024 * 1024;

/**
 * Where `value` first nests deeper than `maxDepth` (the path to the container that is one level
 * too deep), or undefined. Iterative, so it never overflows the stack itself.
 */
export function findTooDeep(value: unknown, maxDepth: number): (string | number)[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Each entry points at its parent: the path is built only for the culprit, not for every node.
  interface Entry {
    readonly v: object;
    readonly depth: number;
    readonly parent: Entry | undefined;
    readonly key: string | number;
  }
  const stack: Entry[] = [{ v: value, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    if (entry.depth > maxDepth) {
      const path: (string | number)[] = [];
      for (let e: Entry | undefined = entry; e?.parent; e = e.parent) path.push(e.key);
      return path.reverse();
    }
    const depth = entry.depth + 1;
    if (Array.isArray(entry.v)) {
      const items = entry.v as unknown[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item === 'object' && item !== null) stack.push({ v: item, depth, parent: entry, key: i });
      }
      continue;
    }
    const v = entry.v as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      // An own `__proto__` (JSON.parse makes one) shadows the accessor: plain indexing reads it.
      const item = v[key];
      if (typeof item === 'object' && item !== null) stack.push({ v: item, depth, parent: entry, key });
    }
  }
  return undefined;
}

/**
 * A message naming where a value nests too deep, or undefined if it does not. `at` is where the
 * value stands in its document (`tasks[2].inputs`), prefixed to the path.
 */
export function depthProblem(value: unknown, maxDepth: number, at: readonly (string | number)[] = []): { message: string; path: string } | undefined {
  const inner = findTooDeep(value, maxDepth);
  if (!inner) return undefined;
  // The path to the culprit, shortened in the middle: sixty-four `[0]`s say no more than four.
  const shown = inner.length > 8 ? [...inner.slice(0, 4), '…', ...inner.slice(-2)] : inner;
  const path = formatPath([...at, ...shown]).replace('["…"]', '…');
  return { message: `nested deeper than ${maxDepth} levels at ${path} (at most ${maxDepth} levels of arrays and objects are accepted there)`, path };
}
