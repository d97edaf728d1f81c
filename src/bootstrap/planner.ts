import type { Offering } from '../core/model/offering.js';
import type { Pool } from '../core/model/pool.js';
import { PlannerService } from '../app/planner-service.js';
import type { Clock } from '../ports/clock.js';
import type { Solver } from '../ports/solver.js';
import type { Store } from '../ports/store.js';
import { HighsSolver } from '../adapters/solver/highs/index.js';

/** The production solver: HiGHS (WebAssembly), loaded on first use. */
export function createSolver(): Solver {
  return new HighsSolver();
}

export interface PlannerWiring {
  readonly store: Store;
  readonly clock: Clock;
  /** The loaded price catalog's offerings (bundled snapshot + owned hardware). */
  readonly offerings?: () => readonly Offering[];
  /** Governed pools with their latest demand: none until the control loop configures them. */
  readonly pools?: () => Promise<readonly Pool[]> | readonly Pool[];
}

/** The planner service over the configured store, HiGHS and the catalog. */
export function createPlannerService(wiring: PlannerWiring): PlannerService {
  return new PlannerService({
    store: wiring.store,
    clock: wiring.clock,
    solver: createSolver(),
    ...(wiring.offerings ? { offerings: wiring.offerings } : {}),
    ...(wiring.pools ? { pools: wiring.pools } : {}),
  });
}
