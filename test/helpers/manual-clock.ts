import type { Clock, TimerHandle } from '../../src/core/clock';

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return 1_700_000_000_000 + this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return { cancel: () => void (t.live = false) };
  }

  /** Pending timers (not cancelled). */
  get pendingTimers(): number {
    return this.timers.filter((t) => t.live).length;
  }

  /** Moves time forward, firing due timers in order, letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.time = due.at;
      due.live = false;
      due.fn();
      await settle();
    }
    this.time = end;
    this.timers = this.timers.filter((t) => t.live);
    await settle();
  }
}

/** Lets pending promise callbacks and immediates run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
