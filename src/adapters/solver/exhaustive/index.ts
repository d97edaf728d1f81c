import { performance } from 'node:perf_hooks';
import type { MilpLimits, MilpModel, MilpResult, Solver } from '../../../ports/solver.js';

/**
 * A brute-force Solver for tiny models, so tests can check HiGHS (and the formulation) against an answer that
 * needs no cleverness: it tries every combination of the integer variables, depth first, skipping only
 * branches that provably cannot be feasible or better (row activity ranges, objective lower bound).
 *
 * Continuous variables are allowed only where each appears in at most one constraint (the planner's slack
 * variables): given the integers, its best value is then the cheapest end of the interval that row allows.
 * It refuses (status `error`) a model with an unbounded integer variable, a continuous variable in two rows,
 * or more than `maxCombinations` integer combinations.
 */
export interface ExhaustiveSolverOptions {
  /** Largest product of integer domain sizes it will take on. Default 2,000,000. */
  readonly maxCombinations?: number;
}

const TOL = 1e-9;

export class ExhaustiveSolver implements Solver {
  readonly name = 'exhaustive';
  readonly #max: number;

  constructor(options: ExhaustiveSolverOptions = {}) {
    this.#max = options.maxCombinations ?? 2_000_000;
  }

  async solve(model: MilpModel, _limits: MilpLimits): Promise<MilpResult> {
    const began = performance.now();
    const refuse = (message: string): MilpResult =>
      ({ status: 'error', objective: null, values: null, bestBound: null, gap: null, timeMs: performance.now() - began, message });

    const vars = model.variables;
    const ints = vars.map((v, j) => (v.integer ? j : -1)).filter((j) => j >= 0);
    const conts = vars.map((v, j) => (v.integer ? -1 : j)).filter((j) => j >= 0);
    let combinations = 1;
    for (const j of ints) {
      const v = vars[j]!;
      const lo = Math.ceil(v.lower - TOL);
      const hi = Math.floor(v.upper + TOL);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return refuse(`integer variable ${v.name} is unbounded`);
      combinations *= Math.max(1, hi - lo + 1);
      if (combinations > this.#max) return refuse(`more than ${this.#max} combinations`);
    }
    // Where each continuous variable appears.
    const contRow = new Map<number, { row: number; coef: number }>();
    model.constraints.forEach((c, i) => {
      for (const t of c.terms) {
        if (vars[t.variable]!.integer) continue;
        const seen = contRow.get(t.variable);
        if (seen && seen.row !== i) contRow.set(t.variable, { row: -2, coef: 0 });
        else contRow.set(t.variable, { row: i, coef: (seen?.coef ?? 0) + t.coef });
      }
    });
    for (const [j, where] of contRow) if (where.row === -2) return refuse(`continuous variable ${vars[j]!.name} appears in more than one constraint`);

    const m = model.constraints.length;
    // coef[depth][row] for the integer variable at that depth.
    const depthCoefs: Array<Array<[number, number]>> = ints.map(() => []);
    const depthOf = new Map(ints.map((j, d) => [j, d]));
    model.constraints.forEach((c, i) => {
      const merged = new Map<number, number>();
      for (const t of c.terms) if (vars[t.variable]!.integer) merged.set(t.variable, (merged.get(t.variable) ?? 0) + t.coef);
      for (const [j, coef] of merged) depthCoefs[depthOf.get(j)!]!.push([i, coef]);
    });
    // Range a row's remaining integer variables (depth ≥ d) can still add, plus its continuous variable's range.
    const suffixMin: Float64Array[] = [];
    const suffixMax: Float64Array[] = [];
    const suffixCost = new Float64Array(ints.length + 1);
    suffixMin[ints.length] = new Float64Array(m);
    suffixMax[ints.length] = new Float64Array(m);
    for (const [j, where] of contRow) {
      const v = vars[j]!;
      const a = where.coef * v.lower;
      const b = where.coef * v.upper;
      const last = ints.length;
      suffixMin[last]![where.row] = suffixMin[last]![where.row]! + Math.min(a, b);
      suffixMax[last]![where.row] = suffixMax[last]![where.row]! + Math.max(a, b);
    }
    for (let d = ints.length - 1; d >= 0; d--) {
      const v = vars[ints[d]!]!;
      const lo = Math.ceil(v.lower - TOL);
      const hi = Math.floor(v.upper + TOL);
      suffixMin[d] = Float64Array.from(suffixMin[d + 1]!);
      suffixMax[d] = Float64Array.from(suffixMax[d + 1]!);
      for (const [i, coef] of depthCoefs[d]!) {
        suffixMin[d]![i] = suffixMin[d]![i]! + Math.min(coef * lo, coef * hi);
        suffixMax[d]![i] = suffixMax[d]![i]! + Math.max(coef * lo, coef * hi);
      }
      suffixCost[d] = suffixCost[d + 1]! + Math.min(v.cost * lo, v.cost * hi);
    }
    let contCostFloor = 0;
    for (const j of conts) {
      const v = vars[j]!;
      const floor = Math.min(v.cost * v.lower, v.cost * v.upper);
      contCostFloor += Number.isNaN(floor) ? 0 : floor;
    }

    const activity = new Float64Array(m);
    const x = new Float64Array(vars.length);
    let best: { objective: number; values: number[] } | null = null;
    let unbounded = false;

    // Feasibility tolerance per row, relative to its finite bounds.
    const rowTol = model.constraints.map((c) => 1e-7 * Math.max(1, ...[c.lower, c.upper].filter(Number.isFinite).map(Math.abs)));
    const within = (s: number, i: number): boolean => {
      const c = model.constraints[i]!;
      return s >= c.lower - rowTol[i]! && s <= c.upper + rowTol[i]!;
    };

    const leaf = (partialCost: number): void => {
      let cost = partialCost;
      const rowAct = Float64Array.from(activity);
      for (const j of conts) {
        const v = vars[j]!;
        const where = contRow.get(j);
        let lo = v.lower;
        let hi = v.upper;
        if (where) {
          const c = model.constraints[where.row]!;
          const act = rowAct[where.row]!;
          if (where.coef === 0) {
            // no effect on its row
          } else {
            const a = (c.lower - act) / where.coef;
            const b = (c.upper - act) / where.coef;
            lo = Math.max(lo, Math.min(a, b));
            hi = Math.min(hi, Math.max(a, b));
          }
        }
        if (lo > hi + TOL) return;
        const value = v.cost >= 0 ? lo : hi;
        if (!Number.isFinite(value)) {
          unbounded = true;
          return;
        }
        x[j] = value;
        cost += v.cost * value;
        if (where) rowAct[where.row] = rowAct[where.row]! + where.coef * value;
      }
      for (let i = 0; i < m; i++) if (!within(rowAct[i]!, i)) return;
      if (best === null || cost < best.objective - 1e-9) best = { objective: cost, values: Array.from(x) };
    };

    const dive = (d: number, partialCost: number): void => {
      // Prune: some row can no longer reach its bounds, or the objective cannot beat the incumbent.
      const min = suffixMin[d]!;
      const max = suffixMax[d]!;
      for (let i = 0; i < m; i++) {
        const c = model.constraints[i]!;
        if (activity[i]! + max[i]! < c.lower - rowTol[i]! || activity[i]! + min[i]! > c.upper + rowTol[i]!) return;
      }
      if (best !== null && partialCost + suffixCost[d]! + contCostFloor >= best.objective - 1e-9) return;
      if (d === ints.length) {
        leaf(partialCost);
        return;
      }
      const j = ints[d]!;
      const v = vars[j]!;
      const lo = Math.ceil(v.lower - TOL) + 0;
      const hi = Math.floor(v.upper + TOL);
      for (let value = lo; value <= hi; value++) {
        x[j] = value;
        for (const [i, coef] of depthCoefs[d]!) activity[i] = activity[i]! + coef * value;
        dive(d + 1, partialCost + v.cost * value);
        for (const [i, coef] of depthCoefs[d]!) activity[i] = activity[i]! - coef * value;
      }
    };
    dive(0, 0);

    const timeMs = performance.now() - began;
    if (unbounded && best === null) return refuse('a continuous variable is unbounded in the cheap direction');
    const found = best as { objective: number; values: number[] } | null;
    if (found === null) return { status: 'infeasible', objective: null, values: null, bestBound: null, gap: null, timeMs };
    return { status: 'optimal', objective: found.objective, values: found.values, bestBound: found.objective, gap: 0, timeMs };
  }
}
