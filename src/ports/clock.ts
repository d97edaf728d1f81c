/** Time, injected so tests and backtests can skip it instead of sleeping. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}
