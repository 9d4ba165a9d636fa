import type { AgentRoundView, DagEdge, DagNode, HostMessage, TaskDetails, WebviewMessage } from '../../src/shared/dag-protocol';
import { bounds, draw, drawMinimap, hit, type View } from './render';
import { badge, button } from './ui';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const canvas = document.getElementById('graph') as HTMLCanvasElement;
const mini = document.getElementById('minimap') as HTMLCanvasElement;
const stage = document.getElementById('stage')!;
const toolbar = document.getElementById('toolbar')!;
const details = document.getElementById('details')!;
const ctx = canvas.getContext('2d')!;
const miniCtx = mini.getContext('2d')!;

let nodes = new Map<string, DagNode>();
let edges: DagEdge[] = [];
let seq = -1;
let view: View = { scale: 1, x: 20, y: 20 };
/** Keep the whole graph in view (on resize, on a new snapshot) until the user pans or zooms. */
let autoFit = true;
/** Where the minimap last drew the graph, for clicks on it. */
let miniView = { scale: 1, x: 0, y: 0 };
let selected: string | undefined;
/** Tasks an agent batch waiting for review touches. */
let proposed = new Set<string>();
let pending: { kind: 'snapshot' | 'delta'; seq: number; started: number; sentAt?: number } | undefined;
let frame = 0;
let resyncing = false;
/** Delay from a status event to its repaint, ms, most recent last. */
const lags: number[] = [];
const title = document.createElement('strong');
const state = document.createElement('span');
state.className = 'state';

function post(m: WebviewMessage): void {
  vscode.postMessage(m);
}

function resize(): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = stage.clientWidth * dpr;
  canvas.height = stage.clientHeight * dpr;
  canvas.style.width = `${stage.clientWidth}px`;
  canvas.style.height = `${stage.clientHeight}px`;
  if (autoFit) fit();
  else redraw();
}

/** One repaint per animation frame, whatever the number of deltas in between. */
function redraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw(ctx, nodes, edges, view, selected, proposed);
    drawMini();
    // Where things are, for anyone automating the panel (the end-to-end tests read it).
    stage.dataset.view = `${view.scale},${view.x},${view.y}`;
    if (pending) {
      const p = pending;
      pending = undefined;
      const ms = performance.now() - p.started;
      const lagMs = p.sentAt !== undefined ? Date.now() - p.sentAt : undefined;
      post({ type: 'rendered', kind: p.kind, seq: p.seq, ms, ...(lagMs !== undefined ? { lagMs } : {}) });
      document.body.dataset.renderedSeq = String(p.seq);
      if (p.kind === 'snapshot') document.body.dataset.drawMs = ms.toFixed(1);
      if (lagMs !== undefined) {
        lags.push(Math.round(lagMs));
        if (lags.length > 500) lags.splice(0, lags.length - 500);
        document.body.dataset.lags = lags.join(',');
      }
    }
  });
}

/**
 * The overview, sized to the panel (at most a quarter of it) and shown only when part of the
 * graph is out of view: with everything visible there is nothing to navigate to.
 */
function drawMini(): void {
  const b = bounds([...nodes.values()]);
  const sw = stage.clientWidth;
  const sh = stage.clientHeight;
  const left = -view.x / view.scale;
  const top = -view.y / view.scale;
  const allVisible = left <= 0 && top <= 0 && left + sw / view.scale >= b.w && top + sh / view.scale >= b.h;
  mini.hidden = allVisible || nodes.size === 0 || sw < 240 || sh < 160;
  if (mini.hidden) return;
  const scale = Math.min((sw * 0.25) / Math.max(b.w, 1), (sh * 0.25) / Math.max(b.h, 1), 200 / Math.max(b.w, 1), 120 / Math.max(b.h, 1));
  const w = Math.max(40, Math.ceil(b.w * scale));
  const h = Math.max(24, Math.ceil(b.h * scale));
  if (mini.width !== w || mini.height !== h) {
    mini.width = w;
    mini.height = h;
  }
  miniView = drawMinimap(miniCtx, nodes, view, { w: sw, h: sh }, scale);
}

function fitClicked(): void {
  autoFit = true;
  fit();
}

function fit(): void {
  const b = bounds([...nodes.values()]);
  const w = stage.clientWidth - 40;
  const h = stage.clientHeight - 40;
  const scale = Math.min(1.2, Math.max(0.02, Math.min(w / Math.max(b.w, 1), h / Math.max(b.h, 1))));
  view = { scale, x: 20 + (w - b.w * scale) / 2, y: 20 + (h - b.h * scale) / 2 };
  redraw();
}

function zoom(factor: number, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2): void {
  const scale = Math.min(4, Math.max(0.02, view.scale * factor));
  view = { scale, x: cx - ((cx - view.x) * scale) / view.scale, y: cy - ((cy - view.y) * scale) / view.scale };
  redraw();
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'snapshot': {
      if (m.seq <= seq) return; // an older snapshot, overtaken
      resyncing = false;
      const started = performance.now();
      nodes = new Map(m.nodes.map((n) => [n.id, { ...n }]));
      edges = [...m.edges];
      seq = m.seq;
      title.textContent = m.title;
      setState(m.state);
      vscode.setState({ runId: m.runId });
      pending = { kind: 'snapshot', seq: m.seq, started };
      if (autoFit) fit();
      else redraw();
      return;
    }
    case 'delta': {
      // Before the first snapshot, and for deltas it already covers, there is nothing to do.
      if (seq < 0 || m.seq <= seq) return;
      if (m.seq !== seq + 1) {
        // A gap: ask for the whole graph again, once, and ignore deltas until it comes.
        if (!resyncing) {
          post({ type: 'resync', lastSeq: seq });
          // Counted where automation can read it (the end-to-end test provokes a gap).
          document.body.dataset.resyncs = String(Number(document.body.dataset.resyncs ?? 0) + 1);
        }
        resyncing = true;
        return;
      }
      const started = performance.now();
      seq = m.seq;
      for (const d of m.nodes) {
        const n = nodes.get(d.id);
        if (n) {
          n.status = d.status;
          n.device = d.device;
          n.durationMs = d.durationMs;
        }
      }
      setState(m.state);
      // Deltas drawn in the same frame: the delay counts from the earliest event among them.
      const earliest = pending?.sentAt !== undefined ? Math.min(pending.sentAt, m.eventAt) : m.eventAt;
      pending = { kind: pending?.kind ?? 'delta', seq: m.seq, started: pending?.started ?? started, sentAt: earliest };
      redraw();
      return;
    }
    case 'details':
      showDetails(m.task);
      return;
    case 'gone':
      details.hidden = false;
      details.textContent = m.message;
      return;
    case 'agent':
      agentRounds = m.rounds;
      agentButton.textContent = m.summary;
      agentButton.hidden = m.summary === '';
      if (showingAgent) showAgent();
      return;
    case 'proposal':
      proposed = new Set(m.touched);
      proposal.textContent = m.summary;
      proposal.hidden = m.summary === '';
      document.body.dataset.proposal = m.summary;
      redraw();
      return;
  }
}

function setState(text: string): void {
  state.textContent = text;
  const counts = new Map<string, number>();
  for (const n of nodes.values()) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  legend.replaceChildren(...['running', 'completed', 'failed', 'pending', 'skipped'].filter((s) => counts.get(s)).map((s) => {
    const el = badge(`${s} ${counts.get(s)!}`);
    el.dataset.status = s;
    return el;
  }));
}

function section(label: string, text: string | undefined): HTMLElement[] {
  if (text === undefined || text === '') return [];
  const h = document.createElement('h4');
  h.textContent = label;
  const pre = document.createElement('pre');
  pre.textContent = text;
  return [h, pre];
}

/** The agent's rounds, newest first, and whether the details pane shows them. */
let agentRounds: readonly AgentRoundView[] = [];
let showingAgent = false;

function showAgent(): void {
  // A redraw keeps what the user opened or folded, and where the pane was scrolled.
  const wasOpen = new Map<string, boolean>();
  if (showingAgent) for (const el of details.querySelectorAll<HTMLDetailsElement>('details.round')) wasOpen.set(el.dataset.round ?? '', el.open);
  const scroll = details.scrollTop;
  showingAgent = true;
  details.hidden = false;
  const h = document.createElement('h3');
  h.textContent = 'Agent';
  const list = document.createElement('div');
  list.className = 'rounds';
  for (const r of agentRounds) {
    const item = document.createElement('details');
    item.className = `round ${r.tone}`;
    item.dataset.round = String(r.round);
    // The newest round and every setback open; the rest fold.
    item.open = wasOpen.get(String(r.round)) ?? (r === agentRounds[0] || r.tone === 'warn' || r.tone === 'bad');
    const summary = document.createElement('summary');
    summary.textContent = r.title;
    const pre = document.createElement('pre');
    pre.textContent = r.lines.join('\n');
    item.append(summary, pre);
    list.append(item);
  }
  const close = button('Close', () => {
    details.hidden = true;
    showingAgent = false;
  }, 'secondary', 'Close details');
  const empty = document.createElement('p');
  empty.className = 'meta';
  empty.textContent = 'No round yet: the agent is asked when tasks finish.';
  details.replaceChildren(h, close, agentRounds.length > 0 ? list : empty);
  details.scrollTop = scroll;
}

function showDetails(t: TaskDetails): void {
  showingAgent = false;
  details.hidden = false;
  const h = document.createElement('h3');
  h.textContent = t.name || t.id;
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = `${t.id} · ${t.status}${t.device ? ` on ${t.device}` : ''} · attempt${t.attempts === 1 ? '' : 's'} ${t.attempts}`;
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (t.canCancel) actions.append(button('Cancel', () => post({ type: 'action', action: 'cancel', id: t.id }), 'primary', 'Cancel this task'));
  if (t.canRetry) actions.append(button('Retry', () => post({ type: 'action', action: 'retry', id: t.id }), 'primary', 'Run this task again'));
  actions.append(button('Output', () => post({ type: 'action', action: 'output', id: t.id }), 'secondary', 'Open the task terminal'));
  actions.append(button('Close', () => {
    details.hidden = true;
    selected = undefined;
    redraw();
  }, 'secondary', 'Close details'));
  const timeline = document.createElement('ol');
  for (const e of t.timeline) {
    const li = document.createElement('li');
    li.textContent = `${e.at}  ${e.text}`;
    timeline.append(li);
  }
  details.replaceChildren(h, meta, actions, ...section('Description', t.description), ...section('Error', t.error), ...section('Result', t.result), ...section('Inputs', t.inputs), ...(t.timeline.length ? [Object.assign(document.createElement('h4'), { textContent: 'Timeline' }), timeline] : []));
}

// --- input ---------------------------------------------------------------------------------------

let drag: { x: number; y: number; moved: boolean } | undefined;
canvas.addEventListener('mousedown', (e) => (drag = { x: e.clientX, y: e.clientY, moved: false }));
window.addEventListener('mousemove', (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
  drag.x = e.clientX;
  drag.y = e.clientY;
  view = { ...view, x: view.x + dx, y: view.y + dy };
  autoFit = false;
  redraw();
});
window.addEventListener('mouseup', (e) => {
  if (drag && !drag.moved) {
    const r = canvas.getBoundingClientRect();
    const n = hit(nodes, view, e.clientX - r.left, e.clientY - r.top);
    selected = n?.id;
    if (n) post({ type: 'select', id: n.id });
    redraw();
  }
  drag = undefined;
});
canvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  const r = canvas.getBoundingClientRect();
  autoFit = false;
  zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
}, { passive: false });
mini.addEventListener('click', (e) => {
  const wx = (e.offsetX - miniView.x) / miniView.scale;
  const wy = (e.offsetY - miniView.y) / miniView.scale;
  autoFit = false;
  view = { ...view, x: stage.clientWidth / 2 - wx * view.scale, y: stage.clientHeight / 2 - wy * view.scale };
  redraw();
});

const legend = document.createElement('span');
legend.className = 'legend';
const proposal = document.createElement('span');
proposal.className = 'proposal';
proposal.hidden = true;
const agentButton = button('Agent', showAgent, 'secondary', "The agent's rounds: what it proposed and what became of it");
agentButton.className = 'agent';
agentButton.hidden = true;
toolbar.append(title, state, proposal, legend, agentButton, button('Fit', fitClicked, 'secondary', 'Fit the whole graph'), button('+', () => ((autoFit = false), zoom(1.25)), 'icon', 'Zoom in'), button('−', () => ((autoFit = false), zoom(0.8)), 'icon', 'Zoom out'));
window.addEventListener('message', (e: MessageEvent<HostMessage>) => onMessage(e.data));
new ResizeObserver(resize).observe(stage);
post({ type: 'ready' });
