/** Reconnection policy of a device session. */
export interface BackoffPolicy {
  /** First delay, ms (default 1 000). */
  readonly initialMs: number;
  /** Cap, ms (default 30 000). */
  readonly maxMs: number;
  /** Failed attempts in a row before the session gives up (default unlimited). */
  readonly attempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, attempts: Infinity };

/**
 * The delay before reconnect attempt `n` (1-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so devices that dropped together do not reconnect in lockstep.
 */
export function backoffDelay(policy: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, n - 1));
  return exp / 2 + (exp / 2) * random();
}
