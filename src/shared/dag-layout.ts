import type { DagEdge } from './dag-protocol';

/**
 * A layered left-to-right layout: a node's layer is the longest path from a root (so every
 * edge points right), rows are ordered by the barycentre of their predecessors, two sweeps.
 * O(V + E) per sweep plus a sort per layer; 2,000 tasks take a few milliseconds.
 */
export function layeredLayout(ids: readonly string[], edges: readonly DagEdge[]): Map<string, { layer: number; row: number }> {
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const id of ids) {
    preds.set(id, []);
    succs.set(id, []);
    indeg.set(id, 0);
  }
  for (const e of edges) {
    if (!preds.has(e.from) || !preds.has(e.to)) continue;
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
    indeg.set(e.to, indeg.get(e.to)! + 1);
  }
  const layer = new Map<string, number>();
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const s of succs.get(id)!) {
      layer.set(s, Math.max(layer.get(s) ?? 0, layer.get(id)! + 1));
      const left = indeg.get(s)! - 1;
      indeg.set(s, left);
      if (left === 0) queue.push(s);
    }
  }
  for (const id of ids) if (!layer.has(id)) layer.set(id, 0); // cycles cannot be loaded; defensive
  const layers: string[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  const row = new Map<string, number>();
  layers.forEach((l) => l.forEach((id, i) => row.set(id, i)));
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const l of layers.slice(1)) {
      const bary = new Map(l.map((id) => {
        const p = preds.get(id)!;
        return [id, p.length === 0 ? row.get(id)! : p.reduce((a, q) => a + row.get(q)!, 0) / p.length] as const;
      }));
      l.sort((a, b) => bary.get(a)! - bary.get(b)! || a.localeCompare(b));
      l.forEach((id, i) => row.set(id, i));
    }
  }
  const out = new Map<string, { layer: number; row: number }>();
  for (const id of ids) out.set(id, { layer: layer.get(id)!, row: row.get(id)! });
  return out;
}
