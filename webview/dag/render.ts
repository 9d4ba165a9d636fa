import type { DagEdge, DagNode, EdgeKind, NodeStatus } from '../../src/shared/dag-protocol';

export const NODE_W = 180;
export const NODE_H = 40;
const COL = 240;
const ROW = 56;

export interface View {
  /** World → screen: screen = world * scale + offset. */
  scale: number;
  x: number;
  y: number;
}

/** Theme colours, read from VS Code's CSS variables (they change with the theme). */
export function palette(): Record<NodeStatus | 'fg' | 'muted' | 'edge' | 'bg' | 'focus' | 'proposed', string> {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    pending: v('--vscode-disabledForeground', '#888'),
    ready: v('--vscode-charts-blue', '#3794ff'),
    running: v('--vscode-charts-blue', '#3794ff'),
    completed: v('--vscode-testing-iconPassed', '#388a34'),
    failed: v('--vscode-testing-iconFailed', '#f14c4c'),
    cancelled: v('--vscode-charts-orange', '#d18616'),
    skipped: v('--vscode-disabledForeground', '#888'),
    fg: v('--vscode-editor-foreground', '#ccc'),
    muted: v('--vscode-descriptionForeground', '#999'),
    edge: v('--vscode-editorLineNumber-foreground', '#666'),
    bg: v('--vscode-editor-background', '#1e1e1e'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    proposed: v('--vscode-editorWarning-foreground', '#bf8803'),
  };
}

export function nodeX(n: DagNode): number {
  return n.layer * COL;
}

export function nodeY(n: DagNode): number {
  return n.row * ROW;
}

const DASH: Record<EdgeKind, number[]> = { unconditional: [], success_only: [], completion_only: [6, 4], conditional: [2, 3] };

/** Bounds of the whole graph in world coordinates. */
export function bounds(nodes: readonly DagNode[]): { w: number; h: number } {
  let w = 0;
  let h = 0;
  for (const n of nodes) {
    w = Math.max(w, nodeX(n) + NODE_W);
    h = Math.max(h, nodeY(n) + NODE_H);
  }
  return { w, h };
}

/** Draws what is on screen (nodes and edges outside the viewport are skipped). */
export function draw(ctx: CanvasRenderingContext2D, nodes: ReadonlyMap<string, DagNode>, edges: readonly DagEdge[], view: View, selected: string | undefined, proposed: ReadonlySet<string> = new Set()): void {
  const c = palette();
  const { width, height } = ctx.canvas;
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.setTransform(view.scale * dpr, 0, 0, view.scale * dpr, view.x * dpr, view.y * dpr);
  const left = -view.x / view.scale;
  const top = -view.y / view.scale;
  const right = left + width / dpr / view.scale;
  const bottom = top + height / dpr / view.scale;
  const visible = (x: number, y: number) => x + NODE_W >= left && x <= right && y + NODE_H >= top && y <= bottom;

  ctx.lineWidth = 1 / Math.max(view.scale, 0.25);
  for (const e of edges) {
    const a = nodes.get(e.from);
    const b = nodes.get(e.to);
    if (!a || !b) continue;
    const x1 = nodeX(a) + NODE_W;
    const y1 = nodeY(a) + NODE_H / 2;
    const x2 = nodeX(b);
    const y2 = nodeY(b) + NODE_H / 2;
    if (Math.max(x1, x2) < left || Math.min(x1, x2) > right || Math.max(y1, y2) < top || Math.min(y1, y2) > bottom) continue;
    ctx.strokeStyle = e.kind === 'success_only' ? c.muted : c.edge;
    ctx.setLineDash(DASH[e.kind]);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    const mid = (x1 + x2) / 2;
    ctx.bezierCurveTo(mid, y1, mid, y2, x2, y2);
    ctx.stroke();
  }
  ctx.setLineDash([]);

  const detailed = view.scale > 0.45;
  ctx.font = '12px var(--vscode-font-family, sans-serif)';
  ctx.textBaseline = 'middle';
  for (const n of nodes.values()) {
    const x = nodeX(n);
    const y = nodeY(n);
    if (!visible(x, y)) continue;
    const colour = c[n.status];
    ctx.fillStyle = c.bg;
    ctx.fillRect(x, y, NODE_W, NODE_H);
    ctx.fillStyle = colour;
    ctx.globalAlpha = n.status === 'pending' || n.status === 'skipped' ? 0.15 : 0.3;
    ctx.fillRect(x, y, NODE_W, NODE_H);
    ctx.globalAlpha = 1;
    ctx.fillRect(x, y, 5, NODE_H);
    ctx.strokeStyle = n.id === selected ? c.focus : colour;
    ctx.lineWidth = n.id === selected ? 3 : 1;
    ctx.strokeRect(x, y, NODE_W, NODE_H);
    if (proposed.has(n.id)) {
      // Touched by an agent batch waiting for review: a dashed halo in the theme's warning colour.
      ctx.strokeStyle = c.proposed;
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 3]);
      ctx.strokeRect(x - 4, y - 4, NODE_W + 8, NODE_H + 8);
      ctx.setLineDash([]);
    }
    if (!detailed) continue;
    ctx.fillStyle = c.fg;
    ctx.fillText(fit(ctx, n.label, NODE_W - 16), x + 10, y + 13);
    ctx.fillStyle = c.muted;
    const sub = [n.status, n.device, n.durationMs !== undefined ? `${(n.durationMs / 1000).toFixed(1)}s` : undefined].filter(Boolean).join(' · ');
    ctx.fillText(fit(ctx, sub, NODE_W - 16), x + 10, y + 29);
  }
}

/** The overview at `scale`, centred in its canvas: every node, and the viewport as a rectangle. */
export function drawMinimap(ctx: CanvasRenderingContext2D, nodes: ReadonlyMap<string, DagNode>, view: View, stage: { w: number; h: number }, scale: number): { scale: number; x: number; y: number } {
  const c = palette();
  const { width, height } = ctx.canvas;
  const b = bounds([...nodes.values()]);
  const ox = (width - b.w * scale) / 2;
  const oy = (height - b.h * scale) / 2;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  for (const n of nodes.values()) {
    ctx.fillStyle = c[n.status];
    ctx.fillRect(ox + nodeX(n) * scale, oy + nodeY(n) * scale, Math.max(1, NODE_W * scale), Math.max(1, NODE_H * scale));
  }
  ctx.strokeStyle = c.focus;
  ctx.lineWidth = 1;
  ctx.strokeRect(ox + (-view.x / view.scale) * scale, oy + (-view.y / view.scale) * scale, (stage.w / view.scale) * scale, (stage.h / view.scale) * scale);
  return { scale, x: ox, y: oy };
}

/** The node under a screen point. */
export function hit(nodes: ReadonlyMap<string, DagNode>, view: View, sx: number, sy: number): DagNode | undefined {
  const x = (sx - view.x) / view.scale;
  const y = (sy - view.y) / view.scale;
  for (const n of nodes.values()) if (x >= nodeX(n) && x <= nodeX(n) + NODE_W && y >= nodeY(n) && y <= nodeY(n) + NODE_H) return n;
  return undefined;
}

function fit(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
}
