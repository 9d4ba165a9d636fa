/** A cancellable timer handle. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time enters the core only through this interface, so tests can drive timeouts, retries and
 * edit deadlines deterministically.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch, for timestamps. */
  now(): number;
  /** Monotonic high-resolution milliseconds, for durations and latencies. */
  monotonic(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** The real clock. Timers do not keep the process alive once nothing else does. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/** Something to report to: the core logs nothing by itself. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
