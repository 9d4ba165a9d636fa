import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../events/event-bus';
import type { RunEvent } from '../events/event-map';
import { toPlanFile } from '../io/plan-file';
import type { Orchestrator } from '../orchestrator/orchestrator';

/** Events whose loss would lose work: written through at once. The rest are batched. */
const WRITE_THROUGH = new Set<string>(['task_started', 'task_completed', 'task_failed', 'task_cancelled', 'task_skipped', 'constellation_modified', 'constellation_completed', 'constellation_failed']);

/** Files of one run under the journal root. */
export function runPaths(root: string, runId: string) {
  const dir = path.join(root, runId);
  return { dir, events: path.join(dir, 'events.jsonl'), snapshot: path.join(dir, 'snapshot.json'), meta: path.join(dir, 'run.json') };
}

/** What a snapshot file holds: the constellation with state, as of event `seq`. */
export interface SnapshotFile {
  readonly version: 1;
  readonly runId: string;
  readonly seq: number;
  readonly plan: unknown;
}

/**
 * Appends a run's events to `<root>/<runId>/events.jsonl` and keeps `snapshot.json` (the whole
 * constellation with statuses and results) current at start, after each modification and at
 * the end. Events that carry results are written through before the next event is handled, so
 * a crash loses at most output chunks, never a completed result.
 */
export class Journal {
  private readonly fd: number;
  private buffer: string[] = [];
  private flushScheduled = false;
  private subscription: Disposable | undefined;
  readonly paths: ReturnType<typeof runPaths>;

  constructor(
    root: string,
    readonly runId: string,
    meta?: Record<string, unknown>,
  ) {
    this.paths = runPaths(root, runId);
    fs.mkdirSync(this.paths.dir, { recursive: true });
    if (meta && !fs.existsSync(this.paths.meta)) writeAtomic(this.paths.meta, JSON.stringify({ runId, ...meta }, null, 2));
    this.fd = fs.openSync(this.paths.events, 'a');
  }

  /** Records everything the orchestrator emits from now on. */
  attach(orchestrator: Orchestrator): void {
    this.subscription = orchestrator.events.onAny((event) => {
      this.append(event);
      if (event.type === 'constellation_started' || event.type === 'constellation_modified' || event.type === 'constellation_completed' || event.type === 'constellation_failed') {
        this.snapshot(orchestrator, event.seq);
      }
    });
  }

  append(event: RunEvent): void {
    this.buffer.push(JSON.stringify(event));
    if (WRITE_THROUGH.has(event.type)) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    fs.writeSync(this.fd, text);
  }

  snapshot(orchestrator: Orchestrator, seq: number): void {
    this.flush();
    const file: SnapshotFile = { version: 1, runId: this.runId, seq, plan: toPlanFile(orchestrator.constellation, true) };
    writeAtomic(this.paths.snapshot, JSON.stringify(file));
  }

  close(): void {
    this.subscription?.dispose();
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Writes through a temporary file and a rename, so a crash leaves the old or the new file, never half of one. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
