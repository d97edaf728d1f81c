import type { CapacityModel } from './capacity.js';
import type { PurchaseOption } from './offering.js';

/** Quality-of-service objectives of a pool (docs: scenario-format.md). */
export interface PoolQos {
  /** The pool's demand must not exceed `maxUtilization × Σ capacity` of its nodes; in (0, 1]. */
  readonly maxUtilization: number;
}

/** Limits on a pool's fleet. Every field is optional; an omitted one does not constrain. */
export interface PoolConstraints {
  /** Providers whose offerings the pool may run on (data residency, contracts). */
  readonly providers?: readonly string[];
  readonly regions?: readonly string[];
  readonly purchase?: readonly PurchaseOption[];
  readonly minNodes?: number;
  readonly maxNodes?: number;
  /** The fleet must span at least this many zones; only offerings with a known zone count. */
  readonly minDistinctZones?: number;
  /** Largest share of the pool's capacity (not node count) on spot offerings, in [0, 1]. */
  readonly maxSpotFraction?: number;
  /** Largest summed price of the pool's nodes, USD per hour. */
  readonly budgetPerHour?: number;
}

/**
 * A set of interchangeable nodes serving one workload (docs: architecture.md, Vocabulary): its demand now, how
 * much of it one node of each offering serves, its QoS objective and its constraints.
 */
export interface Pool {
  readonly name: string;
  /** Demand unit, for people: `req/s`, `tokens/s`, `cores` … */
  readonly unit: string;
  /** Demand now, in `unit`; ≥ 0. */
  readonly demand: number;
  readonly capacity: CapacityModel;
  readonly qos: PoolQos;
  readonly constraints: PoolConstraints;
}
