import { WebSocket, type RawData } from 'ws';
import { clipLine } from '../../core/report/words';
import { decodeServerFrame, encodeClientFrame, MAX_AIP_FRAME_BYTES, type AipServerFrame } from '../protocol/aip/frames';

/** Where and how an AIP socket connects. */
export interface AipLinkOptions {
  /** The server's WebSocket URL, without the token. */
  readonly url: string;
  /** The server's shared key: it travels only as `?token=`, and never into a message. */
  readonly token: string;
  /** Our `client_id` on the server and the device we drive (`target_id`). */
  readonly clientId: string;
  readonly targetId: string;
  readonly pingIntervalMs?: number | undefined;
  /** Pings in a row without a pong before the socket counts as dead (default 2). */
  readonly missedPings?: number | undefined;
  /** Also how long the server may take to answer `register` (default 10 s; the reference never answers a frame it does not take). */
  readonly connectTimeoutMs?: number | undefined;
}

/** How a link ended: refused by the server (`refused`, for good when the key or path is wrong) or dropped. */
export interface AipLinkEnd {
  readonly reason: string;
  readonly refused: boolean;
  readonly forGood: boolean;
}

/** What a link reports. Every text in it is already redacted. */
export interface AipLinkHandlers {
  registered(): void;
  frame(frame: AipServerFrame): void;
  /** A frame that cannot be read, in one sentence. */
  badFrame(problem: string): void;
  /** Called once, when the socket is gone (or refused). */
  ended(end: AipLinkEnd): void;
  pong?(latencyMs: number): void;
}

/** Below this length a key is not searched for in free text (it would mangle words and show where it matched). */
const MIN_REDACTED_KEY = 8;

/**
 * A text with the key taken out: every `token=` parameter's value, and (for a key long enough
 * to search for) the key itself as written and in both URL encodings. AIP puts the key in the
 * URL, and URLs end up in errors.
 */
export function redact(text: string, token: string): string {
  let out = text.replace(/([?&]token=)[^&\s#"'<>]*/gi, '$1***');
  if (token.length >= MIN_REDACTED_KEY) {
    for (const form of new Set([token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)])) out = out.split(form).join('***');
  }
  return out;
}

/** Server text made safe to show: the key out, one line, bounded. */
export function cleanText(text: string, token: string): string {
  return clipLine(redact(text, token), 2000);
}

/** A URL without any `token` parameter (however it is spelled): what is shown, and what the key is added to. */
export function withoutToken(url: string): string {
  try {
    const u = new URL(url);
    const keys = [...u.searchParams.keys()].filter((k) => k.toLowerCase() === 'token');
    if (keys.length === 0) return url;
    for (const k of keys) u.searchParams.delete(k);
    return u.toString();
  } catch {
    return url;
  }
}

/** Whether a URL carries a `token` parameter, however it is spelled (`%74oken` is `token` too). */
export function hasTokenParam(url: string): boolean {
  return withoutToken(url) !== url;
}

/**
 * One WebSocket to a UFO agent server, registered as a constellation client targeting one
 * device: the key as `?token=` (AIP's only way), `register` first, then frames; WebSocket pings
 * for liveness. The registration is answered by a `heartbeat`/`ok`, or refused with an `error`
 * (the server then closes). A session keeps one link for the device and one per task attempt.
 */
export class AipLink {
  private readonly ws: WebSocket;
  private isRegistered = false;
  private ended = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private unanswered = 0;
  private pingSentAt = 0;
  private endReason: AipLinkEnd | undefined;
  private registerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: AipLinkOptions,
    private readonly handlers: AipLinkHandlers,
  ) {
    const url = new URL(options.url);
    url.searchParams.set('token', options.token);
    const within = options.connectTimeoutMs ?? 10_000;
    this.ws = new WebSocket(url.toString(), { maxPayload: MAX_AIP_FRAME_BYTES, handshakeTimeout: within, perMessageDeflate: false });
    this.ws.on('unexpected-response', (_req, res) => {
      const code = res.statusCode ?? 0;
      const why = code === 403 ? 'the UFO server refused the connection (HTTP 403: a wrong token, or a URL whose path is not its /ws)' : `the UFO server answered HTTP ${code || '?'} instead of a WebSocket`;
      this.endReason = { reason: why, refused: true, forGood: code === 403 || code === 401 || code === 404 };
      res.resume();
      this.ws.terminate();
    });
    this.ws.on('open', () => {
      this.registerTimer = setTimeout(() => this.terminate(`the server did not answer the registration within ${within} ms`), within);
      this.send(encodeClientFrame({ type: 'register', status: 'ok', client_type: 'constellation', client_id: options.clientId, target_id: options.targetId, metadata: { type: 'constellation_client', client: 'constellation' } }));
      this.startPings();
    });
    this.ws.on('message', (data: RawData, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.ws.on('pong', () => {
      this.unanswered = 0;
      this.handlers.pong?.(performance.now() - this.pingSentAt);
    });
    this.ws.on('error', (err) => {
      this.endReason ??= { reason: this.clean(err.message), refused: false, forGood: false };
    });
    this.ws.on('close', (code, reason) => {
      this.stopPings();
      const said = reason.length > 0 ? `: ${this.clean(reason.toString())}` : '';
      this.finish(this.endReason ?? { reason: `the connection closed (${code}${said})`, refused: false, forGood: false });
    });
  }

  /** Sends a frame (encoded with {@link encodeClientFrame}) if the socket is open. */
  send(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Closes the socket: for AIP, also the only way to cancel what it started. */
  close(reason: string): void {
    this.endReason ??= { reason, refused: false, forGood: false };
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000, reason.slice(0, 100));
  }

  /** Drops the socket at once (a dead peer, a session closing). */
  terminate(reason: string): void {
    this.endReason ??= { reason, refused: false, forGood: false };
    this.ws.terminate();
  }

  /** Text from the server or the socket library, safe to show: the key out, one line, bounded. */
  private clean(text: string): string {
    return cleanText(text, this.options.token);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    const decoded = decodeServerFrame(data, isBinary);
    if (!decoded.ok) return this.handlers.badFrame(this.clean(decoded.problem));
    const f = decoded.frame;
    if (!this.isRegistered) {
      if (f.type === 'error' || f.status === 'error') {
        // The server closes after a refusal; we do not wait for it.
        this.endReason = { reason: `the UFO server refused the registration: ${this.clean(f.error ?? 'no reason given')}`, refused: true, forGood: false };
        this.ws.terminate();
        return;
      }
      if (f.type === 'heartbeat' && f.status === 'ok') {
        this.isRegistered = true;
        clearTimeout(this.registerTimer);
        return this.handlers.registered();
      }
      return this.handlers.badFrame(`a '${f.type}' frame came before the registration was answered`);
    }
    this.handlers.frame(f);
  }

  private startPings(): void {
    const every = this.options.pingIntervalMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      if (this.unanswered >= (this.options.missedPings ?? 2)) {
        this.terminate(`no pong for ${this.unanswered} pings in a row`);
        return;
      }
      this.unanswered++;
      this.pingSentAt = performance.now();
      if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
    }, every);
    this.pingTimer.unref?.();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private finish(end: AipLinkEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.registerTimer);
    this.handlers.ended(end);
  }
}
