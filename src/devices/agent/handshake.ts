import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackName } from '../protocol/loopback';

/** Why an upgrade request was refused: HTTP status and a short reason. */
export interface Refusal {
  readonly status: 401 | 403;
  readonly reason: string;
}

/** Compares two secrets in time that does not depend on where they differ (or their length). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** What an upgrade must show, by dialect. */
export interface UpgradeRules {
  readonly token: string;
  /** Bound to loopback: the `Host` header must name this machine (DNS rebinding). */
  readonly loopback: boolean;
  /**
   * Where the token is: the `Authorization: Bearer` header (Constellation's protocol; a wrong
   * one is 401), or the URL's `?token=` (AIP's only way; 403, as the reference answers).
   */
  readonly credential: 'bearer' | 'query';
  /** The only path served (AIP: `/ws`); any path when left out. */
  readonly path?: string | undefined;
}

/**
 * Checks a WebSocket upgrade before it is accepted: no browser `Origin` (a web page must not
 * drive a device), a local `Host` when bound to loopback (DNS rebinding), the path, and the token.
 */
export function checkUpgrade(req: IncomingMessage, rules: UpgradeRules): Refusal | undefined {
  if (req.headers.origin !== undefined) return { status: 403, reason: 'browser origins are not allowed' };
  if (rules.loopback) {
    const host = req.headers.host ?? '';
    if (!isLoopbackName(host)) return { status: 403, reason: `host '${host.slice(0, 100)}' is not 127.0.0.1, localhost or [::1]` };
  }
  // A request line Node took but the URL parser does not (`GET //[ HTTP/1.1`) is refused, never thrown.
  const url = URL.canParse(req.url ?? '/', 'ws://device') ? new URL(req.url ?? '/', 'ws://device') : undefined;
  if (url === undefined) return { status: 403, reason: 'the request path is not a URL' };
  if (rules.path !== undefined && url.pathname !== rules.path) return { status: 403, reason: `path '${url.pathname.slice(0, 100)}' is not ${rules.path}` };
  const query = rules.credential === 'query';
  const given = (query ? url.searchParams.get('token') : /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]) ?? '';
  // Always compare, even with nothing given, so timing does not reveal whether a token came.
  if (!sameSecret(given, rules.token) || given === '') return { status: query ? 403 : 401, reason: 'missing or wrong token' };
  return undefined;
}
