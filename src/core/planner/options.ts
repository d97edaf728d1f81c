/**
 * Planner settings and their defaults (documented in docs/planner.md; a scenario may override them in its
 * `options` object).
 */
export interface PlanOptions {
  /**
   * Hysteresis, absolute part: replacing what runs must save at least this many USD per hour. Default 0.50.
   */
  readonly minSavingsPerHour: number;
  /** Hysteresis, relative part: … and at least this percentage of the current cost. Default 5 (%). */
  readonly minSavingsPercent: number;
  /**
   * A node that started less than this many seconds ago (or is still pending) is never stopped, so a fleet
   * does not flap when demand wobbles. Default 1800 (30 minutes).
   */
  readonly minNodeLifetimeSeconds: number;
  /**
   * Transition cost: each START is charged price × this many hours, once, in the objective, so churn between
   * fleets of equal hourly cost is never chosen and, at equal cost, fewer starts win. Default 0.01 (36 seconds
   * of the node's price): a tie-breaker; whether a replacement pays is the hysteresis rule's call.
   */
  readonly startCostHours: number;
  /** Wall-clock budget for all the solves of one plan, ms. Default 10000. */
  readonly timeLimitMs: number;
  /** Relative optimality gap at which the solver may stop. Default 0.0001 (0.01%). */
  readonly relativeGap: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  minSavingsPerHour: 0.5,
  minSavingsPercent: 5,
  minNodeLifetimeSeconds: 1800,
  startCostHours: 0.01,
  timeLimitMs: 10_000,
  relativeGap: 1e-4,
};

/** The defaults with `overrides` applied (undefined fields keep their default). */
export function resolvePlanOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  const out: Record<string, number> = { ...DEFAULT_PLAN_OPTIONS };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = value;
  return out as unknown as PlanOptions;
}
