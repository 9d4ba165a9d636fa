import type { Constellation } from '../model/constellation';

/**
 * Length (in edges) of the longest path below each task: the critical-path measure the ready
 * queue orders by. One pass in reverse topological order, O(V + E).
 */
export function computeRanks(c: Constellation): Map<string, number> {
  const order = c.topologicalOrder();
  const ranks = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let rank = 0;
    c.forEachOutgoing(node, (dep) => {
      const r = ranks.get(dep.to)! + 1;
      if (r > rank) rank = r;
    });
    ranks.set(node, rank);
  }
  return ranks;
}
