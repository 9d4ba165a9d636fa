import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink } from '../../core/executors/executor';
import { decodeFrame } from '../protocol/codec';
import { FROM_DEVICE_TYPES, MAX_FRAME_BYTES, PROTOCOL_VERSION, fromDeviceSchema, type DeviceProfile, type FromDevice, type HeldTask, type ToDevice } from '../protocol/messages';
import { outcomeOf, runKey, taskFrame } from '../protocol/wire';
import { FlightTable, type Flight } from './flights';
import { OrphanFlights } from './orphans';
import { ReconnectingSession, type SessionConnectionOptions } from './reconnecting';

export type DeviceSessionOptions = SessionConnectionOptions;

/**
 * The orchestrator's end of a device speaking Constellation's protocol: one socket for every
 * attempt, liveness pings, and the attempts in flight, which outlive a dropped connection (the
 * device keeps them and gives them back at `welcome`). Reconnecting is {@link ReconnectingSession}'s.
 */
export class DeviceSession extends ReconnectingSession {
  readonly dialect = 'native';
  private ws: WebSocket | undefined;
  private generation = 0;
  private readonly flights = new FlightTable();
  private pingTimer: NodeJS.Timeout | undefined;
  private unanswered = 0;
  private pingSentAt = 0;
  private readonly orphans: OrphanFlights;

  constructor(private readonly options: DeviceSessionOptions) {
    super(options);
    this.orphans = new OrphanFlights(this.flights, options.id, (f, running) => {
      if (running) this.send({ type: 'cancel', requestId: randomUUID(), runId: f.request.runId, taskId: f.request.taskId, attempt: f.request.attempt, reason: 'no run took this task over' });
      this.flights.finish(f, { status: 'cancelled', reason: 'no run took this task over' });
    });
  }

  get inFlight(): number {
    return this.flights.size;
  }

  protected disconnect(): void {
    this.orphans.clear();
    this.generation++;
    this.ws?.close(1000, 'orchestrator closing');
    this.ws = undefined;
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

  protected open(): void {
    const gen = ++this.generation;
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
      if (refusal !== undefined) return this.giveUp(refusal);
      if (code === 4400) return this.giveUp(`protocol mismatch: ${reason.toString()}`);
      this.lastError ??= `connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`;
      this.dropped();
    });
  }

  private welcome(profile: DeviceProfile, held: readonly HeldTask[]): void {
    if (profile.id !== this.id) this.logger.warn(`device '${this.id}' calls itself '${profile.id}'`);
    this.profile = profile;
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
    this.becameReady();
    this.startPings();
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

  protected stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  protected failAll(code: string, message: string): void {
    for (const f of this.flights.all()) this.flights.finish(f, f.cancelPending !== undefined ? { status: 'cancelled', reason: f.cancelPending } : { status: 'failed', error: { code, message } });
  }
}
