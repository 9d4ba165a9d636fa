import * as net from 'node:net';
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

/**
 * Sends one WebSocket upgrade request written by hand (a request line no client library would
 * send) and resolves with the HTTP status line the server answers.
 */
export function rawUpgrade(url: string, requestTarget: string, headers: Record<string, string> = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  const lines = [`GET ${requestTarget} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    let answer = '';
    const s = net.connect(Number(port), hostname, () => s.write(`${lines.join('\r\n')}\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      if (answer.includes('\r\n')) {
        resolve(answer.slice(0, answer.indexOf('\r\n')));
        s.destroy();
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`the server closed the connection without an answer${answer ? ` (got ${JSON.stringify(answer)})` : ''}`)));
  });
}
