import type { WebSocket } from 'ws';
import type { FromDevice } from '../protocol/messages';
import type { DeviceRun } from './run-table';

/** Characters of frames handed to one socket and not yet written out, at most. */
export const SEND_WINDOW = 256 * 1024;
/** A run's queued characters above which its task is asked to wait (the executor pauses its pipes)… */
export const HIGH_WATER = 1024 * 1024;
/** …until they are back under this. */
export const LOW_WATER = 256 * 1024;

/**
 * What a device sends its orchestrators. Control frames (welcome, pong, acknowledgements,
 * errors) go at once, ahead of anything queued. Each run's output and result wait in the run's
 * own queue and go out through a bounded window, a frame from each run in turn, so one chatty
 * task neither delays another's result nor fills memory: past the high-water mark the task
 * itself waits. A run's result leaves after its own output. While the orchestrator is away,
 * frames stay queued (the task waits once the queue is full) and go out when it is back.
 */
export class Outbox {
  private readonly inflight = new WeakMap<WebSocket, number>();
  private readonly waiting = new Map<DeviceRun, { resolve: () => void; promise: Promise<void> }>();
  /** Per orchestrator, the runs with frames queued (no scan of every run the device holds). */
  private readonly queued = new Map<string, Set<DeviceRun>>();

  constructor(
    /** The open socket of an orchestrator, if it is connected. */
    private readonly socketOf: (owner: string) => WebSocket | undefined,
    /** A run's frame has been handed to its socket. */
    private readonly sent: (run: DeviceRun, frame: FromDevice) => void,
  ) {}

  /** Sends a control frame now, if the socket is open. */
  control(ws: WebSocket, frame: FromDevice): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }

  /** Queues a run's output or result and sends what the window allows. */
  push(run: DeviceRun, frame: FromDevice): void {
    run.outbox.push(frame);
    run.buffered += frameSize(frame);
    let runs = this.queued.get(run.owner);
    if (!runs) {
      runs = new Set();
      this.queued.set(run.owner, runs);
    }
    runs.add(run);
    this.pump(run.owner);
  }

  /** Resolves when the run's queue is low enough for its task to produce more; undefined if it is already. */
  backlog(run: DeviceRun): Promise<void> | undefined {
    if (run.buffered <= HIGH_WATER) return undefined;
    let entry = this.waiting.get(run);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { resolve, promise };
      this.waiting.set(run, entry);
    }
    return entry.promise;
  }

  /** A run is forgotten: nothing of it is sent any more, and its task stops waiting. */
  forget(run: DeviceRun): void {
    run.outbox = [];
    run.buffered = 0;
    this.queued.get(run.owner)?.delete(run);
    this.release(run);
  }

  /** Sends queued frames of an orchestrator's runs while the socket's window has room. */
  pump(owner: string): void {
    const ws = this.socketOf(owner);
    const runs = this.queued.get(owner);
    if (!ws || ws.readyState !== ws.OPEN || !runs) return;
    while (runs.size > 0 && (this.inflight.get(ws) ?? 0) < SEND_WINDOW) {
      for (const run of runs) {
        const frame = run.outbox.shift();
        if (!frame) {
          runs.delete(run);
          continue;
        }
        const text = JSON.stringify(frame);
        run.buffered -= frameSize(frame);
        this.inflight.set(ws, (this.inflight.get(ws) ?? 0) + text.length);
        ws.send(text, () => {
          this.inflight.set(ws, (this.inflight.get(ws) ?? 0) - text.length);
          this.pump(owner);
        });
        if (run.outbox.length === 0) runs.delete(run);
        this.sent(run, frame);
        if (run.buffered < LOW_WATER) this.release(run);
        if ((this.inflight.get(ws) ?? 0) >= SEND_WINDOW) return;
      }
    }
  }

  private release(run: DeviceRun): void {
    const entry = this.waiting.get(run);
    if (!entry) return;
    this.waiting.delete(run);
    entry.resolve();
  }
}

/** What a queued frame costs: its output text (other frames are small). */
function frameSize(frame: FromDevice): number {
  return frame.type === 'task_output' ? frame.data.length + 200 : 200;
}
