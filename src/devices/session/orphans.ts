import type { ExecutionOutcome, ExecutionRequest, ExecutionSink } from '../../core/executors/executor';
import type { OutputStream } from '../../core/events/event-map';
import type { HeldTask } from '../protocol/messages';
import { runKey } from '../protocol/wire';
import type { Flight, FlightTable } from './flights';

/** How long an attempt the device holds for us waits to be taken over before it is stopped. */
export const ORPHAN_KEEP_MS = 600_000;
/** Output of one such attempt kept until it is taken over; beyond it, a note says how much was lost. */
const MAX_ORPHAN_OUTPUT = 4 * 1024 * 1024;

interface Orphan {
  readonly flight: Flight;
  readonly done: Promise<ExecutionOutcome>;
  readonly buffered: { stream: OutputStream; data: string }[];
  size: number;
  dropped: number;
  timer: NodeJS.Timeout;
}

/**
 * Attempts a device still holds for this orchestrator (it says so at `welcome`) that nobody here
 * has claimed yet: the tasks of a run an earlier process detached from. They are kept as flights,
 * their output and result held, until the resumed run takes them over ({@link OrphanFlights.adopt});
 * one nobody claims in time is stopped (running) or forgotten (finished).
 */
export class OrphanFlights {
  private readonly orphans = new Map<string, Orphan>();

  constructor(
    private readonly flights: FlightTable,
    private readonly deviceId: string,
    /** An unclaimed attempt expired: `running` if the device still runs it. */
    private readonly expire: (flight: Flight, running: boolean) => void,
    private readonly keepMs = ORPHAN_KEEP_MS,
  ) {}

  /** Keeps a held attempt that no flight of ours stands for. */
  hold(h: HeldTask): void {
    const key = runKey(h.runId, h.taskId, h.attempt);
    if (this.flights.get(key) || this.orphans.has(key)) return;
    let settle!: (o: ExecutionOutcome) => void;
    let outcome: ExecutionOutcome | undefined;
    const done = new Promise<ExecutionOutcome>((resolve) => (settle = resolve));
    const request: ExecutionRequest = { runId: h.runId, taskId: h.taskId, attempt: h.attempt, name: h.taskId, description: '', tips: [], inputs: undefined, device: this.deviceId };
    const orphan = { buffered: [] as Orphan['buffered'], size: 0, dropped: 0 } as Omit<Orphan, 'flight' | 'done' | 'timer'> as Orphan;
    const holding: ExecutionSink = {
      output: (stream, data) => {
        if (orphan.size + data.length > MAX_ORPHAN_OUTPUT) orphan.dropped += data.length;
        else {
          orphan.buffered.push({ stream, data });
          orphan.size += data.length;
        }
      },
    };
    const flight: Flight = {
      key,
      request,
      sink: holding,
      requestId: `held:${key}`,
      sent: true,
      lastChunk: -1,
      midway: true,
      settle: (o) => {
        outcome = o;
        settle(o);
      },
    };
    Object.assign(orphan, {
      flight,
      done,
      timer: setTimeout(() => {
        if (this.orphans.get(key) !== orphan) return;
        this.orphans.delete(key);
        this.expire(flight, outcome === undefined);
      }, this.keepMs),
    });
    orphan.timer.unref();
    this.orphans.set(key, orphan);
    this.flights.add(flight);
  }

  /** Takes over a held attempt: what it wrote meanwhile is replayed to `sink` (in a microtask), then it goes on there. */
  adopt(request: ExecutionRequest, sink: ExecutionSink): { flight: Flight; done: Promise<ExecutionOutcome> } | undefined {
    const key = runKey(request.runId, request.taskId, request.attempt);
    const orphan = this.orphans.get(key);
    if (!orphan) return undefined;
    this.orphans.delete(key);
    clearTimeout(orphan.timer);
    // What it wrote meanwhile reaches `sink` once the caller has the execution in hand (output
    // arriving until then is held with the rest), then the attempt writes to `sink` directly.
    queueMicrotask(() => {
      if (orphan.dropped > 0) sink.output('log', `[device] ${orphan.dropped} characters of output were lost while no orchestrator had taken this task over\n`);
      for (const piece of orphan.buffered) sink.output(piece.stream, piece.data);
      orphan.buffered.length = 0;
      orphan.flight.sink = sink;
    });
    return { flight: orphan.flight, done: orphan.done };
  }

  clear(): void {
    for (const o of this.orphans.values()) clearTimeout(o.timer);
    this.orphans.clear();
  }
}
