import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../core/clock';
import { isLoopback } from '../protocol/loopback';
import { checkUpgrade, type UpgradeRules } from './handshake';

/** What a device server is told about where it listens and whom it lets in. */
export interface DeviceListenerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined;
  /** Default 0: any free port. */
  readonly port?: number | undefined;
  /** Where the token is, and the one path served (see {@link UpgradeRules}). */
  readonly credential: UpgradeRules['credential'];
  readonly path?: string | undefined;
  readonly token: string;
  /** What a plain HTTP request is told. */
  readonly banner: string;
  /** A connection that has not asked for its upgrade within this is dropped (default 5 s). */
  readonly upgradeMs?: number | undefined;
  readonly maxPayload: number;
  readonly logger: Logger;
}

/**
 * The listening end both device servers (the native protocol's and AIP's) share: an HTTP server
 * that only upgrades, each upgrade checked by {@link checkUpgrade} before it is accepted (the
 * reason of a refusal is logged, never the URL, which may hold a token), its URL, and a shut-down
 * that does not wait on peers that never answer.
 */
export class DeviceListener {
  private readonly wss: WebSocketServer;
  private readonly http: DeviceHttp;
  private readonly host: string;
  private port = 0;

  constructor(
    private readonly options: DeviceListenerOptions,
    accept: (ws: WebSocket) => void,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
    const rules: UpgradeRules = { token: options.token, loopback: isLoopback(this.host), credential: options.credential, path: options.path };
    this.http = deviceHttpServer(options.banner, options.upgradeMs ?? 5_000, (req, socket, head) => {
      const refusal = checkUpgrade(req, rules);
      if (refusal) {
        options.logger.warn(`refused a connection from ${req.socket.remoteAddress ?? '?'}: ${refusal.reason}`);
        refuseUpgrade(socket, refusal.status, refusal.reason);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, accept);
    });
  }

  /** Starts listening; resolves with the URL peers connect to (never with a token). */
  async listen(): Promise<string> {
    this.port = await listenAt(this.http.server, this.host, this.options.port ?? 0);
    return this.url;
  }

  get url(): string {
    return wsUrl(this.host, this.port, this.options.path ?? '');
  }

  close(reason: string): Promise<void> {
    return shutDown(this.http.server, this.wss, this.http.sockets, reason);
  }
}

/** A device's HTTP server and the connections it holds (closed at shut-down). */
interface DeviceHttp {
  readonly server: Server;
  readonly sockets: ReadonlySet<Socket>;
}

/**
 * An HTTP server that only upgrades to WebSockets: a plain request gets 426 and `banner`, each
 * upgrade goes to `onUpgrade`, and a connection that has not asked for its upgrade within
 * `upgradeMs` is dropped (silent or half-sent requests must not hold a file descriptor for ever).
 */
function deviceHttpServer(banner: string, upgradeMs: number, onUpgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void): DeviceHttp {
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
async function listenAt(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** `ws://host:port/path`, with an IPv6 host in brackets. */
function wsUrl(host: string, port: number, path = ''): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/**
 * Closes every WebSocket, then the server. `server.close` waits for every connection to end: a
 * peer that never answers the close frame (or keeps reconnecting) would hold it forever, so the
 * sockets are destroyed first.
 */
async function shutDown(server: Server, wss: WebSocketServer, sockets: ReadonlySet<Socket>, reason: string): Promise<void> {
  for (const ws of wss.clients) ws.close(1001, reason);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await closed;
}

/** Answers a WebSocket upgrade with an HTTP refusal and ends the connection. */
function refuseUpgrade(socket: Socket, status: 401 | 403, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
}
