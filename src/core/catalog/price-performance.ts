import { capacityOf, type CapacityModel } from '../model/capacity.js';
import type { Offering } from '../model/offering.js';
import type { Catalog } from './catalog.js';
import { matchingOfferings, type OfferingFilter } from './query.js';

/** One offering's cost of serving a pool's demand. */
export interface PricePerformance {
  readonly offering: Offering;
  /** Demand units one node serves at 100% utilisation (capacityOf). */
  readonly capacity: number;
  /**
   * Dollars per hour per unit of demand served at the pool's target utilisation:
   * pricePerHour / (capacity × maxUtilization). This is the number the planner minimises per unit of demand.
   */
  readonly costPerUnitHour: number;
}

export interface PricePerformanceOptions {
  /** Only offerings matching this filter are ranked (e.g. the pool's allowed providers and regions). */
  readonly filter?: OfferingFilter;
  /** The pool's qos.maxUtilization in (0, 1] (default 1): a node is only loaded to this share of its capacity. */
  readonly maxUtilization?: number;
  /** At most this many rows (default: all). */
  readonly limit?: number;
}

export interface PricePerformanceRanking {
  /** Cheapest per unit of served demand first (then cheaper node, then id). */
  readonly ranked: readonly PricePerformance[];
  /** Offerings considered that the capacity model cannot place (no entry, or a capacity that is not above 0). */
  readonly unservable: number;
}

/**
 * Ranks offerings by cost per unit of served demand for a pool's capacity model (docs: scenario-format.md).
 * A big node that serves far more than the pool needs can rank first here and still lose in the plan: the
 * planner buys whole nodes, so what it minimises is the total cost of enough nodes, which this ranking only
 * approximates when demand is large compared with one node's capacity.
 */
export function rankByPricePerformance(catalog: Catalog, model: CapacityModel, options: PricePerformanceOptions = {}): PricePerformanceRanking {
  const utilization = options.maxUtilization ?? 1;
  if (!(utilization > 0 && utilization <= 1)) throw new RangeError(`maxUtilization ${utilization} is not in (0, 1]`);
  const pool = options.filter === undefined ? catalog.offerings : matchingOfferings(catalog, options.filter);
  const ranked: PricePerformance[] = [];
  let unservable = 0;
  for (const offering of pool) {
    const capacity = capacityOf(model, offering);
    if (capacity === null || !Number.isFinite(capacity) || capacity <= 0) {
      unservable += 1;
      continue;
    }
    ranked.push({ offering, capacity, costPerUnitHour: offering.pricePerHour / (capacity * utilization) });
  }
  // Catalog order is (price, id), and sort is stable: ties in cost keep the cheaper node first.
  ranked.sort((a, b) => a.costPerUnitHour - b.costPerUnitHour);
  return { ranked: options.limit === undefined ? ranked : ranked.slice(0, options.limit), unservable };
}
