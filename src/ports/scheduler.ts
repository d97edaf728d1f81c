/**
 * Timers, injected (style.md lesson 11) so that tests skip time instead of sleeping. The system
 * implementation is src/adapters/clock/scheduler.ts; src/adapters/clock/manual-scheduler.ts moves a
 * FakeClock and fires due timers on demand.
 */
export interface Scheduler {
  /** Run `fn` once, `delayMs` from now (0: as soon as possible). Returns a handle for `cancel`. */
  schedule(delayMs: number, fn: () => void): ScheduledTask;
}

export interface ScheduledTask {
  /** Stop the task from running. Idempotent; a no-op once it ran. */
  cancel(): void;
}
