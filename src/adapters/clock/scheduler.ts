import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';

/** The longest delay setTimeout honours (2^31 − 1 ms); longer ones are clamped, never fired at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Real timers. Timers do not keep the process alive: stopping the server is enough to exit. */
export const systemScheduler: Scheduler = {
  schedule(delayMs: number, fn: () => void): ScheduledTask {
    const timer = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_DELAY_MS));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
