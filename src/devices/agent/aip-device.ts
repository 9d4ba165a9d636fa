import * as os from 'node:os';
import type { RawData, WebSocket } from 'ws';
import { silentLogger, type Logger } from '../../core/clock';
import type { Execution, Executor } from '../../core/executors/executor';
import { decodeClientFrame, encodeServerFrame, MAX_AIP_FRAME_BYTES, type AipClientFrame } from '../protocol/aip/frames';
import { encodeTaskEnd } from '../protocol/aip/outcome';
import { inputsFromTips, parseTaskText } from '../protocol/aip/task-text';
import { DeviceListener } from './listener';

/** Options of {@link AipDevice}. */
export interface AipDeviceOptions {
  readonly id: string;
  /** The shared key Galaxy sends as `?token=`. */
  readonly token: string;
  readonly executor: Executor;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly concurrency?: number | undefined;
  /** Tell Galaxy (and its language model) the hostname and IP address (off by default). */
  readonly shareHostInfo?: boolean | undefined;
  /** A socket that sends no valid `register` within this is refused and closed (default 5 s). */
  readonly registerTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

interface Peer {
  readonly ws: WebSocket;
  clientId?: string | undefined;
  /** Sessions this socket started that still run: closing the socket cancels them. */
  readonly sessions: Map<string, Execution>;
}

/** Why a task from Galaxy cannot run, as its `task_end` says. */
const NO_INPUTS = "the task carries no inputs: Galaxy sends only a task's words, and this device runs structured inputs (shell or sim). Export the plan with 'constellation export --aip-inputs', which adds a 'constellation-inputs: {json}' tip";

/**
 * A Constellation device that UFO³ Galaxy drives over AIP: it serves `/ws` with the `?token=`
 * key, answers `register` (Galaxy targeting this device id), `device_info_request` and heartbeats,
 * and runs each `task` with the executor, answering `task_end` with Galaxy's `session_id`.
 * Task-level refusals are `task_end{failed}`, never a bare `error`; a closed socket cancels its
 * sessions. One per process, beside (not instead of) the native protocol's `DeviceAgent`.
 */
export class AipDevice {
  private readonly listener: DeviceListener;
  private readonly logger: Logger;
  private readonly clients = new Map<string, Peer>();
  private running = 0;

  constructor(private readonly options: AipDeviceOptions) {
    this.logger = options.logger ?? silentLogger;
    // AIP's only authentication: the URL's `?token=`, on path `/ws` (403 otherwise, as the reference).
    this.listener = new DeviceListener(
      {
        host: options.host,
        port: options.port,
        credential: 'query',
        path: '/ws',
        token: options.token,
        banner: 'this is a Constellation device speaking AIP: connect a WebSocket to /ws?token=…\n',
        upgradeMs: options.registerTimeoutMs,
        maxPayload: MAX_AIP_FRAME_BYTES,
        logger: this.logger,
      },
      (ws) => this.accept(ws),
    );
  }

  /** Starts listening; resolves with the URL Galaxy connects to (without the token). */
  listen(): Promise<string> {
    return this.listener.listen();
  }

  get url(): string {
    return this.listener.url;
  }

  /** True when no client is connected and nothing runs. */
  get isIdle(): boolean {
    return this.clients.size === 0 && this.running === 0;
  }

  /** The device's profile as AIP's `system_info`. */
  systemInfo(): Record<string, unknown> {
    const share = this.options.shareHostInfo === true;
    return {
      device_id: this.options.id,
      platform: os.platform(),
      os_version: os.release(),
      cpu_count: os.cpus().length,
      memory_total_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      hostname: share ? os.hostname() : null,
      ip_address: share ? firstAddress() : null,
      supported_features: [...(this.options.capabilities ?? [])],
      platform_type: 'computer',
      schema_version: '1.0',
      custom_metadata: { constellation: true, concurrency: this.options.concurrency ?? 1 },
    };
  }

  async close(): Promise<void> {
    for (const peer of this.clients.values()) for (const e of peer.sessions.values()) e.cancel('the device is shutting down');
    await this.listener.close('device shutting down');
  }

  private accept(ws: WebSocket): void {
    const peer: Peer = { ws, sessions: new Map() };
    const timer = setTimeout(() => {
      if (peer.clientId === undefined) this.refuse(peer, 'no register frame within the time allowed', true);
    }, this.options.registerTimeoutMs ?? 5_000);
    ws.on('message', (data: RawData, isBinary) => this.onFrame(peer, data as Buffer, isBinary));
    ws.on('error', (err) => this.logger.warn(`AIP socket error: ${err.message}`));
    ws.on('close', () => {
      clearTimeout(timer);
      // Galaxy closing its socket is AIP's only cancel: every session it started stops.
      for (const [session, execution] of peer.sessions) {
        this.logger.info(`AIP session ${session} cancelled: its socket closed`);
        execution.cancel('Galaxy closed its connection');
      }
      if (peer.clientId !== undefined && this.clients.get(peer.clientId) === peer) this.clients.delete(peer.clientId);
    });
  }

  private onFrame(peer: Peer, data: Buffer, isBinary: boolean): void {
    const decoded = decodeClientFrame(data, isBinary);
    if (!decoded.ok) {
      // A task we cannot read still gets its answer, when it says which session it is.
      if (decoded.sessionId !== undefined && peer.clientId !== undefined) return this.send(peer, encodeTaskEnd(decoded.sessionId, '', { status: 'failed', error: { code: 'bad_frame', message: decoded.problem } }));
      return this.refuse(peer, decoded.problem, peer.clientId === undefined);
    }
    const f = decoded.frame;
    if (peer.clientId === undefined && f.type !== 'register') return this.refuse(peer, `the first frame must be a 'register', not '${f.type}'`, true);
    switch (f.type) {
      case 'register':
        return this.register(peer, f);
      case 'heartbeat':
        // Galaxy's heartbeats carry client_type 'device' (its default), which the reference's own server refuses: acknowledged all the same.
        return this.send(peer, encodeServerFrame({ type: 'heartbeat', status: 'ok' }));
      case 'device_info_request':
        return this.send(peer, encodeServerFrame({ type: 'device_info_response', status: 'ok', response_id: f.request_id, result: this.systemInfo() }));
      case 'task':
        return this.task(peer, f);
      default:
        return this.refuse(peer, `a '${f.type}' frame is not something this device answers`, false);
    }
  }

  private register(peer: Peer, f: AipClientFrame): void {
    if (peer.clientId !== undefined) return this.refuse(peer, 'this connection is registered already', false);
    if (f.client_type !== 'constellation') return this.refuse(peer, `this device serves constellation clients (Galaxy), not '${f.client_type ?? 'unknown'}' clients`, true);
    if (f.target_id !== this.options.id) return this.refuse(peer, `Target device '${(f.target_id ?? '').slice(0, 100)}' is not connected (this device is '${this.options.id}')`, true);
    const clientId = f.client_id ?? `anonymous@${this.options.id}`;
    const previous = this.clients.get(clientId);
    if (previous && previous !== peer) {
      // The same client reconnecting takes over: its old socket (and what it started) goes.
      this.logger.info(`AIP client ${clientId} reconnected; its old connection is closed`);
      previous.ws.close(4409, 'replaced by a newer connection of the same client');
    }
    peer.clientId = clientId;
    this.clients.set(clientId, peer);
    this.send(peer, encodeServerFrame({ type: 'heartbeat', status: 'ok' }));
  }

  private task(peer: Peer, f: AipClientFrame): void {
    const session = f.session_id;
    const request = f.request ?? '';
    if (!session) return this.refuse(peer, "a 'task' frame needs a session_id", false);
    this.send(peer, encodeServerFrame({ type: 'heartbeat', status: 'ok', session_id: session }));
    const fail = (code: string, message: string) => this.send(peer, encodeTaskEnd(session, request, { status: 'failed', error: { code, message } }));
    if (peer.sessions.has(session)) return fail('duplicate_session', `session '${session}' is already running here`);
    const limit = this.options.concurrency ?? 1;
    if (this.running >= limit) return fail('busy', `this device runs at most ${limit} task(s) at once`);
    const text = parseTaskText(request);
    const carried = inputsFromTips(text.tips);
    if (carried.problem) return fail('invalid_inputs', carried.problem);
    if (!carried.inputs) return fail('missing_inputs', NO_INPUTS);
    const taskId = session.slice(session.lastIndexOf('@') + 1) || session;
    const execution = this.options.executor.start(
      { runId: `aip:${peer.clientId ?? '?'}`, taskId, attempt: 1, name: f.task_name ?? taskId, description: text.description, tips: text.tips, inputs: carried.inputs, device: this.options.id },
      // AIP carries no output: it stays on this device.
      { output: () => {} },
    );
    this.running++;
    peer.sessions.set(session, execution);
    void execution.done.then((outcome) => {
      this.running--;
      peer.sessions.delete(session);
      // A closed socket cancelled it: nobody is left to tell.
      if (peer.ws.readyState === peer.ws.OPEN) this.send(peer, encodeTaskEnd(session, request, outcome));
    });
  }

  private send(peer: Peer, frame: string): void {
    if (peer.ws.readyState === peer.ws.OPEN) peer.ws.send(frame);
  }

  /** An `error` frame (AIP's carry no session) and, for a connection that never registered, a close. */
  private refuse(peer: Peer, message: string, close: boolean): void {
    this.logger.warn(`AIP: ${message}`);
    this.send(peer, encodeServerFrame({ type: 'error', status: 'error', error: message }));
    if (close) peer.ws.close(1008, message.slice(0, 100));
  }
}

function firstAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  return null;
}
