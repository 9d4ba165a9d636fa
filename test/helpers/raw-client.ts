import { WebSocket } from 'ws';

/** A frame as JSON. */
export type RawFrame = Record<string, unknown>;

/**
 * A raw WebSocket client: what a hostile or broken peer (or another system's orchestrator) can
 * send, without our session's manners. `next` takes the first frame received of a type (or
 * matching a predicate), waiting for it up to `ms`.
 */
export function rawClient(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames: RawFrame[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse((d as Buffer).toString('utf8')) as RawFrame);
    for (const w of waiters.splice(0)) w();
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode ?? '?'}`)));
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const next = async (what: string | ((f: RawFrame) => boolean), ms = 10_000): Promise<RawFrame> => {
    const match = typeof what === 'string' ? (f: RawFrame) => f.type === what : what;
    const end = Date.now() + ms;
    for (;;) {
      const f = frames.find(match);
      if (f) {
        frames.splice(frames.indexOf(f), 1);
        return f;
      }
      if (Date.now() > end) throw new Error(`no ${typeof what === 'string' ? `'${what}' frame` : 'matching frame'} within ${ms} ms; got ${JSON.stringify(frames).slice(0, 2000)}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 100))]);
    }
  };
  return { ws, frames, opened, closed, next, send: (v: unknown) => ws.send(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)) };
}
