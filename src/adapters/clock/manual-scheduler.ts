import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { FakeClock } from './fake.js';

interface Task {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Let promise callbacks and I/O callbacks queued by a fired task run before the next one fires. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A scheduler for tests: timers fire only when `advance` moves the FakeClock past their due time, in due-time
 * order (ties: the order they were scheduled). Between two timers it lets pending promises settle, so work a
 * timer starts (and the timers that work schedules) happens at the right simulated time.
 */
export class ManualScheduler implements Scheduler {
  readonly #clock: FakeClock;
  #tasks: Task[] = [];
  #seq = 0;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  schedule(delayMs: number, fn: () => void): ScheduledTask {
    const task: Task = { due: this.#clock.now().getTime() + Math.max(0, delayMs), seq: this.#seq++, fn, cancelled: false };
    this.#tasks.push(task);
    return { cancel: () => { task.cancelled = true; } };
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.#tasks.filter((t) => !t.cancelled).length;
  }

  /** Due times (epoch ms) of the pending timers, soonest first. */
  dueTimes(): number[] {
    return this.#tasks.filter((t) => !t.cancelled).map((t) => t.due).sort((a, b) => a - b);
  }

  /** Move the clock forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.#clock.now().getTime() + ms;
    await settle();
    for (;;) {
      this.#tasks = this.#tasks.filter((t) => !t.cancelled);
      const next = [...this.#tasks].sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined || next.due > end) break;
      const now = this.#clock.now().getTime();
      if (next.due > now) this.#clock.advance(next.due - now);
      next.cancelled = true;
      next.fn();
      await settle();
    }
    const now = this.#clock.now().getTime();
    if (end > now) this.#clock.advance(end - now);
    await settle();
  }
}
