import type { ExecutionOutcome, ExecutionRequest, ExecutionSink } from '../../core/executors/executor';

/** One attempt handed to a device and not yet finished, as the orchestrator side sees it. */
export interface Flight {
  readonly key: string;
  readonly request: ExecutionRequest;
  /** Where output goes (replaced when a held attempt is taken over). */
  sink: ExecutionSink;
  readonly requestId: string;
  /** The `task` frame went out on some connection (so a device that forgot it lost it). */
  sent: boolean;
  /**
   * Last output chunk delivered; earlier or repeated chunks are dropped. A held attempt starts
   * at -1 with {@link Flight.midway}: its first chunk here is wherever the device resumed.
   */
  lastChunk: number;
  /** Taken over from an earlier process: the chunks before the first one seen went there. */
  readonly midway?: boolean;
  /** Cancel asked while no connection was up: sent as soon as one is. */
  cancelPending?: string | undefined;
  settle(outcome: ExecutionOutcome): void;
}

/** The in-flight attempts of one device session, by `taskId#attempt` and by request id. */
export class FlightTable {
  private readonly byKey = new Map<string, Flight>();
  private readonly byRequest = new Map<string, Flight>();

  add(f: Flight): void {
    this.byKey.set(f.key, f);
    this.byRequest.set(f.requestId, f);
  }

  get(key: string): Flight | undefined {
    return this.byKey.get(key);
  }

  byRequestId(id: string): Flight | undefined {
    return this.byRequest.get(id);
  }

  /** Removes a flight and settles it (once). */
  finish(f: Flight, outcome: ExecutionOutcome): void {
    if (this.byKey.get(f.key) !== f) return;
    this.byKey.delete(f.key);
    this.byRequest.delete(f.requestId);
    f.settle(outcome);
  }

  all(): Flight[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}
