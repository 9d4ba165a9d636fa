import type { Logger } from '../../core/clock';
import { silentLogger } from '../../core/clock';
import type { Execution, ExecutionRequest, ExecutionSink, Executor } from '../../core/executors/executor';
import { ConstellationError } from '../../core/model/errors';
import type { DeviceProfile } from '../protocol/messages';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';

export type SessionState = 'disconnected' | 'connecting' | 'ready' | 'backoff' | 'failed';
/** What the orchestrator should make of the session (its `DeviceAvailability`). */
export type SessionAvailability = 'available' | 'recovering' | 'unavailable';
/** The protocol a session speaks: Constellation's own, or the reference's AIP. */
export type DeviceDialect = 'native' | 'aip';

/** Thrown by {@link ReconnectingSession.connect} when the device refuses us for good. */
export class DeviceRefusedError extends ConstellationError {
  constructor(message: string) {
    super('device_refused', message);
  }
}

/** What every session shares: where it connects and how it reconnects. */
export interface SessionLifecycleOptions {
  readonly id: string;
  /** The device's URL as shown to people (never with a token in it). */
  readonly url: string;
  readonly backoff?: Partial<BackoffPolicy> | undefined;
  /** How long work waits for a device that dropped before it counts as lost (default 30 s). */
  readonly graceMs?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly random?: (() => number) | undefined;
}

/** How every session connects: who we are, the device's key, liveness. */
export interface SessionConnectionOptions extends SessionLifecycleOptions {
  /** The device's token (native: a bearer header; AIP: the URL's `?token=`). */
  readonly token: string;
  /** Who this orchestrator is to the device (native: sent at `hello`; AIP: part of every `client_id`). */
  readonly orchestratorId: string;
  readonly pingIntervalMs?: number | undefined;
  /** Pings in a row without a pong before the connection counts as dead (default 2). */
  readonly missedPings?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
}

/**
 * The orchestrator's end of one device, whatever its protocol: the connection state machine
 * (connecting, ready, backoff with jitter, failed for good), the grace a dropped device gets
 * before its work counts as lost, and change notification. Subclasses open the connection, say
 * when it is ready ({@link becameReady}), dropped ({@link dropped}) or refused for good
 * ({@link giveUp}), and fail their own work ({@link failAll}). It is the core's
 * {@link Executor} for the device, so the orchestrator never sees a socket.
 */
export abstract class ReconnectingSession implements Executor {
  abstract readonly dialect: DeviceDialect;
  state: SessionState = 'disconnected';
  profile: DeviceProfile | undefined;
  lastError: string | undefined;
  /** Round-trip time of the last pong, ms. */
  latencyMs: number | undefined;
  protected readonly logger: Logger;
  protected closed = false;
  private failures = 0;
  private readonly policy: BackoffPolicy;
  private readonly listeners = new Set<(s: ReconnectingSession) => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private graceOver = false;
  /** Callers of {@link connect} waiting for the device (each of them is answered). */
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly lifecycle: SessionLifecycleOptions) {
    this.policy = { ...DEFAULT_BACKOFF, ...lifecycle.backoff };
    this.logger = lifecycle.logger ?? silentLogger;
  }

  get id(): string {
    return this.lifecycle.id;
  }

  get url(): string {
    return this.lifecycle.url;
  }

  get availability(): SessionAvailability {
    if (this.state === 'ready') return 'available';
    if (this.state === 'failed' || this.state === 'disconnected' || this.graceOver) return 'unavailable';
    return 'recovering';
  }

  /** Attempts handed to the device and not finished. */
  abstract get inFlight(): number;
  abstract start(request: ExecutionRequest, sink: ExecutionSink): Execution;
  abstract adopt(request: ExecutionRequest, sink: ExecutionSink): Execution | undefined;
  /** Opens a connection (state is `connecting`). */
  protected abstract open(): void;
  /** Drops the connection without a word (the session is closing). */
  protected abstract disconnect(): void;
  /** Ends every attempt this session holds. */
  protected abstract failAll(code: string, message: string): void;
  /** Ends the attempts that wait for the connection (all of them, unless an attempt has a connection of its own). */
  protected failWaiting(code: string, message: string): void {
    this.failAll(code, message);
  }
  /** Stops liveness checks (the connection is gone). */
  protected abstract stopPings(): void;

  /** Called on every change of state or availability. */
  onChange(listener: (s: ReconnectingSession) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects; resolves once the device is ready, rejects if it refuses us for good. */
  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.state === 'disconnected' || this.state === 'failed') {
      this.closed = false;
      this.failures = 0;
      this.setState('connecting');
      this.open();
    }
    return p;
  }

  /** Closes for good: in-flight attempts fail with `device_lost`. */
  close(): void {
    this.closed = true;
    this.clearTimers();
    this.disconnect();
    this.failAll('device_lost', `device '${this.id}' was disconnected`);
    this.setState('disconnected');
    this.answerWaiting(new DeviceRefusedError(`device '${this.id}' was disconnected before it was ready`));
  }

  private answerWaiting(error: Error | undefined): void {
    for (const w of this.waiting.splice(0)) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  /** The connection dropped or could not be made: back off and try again, within the grace. */
  protected dropped(): void {
    this.stopPings();
    if (this.closed) return;
    this.failures++;
    if (this.failures > this.policy.attempts) return this.giveUp(`no connection after ${this.policy.attempts} attempt(s): ${this.lastError ?? 'unknown error'}`);
    if (!this.graceTimer && !this.graceOver) {
      this.graceTimer = setTimeout(() => this.graceExpired(), this.lifecycle.graceMs ?? 30_000);
    }
    const delay = backoffDelay(this.policy, this.failures, this.lifecycle.random);
    // The first failure of an outage is news; the retries after it are not.
    const message = `device '${this.id}': ${this.lastError ?? 'connection lost'}; reconnecting in ${Math.round(delay)} ms (attempt ${this.failures})`;
    if (this.failures === 1) this.logger.warn(message);
    else this.logger.info(message);
    this.setState('backoff');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.setState('connecting');
      this.open();
    }, delay);
  }

  /** Work waiting for the device counts as lost once the grace is over. */
  protected graceExpired(): void {
    this.graceTimer = undefined;
    if (this.state === 'ready') return;
    this.graceOver = true;
    this.failWaiting('device_lost', `device '${this.id}' did not come back within ${this.lifecycle.graceMs ?? 30_000} ms`);
    this.emitChange();
  }

  /** The device refused us for good (a wrong token, another protocol): no more reconnecting. */
  protected giveUp(reason: string): void {
    this.lastError = reason;
    this.clearTimers();
    this.failAll('device_lost', `device '${this.id}': ${reason}`);
    this.setState('failed');
    this.answerWaiting(new DeviceRefusedError(`device '${this.id}' at ${this.url}: ${reason}`));
  }

  /** The connection is up and the device known: the outage (if any) is over. */
  protected becameReady(): void {
    this.failures = 0;
    this.lastError = undefined;
    this.graceOver = false;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.setState('ready');
    this.answerWaiting(undefined);
  }

  protected setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emitChange();
  }

  protected emitChange(): void {
    for (const l of this.listeners) {
      try {
        l(this);
      } catch (err) {
        this.logger.error(`a listener of device '${this.id}' threw`, err);
      }
    }
  }

  private clearTimers(): void {
    this.stopPings();
    for (const t of [this.reconnectTimer, this.graceTimer]) if (t) clearTimeout(t);
    this.reconnectTimer = undefined;
    this.graceTimer = undefined;
  }
}
