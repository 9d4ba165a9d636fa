import type { OutputStream } from '../../core/events/event-map';

/** Output kept per task so a terminal opened late shows it from the start. */
const MAX_PER_TASK = 512 * 1024;

interface Kept {
  chunks: { stream: OutputStream; data: string }[];
  size: number;
  dropped: number;
}

/** The output of every task of a run, bounded per task (the oldest is dropped first). */
export class OutputBuffer {
  private readonly byTask = new Map<string, Kept>();

  add(taskId: string, stream: OutputStream, data: string): void {
    let k = this.byTask.get(taskId);
    if (!k) {
      k = { chunks: [], size: 0, dropped: 0 };
      this.byTask.set(taskId, k);
    }
    k.chunks.push({ stream, data });
    k.size += data.length;
    while (k.size > MAX_PER_TASK && k.chunks.length > 1) {
      const first = k.chunks.shift()!;
      k.size -= first.data.length;
      k.dropped += first.data.length;
    }
  }

  /** What is kept for a task, and how many characters were dropped before it. */
  of(taskId: string): { chunks: readonly { stream: OutputStream; data: string }[]; dropped: number } {
    const k = this.byTask.get(taskId);
    return k ? { chunks: k.chunks, dropped: k.dropped } : { chunks: [], dropped: 0 };
  }
}
