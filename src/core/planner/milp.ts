import type { SolverStatus } from '../model/plan.js';

/**
 * A mixed-integer linear program in structured form, the planner's interface to any solver (the Solver port,
 * src/ports/solver.ts). Minimise Σ cost[j]·x[j] subject to lower ≤ Σ coef·x ≤ upper for every constraint and
 * lower[j] ≤ x[j] ≤ upper[j]; `integer` variables take whole values. Bounds may be ±Infinity.
 */
export interface MilpVariable {
  /** Unique, for people and logs only (solvers must not rely on it being a valid identifier). */
  readonly name: string;
  readonly lower: number;
  readonly upper: number;
  readonly integer: boolean;
  readonly cost: number;
}

export interface MilpTerm {
  /** Index into MilpModel.variables. */
  readonly variable: number;
  readonly coef: number;
}

export interface MilpConstraint {
  readonly name: string;
  readonly terms: readonly MilpTerm[];
  readonly lower: number;
  readonly upper: number;
}

export interface MilpModel {
  readonly variables: readonly MilpVariable[];
  readonly constraints: readonly MilpConstraint[];
  /** A solution the solver may start from (one value per variable); ignored when infeasible. */
  readonly start?: readonly number[];
}

export interface MilpLimits {
  /** Wall-clock limit for this solve, ms. */
  readonly timeLimitMs: number;
  /** Stop once (incumbent − bound) / |incumbent| is at most this (0 = prove optimality). */
  readonly relativeGap: number;
}

export interface MilpResult {
  readonly status: SolverStatus;
  /** Objective of `values`; null when there is no solution. */
  readonly objective: number | null;
  /** One value per variable; null when there is no solution. */
  readonly values: readonly number[] | null;
  /** Best proven lower bound on the optimum (minimisation); null when unknown. */
  readonly bestBound: number | null;
  /** Relative gap (objective − bestBound) / max(|objective|, 1e-9); 0 when proven optimal, null when unknown. */
  readonly gap: number | null;
  /** Time the solver spent, ms (measured by the adapter; the core never reads a clock). */
  readonly timeMs: number;
  /** Why, when status is `error`. */
  readonly message?: string;
}

/**
 * Solves MILPs. Contract:
 * - `optimal`: `values` is feasible (within 1e-6) and optimal within `relativeGap`.
 * - `time-limit-feasible`: the limit stopped the search; `values` is the best feasible solution found and `gap`
 *   its proven gap.
 * - `infeasible`: no solution exists. `time-limit-no-solution`: none was found in time. `error`: anything else
 *   (the model was refused, the solver failed); never thrown for an optimisation outcome.
 * - Integer variables come back as whole numbers (rounded by the adapter).
 * - Throws only when the solver itself cannot be used (e.g. it failed to load).
 */
export interface Solver {
  readonly name: string;
  solve(model: MilpModel, limits: MilpLimits): Promise<MilpResult>;
}

export const FEASIBILITY_TOLERANCE = 1e-6;

/** Row activity Σ coef·x of each constraint at `values`. */
export function activities(model: MilpModel, values: readonly number[]): number[] {
  return model.constraints.map((c) => c.terms.reduce((sum, t) => sum + t.coef * (values[t.variable] ?? 0), 0));
}

/** Objective Σ cost·x at `values`. */
export function objectiveAt(model: MilpModel, values: readonly number[]): number {
  return model.variables.reduce((sum, v, j) => sum + v.cost * (values[j] ?? 0), 0);
}

/**
 * Names of the bounds and constraints `values` violates by more than `tolerance` (scaled by the size of the
 * bound), and of integer variables that are not whole. Empty when feasible.
 */
export function violations(model: MilpModel, values: readonly number[], tolerance = FEASIBILITY_TOLERANCE): string[] {
  const out: string[] = [];
  const tol = (bound: number) => tolerance * Math.max(1, Math.abs(bound));
  model.variables.forEach((v, j) => {
    const x = values[j] ?? Number.NaN;
    if (!Number.isFinite(x)) out.push(`${v.name}: not a number`);
    else if (x < v.lower - tol(v.lower) || x > v.upper + tol(v.upper)) out.push(`${v.name}: ${x} outside [${v.lower}, ${v.upper}]`);
    else if (v.integer && Math.abs(x - Math.round(x)) > tolerance) out.push(`${v.name}: ${x} is not whole`);
  });
  const act = activities(model, values);
  model.constraints.forEach((c, i) => {
    const a = act[i]!;
    if (a < c.lower - tol(c.lower) || a > c.upper + tol(c.upper)) out.push(`${c.name}: ${a} outside [${c.lower}, ${c.upper}]`);
  });
  return out;
}
