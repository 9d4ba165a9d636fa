import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../../core/clock';
import { silentLogger } from '../../core/clock';
import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink, Executor } from '../../core/executors/executor';
import { ConstellationError } from '../../core/model/errors';
import { decodeFrame } from '../protocol/codec';
import { FROM_DEVICE_TYPES, MAX_FRAME_BYTES, PROTOCOL_VERSION, fromDeviceSchema, type DeviceProfile, type FromDevice, type HeldTask, type ToDevice } from '../protocol/messages';
import { outcomeOf, runKey, taskFrame } from '../protocol/wire';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { FlightTable, type Flight } from './flights';
import { OrphanFlights } from './orphans';

export type SessionState = 'disconnected' | 'connecting' | 'ready' | 'backoff' | 'failed';
/** What the orchestrator should make of the session (its `DeviceAvailability`). */
export type SessionAvailability = 'available' | 'recovering' | 'unavailable';

export interface DeviceSessionOptions {
  readonly id: string;
  readonly url: string;
  readonly token: string;
  /** Sent at `hello`, so the device can give this orchestrator back what it kept. */
  readonly orchestratorId: string;
  readonly pingIntervalMs?: number | undefined;
  /** Pings in a row without a pong before the connection counts as dead (default 2). */
  readonly missedPings?: number | undefined;
  readonly backoff?: Partial<BackoffPolicy> | undefined;
  /** How long work waits for a device that dropped before it counts as lost (default 30 s). */
  readonly graceMs?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly random?: (() => number) | undefined;
}

/** Thrown by {@link DeviceSession.connect} when the device refuses us for good. */
export class DeviceRefusedError extends ConstellationError {
  constructor(message: string) {
    super('device_refused', message);
  }
}

/**
 * The orchestrator's end of one device: owns the socket, the connection state
 * machine, liveness pings, reconnection with backoff, and the attempts in flight. It is the
 * core's {@link Executor} for that device, so the orchestrator never sees a socket.
 */
export class DeviceSession implements Executor {
  state: SessionState = 'disconnected';
  profile: DeviceProfile | undefined;
  lastError: string | undefined;
  /** Round-trip time of the last pong, ms. */
  latencyMs: number | undefined;
  private ws: WebSocket | undefined;
  private generation = 0;
  private failures = 0;
  private readonly flights = new FlightTable();
  private readonly listeners = new Set<(s: DeviceSession) => void>();
  private readonly policy: BackoffPolicy;
  private readonly logger: Logger;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private unanswered = 0;
  private pingSentAt = 0;
  private graceOver = false;
  private closed = false;
  private firstReady: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly orphans: OrphanFlights;

  constructor(private readonly options: DeviceSessionOptions) {
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.logger = options.logger ?? silentLogger;
    this.orphans = new OrphanFlights(this.flights, options.id, (f, running) => {
      if (running) this.send({ type: 'cancel', requestId: randomUUID(), runId: f.request.runId, taskId: f.request.taskId, attempt: f.request.attempt, reason: 'no run took this task over' });
      this.flights.finish(f, { status: 'cancelled', reason: 'no run took this task over' });
    });
  }

  get id(): string {
    return this.options.id;
  }

  get url(): string {
    return this.options.url;
  }

  get availability(): SessionAvailability {
    if (this.state === 'ready') return 'available';
    if (this.state === 'failed' || this.state === 'disconnected' || this.graceOver) return 'unavailable';
    return 'recovering';
  }

  get inFlight(): number {
    return this.flights.size;
  }

  /** Called on every change of state or availability. */
  onChange(listener: (s: DeviceSession) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects; resolves once the device has said `welcome`, rejects if it refuses us for good. */
  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => (this.firstReady = { resolve, reject }));
    if (this.state === 'disconnected' || this.state === 'failed') {
      this.closed = false;
      this.failures = 0;
      this.open();
    }
    return p;
  }

  /** Closes for good: in-flight attempts fail with `device_lost`. */
  close(): void {
    this.closed = true;
    this.orphans.clear();
    this.clearTimers();
    this.generation++;
    this.ws?.close(1000, 'orchestrator closing');
    this.ws = undefined;
    this.failAll('device_lost', `device '${this.id}' was disconnected`);
    this.setState('disconnected');
  }

  start(request: ExecutionRequest, sink: ExecutionSink): Execution {
    const key = runKey(request.runId, request.taskId, request.attempt);
    let settle!: (o: ExecutionOutcome) => void;
    const done = new Promise<ExecutionOutcome>((resolve) => (settle = resolve));
    const existing = this.flights.get(key);
    if (existing) this.flights.finish(existing, { status: 'failed', error: { code: 'superseded', message: `${key} was started again` } });
    const flight: Flight = { key, request, sink, requestId: randomUUID(), sent: false, lastChunk: -1, settle };
    this.flights.add(flight);
    if (this.state === 'ready') this.sendTask(flight);
    return {
      done,
      cancel: (reason) => this.cancel(flight, reason ?? 'cancelled'),
      sendInput: (data) => this.send({ type: 'input', requestId: randomUUID(), runId: request.runId, taskId: request.taskId, attempt: request.attempt, data }),
    };
  }

  /** Takes over an attempt this device held for us when it said `welcome` (see {@link OrphanFlights}). */
  adopt(request: ExecutionRequest, sink: ExecutionSink): Execution | undefined {
    const held = this.orphans.adopt(request, sink);
    if (!held) return undefined;
    return {
      done: held.done,
      cancel: (reason) => this.cancel(held.flight, reason ?? 'cancelled'),
      sendInput: (data) => this.send({ type: 'input', requestId: randomUUID(), runId: request.runId, taskId: request.taskId, attempt: request.attempt, data }),
    };
  }

  private cancel(f: Flight, reason: string): void {
    if (this.flights.get(f.key) !== f) return;
    if (this.state === 'ready' && f.sent) this.send({ type: 'cancel', requestId: randomUUID(), runId: f.request.runId, taskId: f.request.taskId, attempt: f.request.attempt, reason });
    else if (!f.sent) this.flights.finish(f, { status: 'cancelled', reason });
    else f.cancelPending = reason; // sent when the device is back; the result settles it
  }

  private sendTask(f: Flight): void {
    f.sent = true;
    this.send(taskFrame(f.request, f.requestId));
  }

  private send(msg: ToDevice): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  // --- connection state machine ----------------------------------------------------------------

  private open(): void {
    const gen = ++this.generation;
    this.setState('connecting');
    const ws = new WebSocket(this.options.url, {
      headers: { Authorization: `Bearer ${this.options.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.options.connectTimeoutMs ?? 10_000,
    });
    this.ws = ws;
    let refusal: string | undefined;
    ws.on('unexpected-response', (_req, res) => {
      refusal = res.statusCode === 401 ? 'the device refused the token (401)' : `the device refused the connection (HTTP ${res.statusCode ?? '?'})`;
      ws.terminate();
    });
    ws.on('open', () => {
      if (gen !== this.generation) return;
      this.send({ type: 'hello', protocol: PROTOCOL_VERSION, requestId: randomUUID(), orchestratorId: this.options.orchestratorId });
    });
    ws.on('message', (data: RawData, isBinary) => {
      if (gen === this.generation) this.onFrame(data, isBinary);
    });
    ws.on('error', (err) => {
      if (gen === this.generation) this.lastError = err.message;
    });
    ws.on('close', (code, reason) => {
      if (gen !== this.generation) return;
      this.ws = undefined;
      this.stopPings();
      if (refusal !== undefined) return this.giveUp(refusal);
      if (code === 4400) return this.giveUp(`protocol mismatch: ${reason.toString()}`);
      this.lastError ??= `connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`;
      this.dropped();
    });
  }

  private dropped(): void {
    if (this.closed) return;
    this.failures++;
    if (this.failures > this.policy.attempts) return this.giveUp(`no connection after ${this.policy.attempts} attempt(s): ${this.lastError ?? 'unknown error'}`);
    if (!this.graceTimer && !this.graceOver) {
      this.graceTimer = setTimeout(() => this.graceExpired(), this.options.graceMs ?? 30_000);
    }
    const delay = backoffDelay(this.policy, this.failures, this.options.random);
    // The first failure of an outage is news; the retries after it are not.
    const message = `device '${this.id}': ${this.lastError ?? 'connection lost'}; reconnecting in ${Math.round(delay)} ms (attempt ${this.failures})`;
    if (this.failures === 1) this.logger.warn(message);
    else this.logger.info(message);
    this.setState('backoff');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.open();
    }, delay);
  }

  private graceExpired(): void {
    this.graceTimer = undefined;
    if (this.state === 'ready') return;
    this.graceOver = true;
    this.failAll('device_lost', `device '${this.id}' did not come back within ${this.options.graceMs ?? 30_000} ms`);
    this.emitChange();
  }

  private giveUp(reason: string): void {
    this.lastError = reason;
    this.clearTimers();
    this.failAll('device_lost', `device '${this.id}': ${reason}`);
    this.setState('failed');
    const first = this.firstReady;
    this.firstReady = undefined;
    first?.reject(new DeviceRefusedError(`device '${this.id}' at ${this.options.url}: ${reason}`));
  }

  private welcome(profile: DeviceProfile, held: readonly HeldTask[]): void {
    if (profile.id !== this.id) this.logger.warn(`device '${this.id}' calls itself '${profile.id}'`);
    this.profile = profile;
    this.failures = 0;
    this.lastError = undefined;
    this.graceOver = false;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    const heldKeys = new Map(held.map((h) => [runKey(h.runId, h.taskId, h.attempt), h]));
    for (const f of this.flights.all()) {
      if (heldKeys.has(f.key)) {
        if (f.cancelPending !== undefined) this.send({ type: 'cancel', requestId: randomUUID(), runId: f.request.runId, taskId: f.request.taskId, attempt: f.request.attempt, reason: f.cancelPending });
      } else if (f.sent) {
        this.flights.finish(f, { status: 'failed', error: { code: 'device_lost', message: `device '${this.id}' came back without task ${f.key} (it restarted)` } });
      } else this.sendTask(f);
    }
    // Attempts the device holds for us that no flight stands for: a run detached from by an
    // earlier process, to be taken over when it resumes (and stopped if nobody does).
    for (const h of held) this.orphans.hold(h);
    this.setState('ready');
    this.startPings();
    const first = this.firstReady;
    this.firstReady = undefined;
    first?.resolve();
  }

  // --- frames ------------------------------------------------------------------------------------

  private onFrame(data: RawData, isBinary: boolean): void {
    const decoded = decodeFrame(data, isBinary, fromDeviceSchema, FROM_DEVICE_TYPES);
    if (!decoded.ok) {
      this.logger.warn(`device '${this.id}' sent a bad frame: ${decoded.problem.message}`);
      // A result we cannot take still ends its attempt, at once and with the reason.
      const raw = decoded.raw;
      const f = raw?.type === 'task_result' && typeof raw.runId === 'string' && typeof raw.taskId === 'string' && typeof raw.attempt === 'number' ? this.flights.get(runKey(raw.runId, raw.taskId, raw.attempt)) : undefined;
      if (f) this.flights.finish(f, { status: 'failed', error: { code: 'bad_result', message: `device '${this.id}' sent a result that cannot be taken: ${decoded.problem.message}` } });
      this.send({ type: 'error', code: decoded.problem.code, message: decoded.problem.message, ...(decoded.problem.requestId ? { requestId: decoded.problem.requestId } : {}) });
      return;
    }
    this.handle(decoded.message);
  }

  private handle(msg: FromDevice): void {
    if (this.state !== 'ready' && msg.type !== 'welcome' && msg.type !== 'error') {
      this.logger.warn(`device '${this.id}' sent '${msg.type}' before 'welcome'; ignored`);
      return;
    }
    switch (msg.type) {
      case 'welcome':
        if (this.state === 'ready') return this.logger.warn(`device '${this.id}' said 'welcome' twice; ignored`);
        return this.welcome(msg.device, msg.held);
      case 'task_accepted':
        return;
      case 'task_output': {
        const f = this.flights.get(runKey(msg.runId, msg.taskId, msg.attempt));
        if (!f || msg.chunk <= f.lastChunk) return; // finished, superseded, or a repeat
        if (msg.chunk !== f.lastChunk + 1 && !(f.midway && f.lastChunk < 0)) this.logger.warn(`device '${this.id}': output of ${f.key} skipped from chunk ${f.lastChunk + 1} to ${msg.chunk}`);
        f.lastChunk = msg.chunk;
        f.sink.output(msg.stream, msg.data);
        return;
      }
      case 'task_result': {
        const f = this.flights.get(runKey(msg.runId, msg.taskId, msg.attempt));
        if (f) this.flights.finish(f, outcomeOf(msg));
        return;
      }
      case 'ping':
        return this.send({ type: 'pong', requestId: msg.requestId });
      case 'pong':
        this.unanswered = 0;
        this.latencyMs = performance.now() - this.pingSentAt;
        return;
      case 'error': {
        this.logger.warn(`device '${this.id}' reported ${msg.code}: ${msg.message}`);
        const f = msg.requestId !== undefined ? this.flights.byRequestId(msg.requestId) : undefined;
        if (f) this.flights.finish(f, { status: 'failed', error: { code: msg.code === 'busy' ? 'device_busy' : 'device_error', message: `device '${this.id}': ${msg.message}` } });
        return;
      }
    }
  }

  // --- liveness and helpers ------------------------------------------------------------------------

  private startPings(): void {
    this.stopPings();
    this.unanswered = 0;
    const every = this.options.pingIntervalMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      if (this.unanswered >= (this.options.missedPings ?? 2)) {
        this.lastError = `no pong for ${this.unanswered} pings in a row`;
        this.ws?.terminate(); // 'close' follows and starts the backoff
        return;
      }
      this.unanswered++;
      this.pingSentAt = performance.now();
      this.send({ type: 'ping', requestId: randomUUID() });
    }, every);
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private clearTimers(): void {
    this.stopPings();
    for (const t of [this.reconnectTimer, this.graceTimer]) if (t) clearTimeout(t);
    this.reconnectTimer = undefined;
    this.graceTimer = undefined;
  }

  private failAll(code: string, message: string): void {
    for (const f of this.flights.all()) this.flights.finish(f, f.cancelPending !== undefined ? { status: 'cancelled', reason: f.cancelPending } : { status: 'failed', error: { code, message } });
  }

  private setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emitChange();
  }

  private emitChange(): void {
    for (const l of this.listeners) {
      try {
        l(this);
      } catch (err) {
        this.logger.error(`a listener of device '${this.id}' threw`, err);
      }
    }
  }
}
