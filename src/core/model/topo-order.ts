import type { DirectedGraph } from 'graphology';

/**
 * A topological order kept up to date as edges are added (Pearce & Kelly, 2006): an edge that
 * already agrees with the order costs O(1); otherwise only the nodes between its endpoints in
 * the order are visited. This is how every added edge is checked for a cycle without
 * rescanning the graph.
 */
export class TopoOrder {
  private readonly ord = new Map<string, number>();
  private next = 0;

  constructor(private readonly graph: DirectedGraph) {}

  /** Appends a node that has no edges yet. */
  addNode(node: string): void {
    this.ord.set(node, this.next++);
  }

  deleteNode(node: string): void {
    this.ord.delete(node);
  }

  /** Resets the order from a full topological sort (bulk loads). */
  reset(sorted: readonly string[]): void {
    this.ord.clear();
    this.next = 0;
    for (const node of sorted) this.ord.set(node, this.next++);
  }

  /** The position of `node` in the current order. */
  position(node: string): number {
    const p = this.ord.get(node);
    if (p === undefined) throw new RangeError(`node ${node} is not in the order`);
    return p;
  }

  /**
   * Checks the edge `from → to` before it is added. Returns the cycle it would close (task
   * ids, first = last) or `undefined`, in which case the order has been adjusted so that the
   * edge can be added.
   */
  checkAndPrepare(from: string, to: string): string[] | undefined {
    if (from === to) return [from, from];
    const ub = this.position(from);
    const lb = this.position(to);
    if (ub < lb) return undefined;

    // Forward from `to`, within the affected window, looking for `from`.
    const parent = new Map<string, string>();
    const forward: string[] = [to];
    const seenF = new Set<string>([to]);
    const stack = [to];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const next of this.graph.outNeighbors(node)) {
        if (next === from) {
          const path = [from, to];
          const tail: string[] = [];
          for (let cur: string | undefined = node; cur !== undefined && cur !== to; cur = parent.get(cur)) tail.push(cur);
          return [...path, ...tail.reverse(), from];
        }
        if (seenF.has(next) || this.position(next) > ub) continue;
        seenF.add(next);
        parent.set(next, node);
        forward.push(next);
        stack.push(next);
      }
    }

    // Backward from `from`, within the window.
    const backward: string[] = [from];
    const seenB = new Set<string>([from]);
    stack.push(from);
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const prev of this.graph.inNeighbors(node)) {
        if (seenB.has(prev) || this.position(prev) < lb) continue;
        seenB.add(prev);
        backward.push(prev);
        stack.push(prev);
      }
    }

    // Everything that reaches `from` goes before everything `to` reaches, reusing their slots.
    const byOrder = (a: string, b: string) => this.position(a) - this.position(b);
    backward.sort(byOrder);
    forward.sort(byOrder);
    const slots = [...backward, ...forward].map((n) => this.position(n)).sort((a, b) => a - b);
    [...backward, ...forward].forEach((node, i) => this.ord.set(node, slots[i]!));
    return undefined;
  }
}

/** A cycle in a graph known to have one (iterative DFS with colours), as node keys, first = last. */
export function findCycle(graph: DirectedGraph): string[] {
  const colour = new Map<string, 1 | 2>();
  const parent = new Map<string, string>();
  for (const root of graph.nodes()) {
    if (colour.has(root)) continue;
    const stack: [string, string[]][] = [[root, graph.outNeighbors(root)]];
    colour.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top[1].pop();
      if (next === undefined) {
        colour.set(top[0], 2);
        stack.pop();
        continue;
      }
      if (colour.get(next) === 1) {
        const cycle = [next];
        for (let cur = top[0]; cur !== next; cur = parent.get(cur)!) cycle.push(cur);
        cycle.push(next);
        return cycle.reverse();
      }
      if (!colour.has(next)) {
        colour.set(next, 1);
        parent.set(next, top[0]);
        stack.push([next, graph.outNeighbors(next)]);
      }
    }
  }
  return [];
}

