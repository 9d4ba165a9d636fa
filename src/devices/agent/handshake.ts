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

/**
 * Checks a WebSocket upgrade before it is accepted: no browser `Origin` (a web page must not
 * drive a device), a local `Host` when bound to loopback (DNS rebinding), and the bearer token.
 */
export function checkUpgrade(req: IncomingMessage, opts: { token: string; loopback: boolean }): Refusal | undefined {
  if (req.headers.origin !== undefined) return { status: 403, reason: 'browser origins are not allowed' };
  if (opts.loopback) {
    const host = req.headers.host ?? '';
    if (!isLoopbackName(host)) return { status: 403, reason: `host '${host.slice(0, 100)}' is not 127.0.0.1, localhost or [::1]` };
  }
  const auth = req.headers.authorization ?? '';
  const given = /^Bearer (.+)$/.exec(auth)?.[1] ?? '';
  // Always compare, even with nothing given, so timing does not reveal whether a header came.
  if (!sameSecret(given, opts.token) || given === '') return { status: 401, reason: 'missing or wrong token' };
  return undefined;
}
