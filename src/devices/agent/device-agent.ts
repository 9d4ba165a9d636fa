import * as os from 'node:os';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../core/clock';
import { silentLogger } from '../../core/clock';
import type { Executor } from '../../core/executors/executor';
import { decodeFrame, type FrameProblem } from '../protocol/codec';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, TO_DEVICE_TYPES, toDeviceSchema, type DeviceProfile, type FromDevice, type TaskMessage, type ToDevice } from '../protocol/messages';
import { executionRequestOf, outputFrames, resultFrame, runKey } from '../protocol/wire';
import { Outbox } from './outbox';
import { DeviceListener } from './listener';
import { RunTable, type DeviceRun } from './run-table';

export interface DeviceAgentOptions {
  readonly id: string;
  readonly token: string;
  readonly executor: Executor;
  /** Default 127.0.0.1. */
  readonly host?: string | undefined;
  /** Default 0: any free port. */
  readonly port?: number | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly concurrency?: number | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  readonly version?: string | undefined;
  /** How long results and running tasks of an orchestrator that went away are kept (default 10 minutes). */
  readonly keepResultsMs?: number | undefined;
  /** Sockets that send no valid `hello` within this are closed (default 5 s). */
  readonly helloTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

interface Peer {
  readonly ws: WebSocket;
  owner?: string | undefined;
}

/**
 * The device end of the protocol: a WebSocket server that authenticates the
 * orchestrator at the handshake, runs tasks with an executor, streams their output, and keeps
 * what an orchestrator that dropped away has not received yet, for when it reconnects.
 */
export class DeviceAgent {
  private readonly listener: DeviceListener;
  private readonly runs: RunTable;
  private readonly owners = new Map<string, Peer>();
  private readonly logger: Logger;
  private unacknowledged: DeviceRun[] = [];
  private readonly outbox: Outbox;

  constructor(private readonly options: DeviceAgentOptions) {
    this.logger = options.logger ?? silentLogger;
    this.runs = new RunTable(options.keepResultsMs ?? 600_000, (run) => {
      this.outbox.forget(run);
      if (!run.result) run.execution?.cancel('the orchestrator did not come back');
      this.logger.info(`dropped ${run.key}: its orchestrator did not come back`);
    });
    this.outbox = new Outbox(
      (owner) => this.owners.get(owner)?.ws,
      (run, frame) => {
        if (frame.type === 'task_result') this.runs.delivered(run);
      },
    );
    this.listener = new DeviceListener(
      {
        host: options.host,
        port: options.port,
        credential: 'bearer',
        token: options.token,
        banner: 'this is a Constellation device: connect with a WebSocket\n',
        upgradeMs: options.helloTimeoutMs,
        maxPayload: MAX_FRAME_BYTES,
        logger: this.logger,
      },
      (ws) => this.accept(ws),
    );
  }

  /** Starts listening; resolves with the URL orchestrators connect to. */
  listen(): Promise<string> {
    return this.listener.listen();
  }

  get url(): string {
    return this.listener.url;
  }

  /** True when no orchestrator is connected and the device holds no task (running or kept). */
  get isIdle(): boolean {
    return this.owners.size === 0 && this.runs.all().length === 0;
  }

  get profile(): DeviceProfile {
    const o = this.options;
    return {
      id: o.id,
      os: os.platform(),
      arch: os.arch(),
      hostname: os.hostname(),
      capabilities: [...(o.capabilities ?? [])],
      concurrency: o.concurrency ?? 1,
      version: o.version ?? 'dev',
      ...(o.metadata ? { metadata: { ...o.metadata } } : {}),
    };
  }

  /** Stops listening, cancels what runs and closes every socket. */
  async close(): Promise<void> {
    for (const run of this.runs.all()) if (!run.result) run.execution?.cancel('the device is shutting down');
    this.runs.clear();
    await this.listener.close('device shutting down');
  }

  private accept(ws: WebSocket): void {
    const peer: Peer = { ws };
    const helloTimer = setTimeout(() => {
      if (peer.owner === undefined) ws.close(4401, 'no hello within the time allowed');
    }, this.options.helloTimeoutMs ?? 5_000);
    ws.on('message', (data: RawData, isBinary) => this.onFrame(peer, data, isBinary));
    ws.on('error', (err) => this.logger.warn(`socket error: ${err.message}`));
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (peer.owner !== undefined && this.owners.get(peer.owner) === peer) {
        this.owners.delete(peer.owner);
        this.runs.ownerLeft(peer.owner);
      }
    });
  }

  private onFrame(peer: Peer, data: RawData, isBinary: boolean): void {
    const decoded = decodeFrame(data, isBinary, toDeviceSchema, TO_DEVICE_TYPES);
    if (!decoded.ok) return this.refuse(peer, decoded.problem);
    const msg = decoded.message;
    if (peer.owner === undefined && msg.type !== 'hello') {
      return this.refuse(peer, { code: 'not_ready', message: `'${msg.type}' before 'hello'`, requestId: 'requestId' in msg ? msg.requestId : undefined });
    }
    this.handle(peer, msg);
  }

  private handle(peer: Peer, msg: ToDevice): void {
    switch (msg.type) {
      case 'hello':
        return this.hello(peer, msg.protocol, msg.requestId, msg.orchestratorId);
      case 'task':
        return this.task(peer, msg);
      case 'cancel': {
        const run = this.runs.get(runKey(msg.runId, msg.taskId, msg.attempt));
        if (!run) return this.refuse(peer, { code: 'unknown_task', message: `no task ${runKey(msg.runId, msg.taskId, msg.attempt)} here`, requestId: msg.requestId });
        if (!run.result) {
          this.runs.markCancelling(run);
          run.execution?.cancel(msg.reason ?? 'cancelled by the orchestrator');
        }
        return;
      }
      case 'input': {
        const run = this.runs.get(runKey(msg.runId, msg.taskId, msg.attempt));
        if (!run || run.result) return this.refuse(peer, { code: 'unknown_task', message: `no running task ${runKey(msg.runId, msg.taskId, msg.attempt)} here`, requestId: msg.requestId });
        run.execution?.sendInput?.(msg.data);
        return;
      }
      case 'ping':
        return this.sendTo(peer, { type: 'pong', requestId: msg.requestId });
      case 'pong':
        return;
      case 'error':
        this.logger.warn(`the orchestrator reported: ${msg.code}: ${msg.message}`);
        return;
    }
  }

  private hello(peer: Peer, protocol: number, requestId: string, owner: string): void {
    if (peer.owner !== undefined) return this.refuse(peer, { code: 'bad_message', message: 'hello twice on one connection', requestId });
    if (protocol !== PROTOCOL_VERSION) {
      this.refuse(peer, { code: 'protocol_version', message: `this device speaks protocol ${PROTOCOL_VERSION}, not ${protocol}`, requestId });
      peer.ws.close(4400, 'protocol version');
      return;
    }
    const previous = this.owners.get(owner);
    if (previous && previous !== peer) {
      previous.owner = undefined; // its close must not mark the owner absent
      previous.ws.close(4409, 'replaced by a newer connection of the same orchestrator');
    }
    peer.owner = owner;
    this.owners.set(owner, peer);
    this.runs.ownerBack(owner);
    this.sendTo(peer, { type: 'welcome', protocol: PROTOCOL_VERSION, requestId, device: this.profile, held: this.runs.held(owner) });
    for (const run of this.runs.ownedBy(owner)) {
      // A result sent just before the old socket died may never have arrived: send it again.
      if (run.result && !run.outbox.includes(run.result)) {
        this.sendTo(peer, run.result);
        this.runs.delivered(run);
      }
    }
    this.outbox.pump(owner);
  }

  private task(peer: Peer, msg: TaskMessage): void {
    const owner = peer.owner!;
    const key = runKey(msg.runId, msg.taskId, msg.attempt);
    const existing = this.runs.get(key);
    if (existing) {
      // The same attempt again (a reconnect raced the result): never run it twice.
      this.sendTo(peer, { type: 'task_accepted', requestId: msg.requestId, runId: msg.runId, taskId: msg.taskId, attempt: msg.attempt });
      if (existing.result) this.sendTo(peer, { ...existing.result, requestId: msg.requestId });
      return;
    }
    const limit = this.options.concurrency ?? 1;
    if (this.runs.runningCount >= limit) {
      return this.refuse(peer, { code: 'busy', message: `this device runs at most ${limit} task(s) at once`, requestId: msg.requestId });
    }
    const run: DeviceRun = { key, runId: msg.runId, taskId: msg.taskId, attempt: msg.attempt, requestId: msg.requestId, owner, startedAt: performance.now(), chunk: 0, outbox: [], buffered: 0 };
    this.runs.add(run);
    this.acknowledgeLater(run);
    const execution = this.options.executor.start(executionRequestOf(msg, this.options.id), {
      output: (stream, data) => {
        if (run.result) return;
        const frames = outputFrames(run, stream, data, run.chunk);
        run.chunk += frames.length;
        for (const frame of frames) this.outbox.push(run, frame);
      },
      // Backpressure: while the run's frames wait (a slow socket, an orchestrator away), its task waits.
      backlog: () => this.outbox.backlog(run),
    });
    run.execution = execution;
    void execution.done.then((outcome) => {
      const result = resultFrame(run, outcome, performance.now() - run.startedAt);
      this.runs.markFinished(run, result);
      this.outbox.push(run, result);
    });
  }

  /**
   * Acknowledges a task on the next turn (one immediate for all), unless its result is there by
   * then and says it all: a task that finishes at once costs one frame back, not two.
   */
  private acknowledgeLater(run: DeviceRun): void {
    if (this.unacknowledged.push(run) > 1) return;
    setImmediate(() => {
      const due = this.unacknowledged;
      this.unacknowledged = [];
      for (const r of due) {
        const peer = this.owners.get(r.owner);
        if (!r.result && peer) this.sendTo(peer, { type: 'task_accepted', requestId: r.requestId, runId: r.runId, taskId: r.taskId, attempt: r.attempt });
      }
    });
  }

  /** A control frame: sent at once, ahead of any queued output. */
  private sendTo(peer: Peer, frame: FromDevice): void {
    this.outbox.control(peer.ws, frame);
  }

  private refuse(peer: Peer, problem: FrameProblem): void {
    this.logger.warn(`refused a frame: ${problem.code}: ${problem.message}`);
    this.sendTo(peer, { type: 'error', code: problem.code, message: problem.message, ...(problem.requestId !== undefined ? { requestId: problem.requestId } : {}) });
  }
}
