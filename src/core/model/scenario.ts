import type { NodeState } from './node.js';
import type { Offering } from './offering.js';
import type { Pool } from './pool.js';

/**
 * A node as the planner sees it: which pool it serves, which offering it was bought as, its state and when it
 * started. Only `running` and `pending` nodes are part of the fleet (they cost money and serve, or are about
 * to); other states are ignored by the planner.
 */
export interface FleetNode {
  readonly id: string;
  readonly pool: string;
  /** An offering id present in the snapshot's offerings. */
  readonly offering: string;
  readonly state: NodeState;
  /** ISO 8601; null when unknown (such a node is never protected by the minimum lifetime). */
  readonly startedAt: string | null;
}

/**
 * Everything one planning decision reads, at time `now` (docs: architecture.md, "Every step is data in, data
 * out"). Built from a scenario document (core/planner/scenario.ts) or, in the service, from the store.
 */
export interface PlanningSnapshot {
  readonly offerings: readonly Offering[];
  readonly pools: readonly Pool[];
  readonly nodes: readonly FleetNode[];
  /** ISO 8601 instant the plan is made at (for node lifetimes). */
  readonly now: string;
}
