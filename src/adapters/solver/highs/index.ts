import { performance } from 'node:perf_hooks';
import highsModule, { type Highs, type ModelStatusCode } from 'highs';
import type { MilpLimits, MilpModel, MilpResult, Solver } from '../../../ports/solver.js';

/**
 * The Solver port over HiGHS (the `highs` package: HiGHS compiled to WebAssembly). The model goes in as
 * sparse arrays through HiGHS' persistent-model API rather than as CPLEX LP text: nothing to serialise or parse,
 * no variable names to sanitise, and the API reports the MIP dual bound and gap that the one-shot text API does
 * not. One HiGHS runtime per process, loaded on first use; each solve gets a fresh native model, disposed after.
 * solve() blocks the event loop while HiGHS runs (bounded by the time limit).
 */

let runtime: Promise<Highs> | undefined;

// The package is CommonJS with ESM-style typings: under NodeNext, TypeScript sees the default import as the
// module object while Node hands over the loader function itself. Accept either.
type Loader = () => Promise<Highs>;
const highsLoader: Loader = typeof highsModule === 'function'
  ? (highsModule as unknown as Loader)
  : (highsModule as unknown as { default: Loader }).default;

/** The process-wide HiGHS runtime, loaded once (a failed load is retried on the next call). */
export function loadHighs(): Promise<Highs> {
  const loading = runtime ?? highsLoader().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  runtime = loading;
  return loading;
}

export interface HighsSolverOptions {
  /** Extra HiGHS options (e.g. `{ random_seed: 1 }`), applied after ours. */
  readonly highsOptions?: Readonly<Record<string, string | number | boolean>>;
}

export class HighsSolver implements Solver {
  readonly name = 'highs';
  readonly #extra: Readonly<Record<string, string | number | boolean>>;

  constructor(options: HighsSolverOptions = {}) {
    this.#extra = options.highsOptions ?? {};
  }

  async solve(model: MilpModel, limits: MilpLimits): Promise<MilpResult> {
    const highs = await loadHighs();
    const began = performance.now();
    const elapsed = () => performance.now() - began;
    const n = model.variables.length;
    const m = model.constraints.length;
    if (n === 0) return emptyModel(model, elapsed());

    // CSR rows; HiGHS refuses a row that names a column twice, so duplicates are merged.
    const starts = new Int32Array(m + 1);
    const indexList: number[] = [];
    const valueList: number[] = [];
    model.constraints.forEach((c, i) => {
      const merged = new Map<number, number>();
      for (const t of c.terms) merged.set(t.variable, (merged.get(t.variable) ?? 0) + t.coef);
      for (const [variable, coef] of merged) {
        indexList.push(variable);
        valueList.push(coef);
      }
      starts[i + 1] = indexList.length;
    });

    const integer = highs.constants.variableType.integer;
    const continuous = highs.constants.variableType.continuous;
    const instance = highs.createModel({
      numCols: n,
      numRows: m,
      colCost: Float64Array.from(model.variables, (v) => v.cost),
      colLower: Float64Array.from(model.variables, (v) => v.lower),
      colUpper: Float64Array.from(model.variables, (v) => v.upper),
      rowLower: Float64Array.from(model.constraints, (c) => c.lower),
      rowUpper: Float64Array.from(model.constraints, (c) => c.upper),
      matrix: { format: 'csr', numRows: m, numCols: n, starts, indices: Int32Array.from(indexList), values: Float64Array.from(valueList) },
      integrality: model.variables.map((v) => (v.integer ? integer : continuous)),
    });
    try {
      instance.options.set({
        output_flag: false,
        time_limit: Math.max(0.001, limits.timeLimitMs / 1000),
        mip_rel_gap: limits.relativeGap,
        ...this.#extra,
      });
      if (model.start && model.start.length === n) {
        try {
          instance.setSolution({ colValue: Float64Array.from(model.start) });
        } catch {
          // An unusable start only costs the head start.
        }
      }
      const { modelStatus } = instance.run();
      return this.#result(highs, instance, model, modelStatus, elapsed);
    } catch (error) {
      return { status: 'error', objective: null, values: null, bestBound: null, gap: null, timeMs: elapsed(), message: error instanceof Error ? error.message : String(error) };
    } finally {
      instance.dispose();
    }
  }

  #result(highs: Highs, instance: ReturnType<Highs['createModel']>, model: MilpModel, status: ModelStatusCode, elapsed: () => number): MilpResult {
    const codes = highs.constants.modelStatus;
    const none = (s: MilpResult['status'], message?: string): MilpResult =>
      ({ status: s, objective: null, values: null, bestBound: null, gap: null, timeMs: elapsed(), ...(message ? { message } : {}) });
    const hasPrimal = Number(instance.info.get('primal_solution_status')) === 2;
    const read = (): { objective: number; values: number[] } => {
      const raw = instance.getSolution().colValue;
      const values = model.variables.map((v, j) => (v.integer ? Math.round(raw[j]!) : raw[j]!) + 0);
      return { objective: model.variables.reduce((s, v, j) => s + v.cost * values[j]!, 0), values };
    };
    // The MIP dual bound; before HiGHS has one (stopped in presolve) it is not finite, and the gap is unknown.
    const bound = (objective: number, proven: boolean): { bestBound: number | null; gap: number | null } => {
      const dual = Number(instance.info.get('mip_dual_bound'));
      if (!Number.isFinite(dual)) return proven ? { bestBound: objective, gap: 0 } : { bestBound: null, gap: null };
      const bestBound = Math.min(dual, objective);
      return { bestBound, gap: Math.max(0, (objective - bestBound) / Math.max(Math.abs(objective), 1e-9)) };
    };
    switch (status) {
      case codes.optimal: {
        const { objective, values } = read();
        const b = model.variables.some((v) => v.integer) ? bound(objective, true) : { bestBound: objective, gap: 0 };
        return { status: 'optimal', objective, values, ...b, timeMs: elapsed() };
      }
      case codes.infeasible:
        return none('infeasible');
      case codes.unboundedOrInfeasible:
        // The planner's models are bounded below (costs ≥ 0 on variables ≥ 0), so this can only be infeasible.
        return model.variables.every((v) => v.cost >= 0 && Number.isFinite(v.lower)) ? none('infeasible') : none('error', 'unbounded or infeasible');
      case codes.timeLimit:
      case codes.iterationLimit:
      case codes.interrupted:
      case codes.solutionLimit: {
        if (!hasPrimal) return none('time-limit-no-solution');
        const { objective, values } = read();
        return { status: 'time-limit-feasible', objective, values, ...bound(objective, false), timeMs: elapsed() };
      }
      default:
        return none('error', `HiGHS model status ${status}`);
    }
  }
}

/** No variables: feasible exactly when every row accepts an activity of 0. */
function emptyModel(model: MilpModel, timeMs: number): MilpResult {
  const ok = model.constraints.every((c) => c.lower <= 1e-9 && c.upper >= -1e-9);
  return ok
    ? { status: 'optimal', objective: 0, values: [], bestBound: 0, gap: 0, timeMs }
    : { status: 'infeasible', objective: null, values: null, bestBound: null, gap: null, timeMs };
}
