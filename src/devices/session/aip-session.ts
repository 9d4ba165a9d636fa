import { randomUUID } from 'node:crypto';
import type { Execution, ExecutionOutcome, ExecutionRequest, ExecutionSink } from '../../core/executors/executor';
import { inputsTip } from '../../core/io/inputs-tip';
import { encodeClientFrame, type AipServerFrame } from '../protocol/aip/frames';
import type { DeviceProfile } from '../protocol/messages';
import { AIP_ERRORS, outcomeOfTaskEnd } from '../protocol/aip/outcome';
import { formatTaskText } from '../protocol/aip/task-text';
import { runKey } from '../protocol/wire';
import { AipLink, cleanText, withoutToken, type AipLinkEnd, type AipLinkOptions } from './aip-link';
import { profileOfSystemInfo } from './aip-profile';
import { isLoopbackUrl } from '../protocol/loopback';
import { ReconnectingSession, type SessionConnectionOptions } from './reconnecting';

export interface AipSessionOptions extends SessionConnectionOptions {
  /** The device's id on the UFO server, when it differs from ours. */
  readonly aipTarget?: string | undefined;
  /** AIP heartbeats on the device's socket (default 30 s, as Galaxy). */
  readonly heartbeatMs?: number | undefined;
  /** How long to wait for `device_info_response` before going on without a profile (default 5 s, within the connect timeouts; a later answer still fills the profile in). */
  readonly deviceInfoTimeoutMs?: number | undefined;
}

/** One task attempt on a UFO device: its own socket, so an `error` or a close is about it alone. */
interface AipAttempt {
  readonly key: string;
  readonly request: ExecutionRequest;
  /** Galaxy's shape, `<name>@<task id>`: a device reads the task id after the last '@'. New for every socket, since the reference keeps a closed one's for a while. */
  sessionId: string;
  link?: AipLink | undefined;
  /** Times the server refused this attempt's socket while the device's socket was up. */
  refusals: number;
  settle(outcome: ExecutionOutcome): void;
}

/**
 * The orchestrator's end of a device behind a UFO agent server (AIP, the reference's protocol).
 * One socket for the device (registered as a constellation client: device info, heartbeats,
 * pings; its state is the device's) and one socket per task attempt, because AIP's errors carry
 * no session and its only cancel is a close: an `error` fails exactly that attempt at once, a
 * cancel closes exactly that attempt. What AIP lacks stays lacking: no output while a task runs,
 * no result kept across a dropped connection, nothing to adopt after a restart.
 */
export class AipSession extends ReconnectingSession {
  readonly dialect = 'aip';
  private control: AipLink | undefined;
  private generation = 0;
  private readonly attempts = new Map<string, AipAttempt>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private infoTimer: NodeJS.Timeout | undefined;
  private infoRequest: string | undefined;
  /** Bumped when the server says our device socket's `client_id` is taken (the reference keeps a dead socket's for ~40 s). */
  private controlEpoch = 0;

  constructor(private readonly options: AipSessionOptions) {
    // A key written into the URL (settings are not checked as devices.json is) is never shown: the session's own is added when connecting.
    super({ ...options, url: withoutToken(options.url) });
    if (!isLoopbackUrl(this.url) && this.url.startsWith('ws://')) {
      this.logger.warn(`device '${options.id}': ${this.url} is not on this machine and not wss://, so AIP's token travels in the clear in its URL; use wss:// or a tunnel`);
    }
  }

  private get target(): string {
    return this.options.aipTarget ?? this.id;
  }

  get inFlight(): number {
    return this.attempts.size;
  }

  /** AIP streams no output, so the sink is never written to. */
  start(request: ExecutionRequest, _sink: ExecutionSink): Execution {
    const key = runKey(request.runId, request.taskId, request.attempt);
    this.attempts.get(key)?.settle({ status: 'failed', error: { code: 'superseded', message: `${key} was started again` } });
    let resolve!: (o: ExecutionOutcome) => void;
    const done = new Promise<ExecutionOutcome>((r) => (resolve = r));
    const attempt: AipAttempt = {
      key,
      request,
      sessionId: '',
      refusals: 0,
      settle: (outcome) => {
        if (this.attempts.get(key) !== attempt) return;
        this.attempts.delete(key);
        attempt.link?.close(outcome.status === 'cancelled' ? 'cancelled' : 'task ended');
        resolve(outcome);
      },
    };
    this.attempts.set(key, attempt);
    if (this.state === 'ready') this.launch(attempt);
    return { done, cancel: (reason) => attempt.settle({ status: 'cancelled', reason: reason ?? 'cancelled' }) };
  }

  /** AIP keeps nothing for a later process: there is never an attempt to take over. */
  adopt(): undefined {
    return undefined;
  }

  private linkOptions(clientId: string): AipLinkOptions {
    const o = this.options;
    return { url: this.url, token: o.token, clientId, targetId: this.target, pingIntervalMs: o.pingIntervalMs, missedPings: o.missedPings, connectTimeoutMs: o.connectTimeoutMs };
  }

  // --- the device's socket -----------------------------------------------------------------------

  protected open(): void {
    const gen = ++this.generation;
    const mine = () => gen === this.generation;
    this.control = new AipLink(this.linkOptions(this.controlId), {
      registered: () => mine() && this.registered(),
      frame: (f) => mine() && this.onControlFrame(f),
      badFrame: (problem) => mine() && this.logger.warn(`device '${this.id}' (AIP) sent a frame that cannot be read: ${problem}`),
      pong: (ms) => mine() && (this.latencyMs = ms),
      ended: (end) => {
        if (!mine()) return;
        this.control = undefined;
        if (end.forGood) return this.giveUp(end.reason);
        // Our own device takes a reconnecting client over; the reference refuses the id until its
        // stale socket times out, so the next try registers under a new one.
        if (end.refused && /already registered|already connected|already online/i.test(end.reason)) this.controlEpoch++;
        this.lastError = end.reason;
        this.dropped();
      },
    });
  }

  private get controlId(): string {
    const base = `constellation:${this.options.orchestratorId}@${this.target}`;
    return this.controlEpoch === 0 ? base : `${base}#${this.controlEpoch}`;
  }

  private registered(): void {
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs ?? 30_000);
    this.infoRequest = randomUUID();
    this.control?.send(encodeClientFrame({ type: 'device_info_request', status: 'ok', client_type: 'constellation', client_id: this.controlId, target_id: this.target, request_id: this.infoRequest }));
    const within = this.options.deviceInfoTimeoutMs ?? 5_000;
    this.infoTimer = setTimeout(() => this.ready(undefined, `no device_info_response within ${within} ms`), within);
  }

  private heartbeat(): void {
    this.control?.send(encodeClientFrame({ type: 'heartbeat', status: 'ok', client_type: 'constellation', client_id: this.controlId, metadata: { device_id: this.target } }));
  }

  private onControlFrame(f: AipServerFrame): void {
    if (f.type === 'device_info_response' && (f.response_id === this.infoRequest || f.response_id == null)) {
      const info = profileOfSystemInfo(this.id, f.result);
      if (this.infoPending) return this.ready(info.profile, info.problem);
      // An answer after we went on without it still tells us what the device is.
      if (!info.problem) {
        this.profile = info.profile;
        this.emitChange();
      }
      return;
    }
    if (f.type === 'error') {
      const said = cleanText(f.error ?? 'no reason given', this.options.token);
      // A server that cannot answer device_info_request says so with an error: go on without it.
      if (this.infoPending) return this.ready(undefined, `its device info request was answered with an error: ${said}`);
      this.logger.warn(`device '${this.id}' (AIP) reported an error: ${said}`);
    }
    // Heartbeat acknowledgements and anything else on this socket need no answer.
  }

  private get infoPending(): boolean {
    return this.infoTimer !== undefined;
  }

  private ready(profile: DeviceProfile | undefined, problem: string | undefined): void {
    if (!this.infoPending) return;
    clearTimeout(this.infoTimer);
    this.infoTimer = undefined;
    if (problem) this.logger.warn(`device '${this.id}' (AIP): ${problem}; going on with what is known`);
    this.profile = profile ?? profileOfSystemInfo(this.id, undefined).profile;
    this.becameReady();
    for (const a of this.attempts.values()) if (!a.link) this.launch(a);
  }

  protected disconnect(): void {
    this.generation++;
    this.control?.terminate('the session is closing');
    this.control = undefined;
  }

  protected stopPings(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.infoTimer) clearTimeout(this.infoTimer);
    this.heartbeatTimer = undefined;
    this.infoTimer = undefined;
  }

  protected failAll(code: string, message: string): void {
    for (const a of [...this.attempts.values()]) a.settle({ status: 'failed', error: { code, message } });
  }

  /** Attempts on a socket of their own do not wait for the device's socket; the others do. */
  protected override failWaiting(code: string, message: string): void {
    for (const a of [...this.attempts.values()]) if (!a.link) a.settle({ status: 'failed', error: { code, message } });
  }

  // --- one socket per attempt ----------------------------------------------------------------------

  private launch(a: AipAttempt): void {
    const r = a.request;
    const nonce = randomUUID().slice(0, 8);
    const clientId = `constellation:${this.options.orchestratorId}:${nonce}:${r.taskId.slice(0, 200)}#${r.attempt}`;
    a.sessionId = `constellation/${r.runId}/${r.attempt}/${nonce}@${r.taskId}`;
    const fail = (code: string, message: string) => a.settle({ status: 'failed', error: { code, message: `device '${this.id}': ${message}` } });
    a.link = new AipLink(this.linkOptions(clientId), {
      registered: () => {
        const tips = r.inputs !== undefined && r.inputs !== null ? [...r.tips, inputsTip(r.inputs)] : [...r.tips];
        a.link?.send(encodeClientFrame({ type: 'task', status: 'continue', client_type: 'constellation', client_id: clientId, target_id: this.target, session_id: a.sessionId, task_name: `constellation/${r.runId}/${r.taskId}`, request: formatTaskText({ description: r.description, tips }) }));
      },
      frame: (f) => {
        if (f.type === 'task_end' && f.session_id === a.sessionId) return a.settle(this.cleanOutcome(outcomeOfTaskEnd(f)));
        // AIP's errors name no session: on this socket, only this attempt can be meant.
        if (f.type === 'error') return fail(AIP_ERRORS.refused, `the UFO server answered the task with an error: ${cleanText(f.error ?? 'no reason given', this.options.token)}`);
        if (f.type === 'task_end') this.logger.warn(`device '${this.id}' (AIP) ended session '${f.session_id ?? '?'}' on the socket of ${a.key}; ignored`);
      },
      badFrame: (problem) => fail('bad_result', `the UFO server sent a frame for ${a.key} that cannot be read: ${problem}`),
      ended: (end) => this.attemptEnded(a, end),
    });
  }

  private attemptEnded(a: AipAttempt, end: AipLinkEnd): void {
    if (this.attempts.get(a.key) !== a) return;
    if (end.forGood) return this.giveUp(end.reason); // the key is wrong for the whole server
    if (end.refused) {
      // Refused before the task was sent: most often the device client has left the server
      // (which never tells the device's socket). The attempt waits for the device as on any
      // dropped connection, and the device's socket registers again to find out.
      a.link = undefined;
      if (++a.refusals >= MAX_REFUSALS) return a.settle({ status: 'failed', error: { code: AIP_ERRORS.refused, message: `device '${this.id}': ${end.reason} (${a.refusals} times in a row)` } });
      this.logger.info(`device '${this.id}': ${a.key} was refused (${end.reason}); it waits for the device`);
      if (this.state === 'ready') this.control?.terminate(end.reason);
      return;
    }
    a.settle({ status: 'failed', error: { code: 'device_lost', message: `device '${this.id}': ${end.reason} before the task ended (AIP cannot pick a task up again)` } });
  }

  /** A key the server echoed in its error never reaches the report; its text is one bounded line. */
  private cleanOutcome(o: ExecutionOutcome): ExecutionOutcome {
    return o.status === 'failed' ? { status: 'failed', error: { ...o.error, message: cleanText(o.error.message, this.options.token) } } : o;
  }

  /** Refused for good: the device's socket goes too, so nothing brings the session back by itself. */
  protected override giveUp(reason: string): void {
    this.disconnect();
    super.giveUp(reason);
  }
}

/** Refusals of one attempt's socket, with the device's socket registering fine in between, before the attempt fails. */
const MAX_REFUSALS = 3;
