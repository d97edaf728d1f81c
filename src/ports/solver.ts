/**
 * The Solver port: solves the planner's mixed-integer programs. The types (and the contract, in the doc
 * comment of `Solver`) live in the pure core, src/core/planner/milp.ts, because plan() takes a Solver and the
 * core imports nothing from outer layers; this module is where adapters and the application find them.
 *
 * Implementations: src/adapters/solver/highs (HiGHS, WebAssembly; production) and
 * src/adapters/solver/exhaustive (brute force for tiny models; tests cross-check HiGHS with it).
 */
export type { MilpConstraint, MilpLimits, MilpModel, MilpResult, MilpTerm, MilpVariable, Solver } from '../core/planner/milp.js';
