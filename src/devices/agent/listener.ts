import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WebSocketServer } from 'ws';

/**
 * What both device servers (the native protocol's and AIP's) do with their HTTP server: listen
 * and say where, and shut down without waiting on peers that never answer.
 */

/** A device's HTTP server and the connections it holds (closed at shut-down). */
export interface DeviceHttp {
  readonly server: Server;
  readonly sockets: ReadonlySet<Socket>;
}

/**
 * An HTTP server that only upgrades to WebSockets: a plain request gets 426 and `banner`, each
 * upgrade goes to `onUpgrade`, and a connection that has not asked for its upgrade within
 * `upgradeMs` is dropped (silent or half-sent requests must not hold a file descriptor for ever).
 */
export function deviceHttpServer(banner: string, upgradeMs: number, onUpgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void): DeviceHttp {
  const sockets = new Set<Socket>();
  const upgraded = new WeakSet<Socket>();
  const server = createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end(banner));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    const timer = setTimeout(() => {
      if (!upgraded.has(s)) s.destroy();
    }, upgradeMs);
    timer.unref();
    s.once('close', () => {
      clearTimeout(timer);
      sockets.delete(s);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    onUpgrade(req, socket, head);
  });
  return { server, sockets };
}

/** Listens on `host:port` (0: any free port); resolves with the port. */
export async function listenAt(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** `ws://host:port/path`, with an IPv6 host in brackets. */
export function wsUrl(host: string, port: number, path = ''): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/**
 * Closes every WebSocket, then the server. `server.close` waits for every connection to end: a
 * peer that never answers the close frame (or keeps reconnecting) would hold it forever, so the
 * sockets are destroyed first.
 */
export async function shutDown(server: Server, wss: WebSocketServer, sockets: ReadonlySet<Socket>, reason: string): Promise<void> {
  for (const ws of wss.clients) ws.close(1001, reason);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await closed;
}

/** Answers a WebSocket upgrade with an HTTP refusal and ends the connection. */
export function refuseUpgrade(socket: Socket, status: 401 | 403, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
}
