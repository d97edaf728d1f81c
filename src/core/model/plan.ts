/**
 * The planner's output (docs: scenario-format.md "Plan", docs/planner.md). Everything is plain JSON data so
 * a plan can be stored, sent over HTTP and replayed.
 */

/** Start `count` new nodes of one offering in one pool. */
export interface StartAction {
  readonly action: 'start';
  readonly pool: string;
  readonly offering: string;
  readonly count: number;
  /** Change of the fleet's hourly cost when this action is done: + price × count. */
  readonly costDeltaPerHour: number;
}

/** Stop one running node. */
export interface StopAction {
  readonly action: 'stop';
  readonly pool: string;
  readonly nodeId: string;
  /** The offering the node was bought as. */
  readonly offering: string;
  /** − its price. */
  readonly costDeltaPerHour: number;
}

export type PlanAction = StartAction | StopAction;

/** What the plan does to one pool. Utilisations are rounded to 3 decimals; null when the capacity is 0. */
export interface PoolOutcome {
  readonly name: string;
  readonly unit: string;
  readonly demand: number;
  /** demand / maxUtilization: the capacity the pool needs. */
  readonly requiredCapacity: number;
  readonly capacityBefore: number;
  readonly capacityAfter: number;
  readonly utilizationBefore: number | null;
  readonly utilizationAfter: number | null;
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly costPerHourBefore: number;
  readonly costPerHourAfter: number;
  /** Demand the target fleet cannot serve within maxUtilization (demand − maxUtilization × capacityAfter); 0 when met. */
  readonly shortfall: number;
}

/** One entry of the target fleet: `count` nodes of `offering` in `pool` once the actions are done. */
export interface FleetEntry {
  readonly pool: string;
  readonly offering: string;
  readonly count: number;
}

/** A constraint of a pool at (or past) its limit in the chosen fleet. */
export interface ConstraintReport {
  readonly pool: string;
  /** capacity, min-nodes, max-nodes, budget, spot-share, zones, available. */
  readonly constraint: string;
  readonly detail: string;
}

/** A fleet the planner considered and did not choose. */
export interface Alternative {
  readonly description: string;
  /** Its hourly cost; null when it is not a complete fleet (e.g. infeasible). */
  readonly costPerHour: number | null;
  readonly whyLost: string;
}

export type SolverStatus = 'optimal' | 'time-limit-feasible' | 'infeasible' | 'time-limit-no-solution' | 'error';

export interface SolverReport {
  /** Which solver (`highs`, `exhaustive` …). */
  readonly name: string;
  /** The worst status among the solves that produced the chosen fleet: optimal < time-limit-feasible < time-limit-no-solution. */
  readonly status: SolverStatus;
  /**
   * Proven relative optimality gap of the cost optimisation, (Σ incumbent − Σ bound) / Σ |incumbent| over the
   * groups of pools; 0 when proven optimal, null when unknown.
   */
  readonly gap: number | null;
  /** Solver time summed over every solve of this plan, ms. */
  readonly timeMs: number;
  /** How many solves the plan took (per group of pools: optimum, keep-current fleet, shortfall phases). */
  readonly solves: number;
  /** Groups of pools solved as independent problems. */
  readonly components: number;
  /** (pool, offering) pairs where the offering is allowed and able to serve, and how many of them dominance pruning removed. */
  readonly candidateOfferings: number;
  readonly prunedOfferings: number;
  /** Size of the cost-optimisation models, summed over the groups. */
  readonly variables: number;
  readonly constraints: number;
}

/** Why the chosen fleet was chosen. */
export type PlanDecision =
  /** The cost-optimal fleet: it saves enough over keeping what runs (or what runs is not enough). */
  | 'optimize'
  /** Keep what runs (adding only what is needed): the optimum would not save enough to be worth the churn. */
  | 'keep-current'
  /** Demand cannot be met: the fleet that leaves the least unmet, at the lowest cost. */
  | 'shortfall'
  /** The solver found no plan in its time limit: nothing changes. */
  | 'no-solution';

/**
 * The hysteresis decision for one group of pools solved together (usually one pool; pools sharing a limited
 * offering are solved, and decided, together).
 */
export interface PoolDecision {
  readonly pools: readonly string[];
  readonly decision: PlanDecision;
  /** Hourly cost of keeping every running node (plus the starts the constraints need); null when that cannot meet them. */
  readonly keepCostPerHour: number | null;
  /**
   * True when keepCostPerHour is only a lower bound (the running nodes' own cost): the optimum beat it by the
   * threshold already, so the keep fleet was not solved for.
   */
  readonly keepCostIsLowerBound: boolean;
  /** Hourly cost of the cost-optimal fleet; null when none was found. */
  readonly optimumCostPerHour: number | null;
  /** Savings the optimum had to reach to replace running nodes: max(minSavingsPerHour, minSavingsPercent × keepCostPerHour). */
  readonly savingsThresholdPerHour: number;
}

export interface PlanDiagnostics {
  /** Overall: `shortfall` if any pool is short, else `no-solution` if any group found none, else `optimize` if any group replaces nodes, else `keep-current`. */
  readonly decision: PlanDecision;
  /** Per group of pools solved together. */
  readonly decisions: readonly PoolDecision[];
  readonly bindingConstraints: readonly ConstraintReport[];
  /** Constraints the chosen fleet cannot meet (only when `feasible` is false). */
  readonly unmetConstraints: readonly ConstraintReport[];
  /** Up to three fleets considered and not chosen, cheapest first. */
  readonly alternatives: readonly Alternative[];
  readonly solver: SolverReport;
  /** Running nodes kept because they started less than minNodeLifetimeSeconds ago (or are still pending). */
  readonly protectedNodes: readonly string[];
  /** Nodes the planner did not consider (state stopping, stopped, terminated, unknown). */
  readonly ignoredNodes: readonly string[];
}

export interface Plan {
  /** False when some pool's demand or constraint cannot be met; see pools[].shortfall and diagnostics.unmetConstraints. */
  readonly feasible: boolean;
  /** Summed price of the running (and pending) nodes now, USD/h. */
  readonly costPerHourBefore: number;
  /** Summed price of the target fleet, USD/h. */
  readonly costPerHourAfter: number;
  readonly savingsPerHour: number;
  /** Make-before-break: every start, then every stop. */
  readonly actions: readonly PlanAction[];
  readonly pools: readonly PoolOutcome[];
  /** The fleet once the actions are done, by pool and offering. */
  readonly targetFleet: readonly FleetEntry[];
  /** Why, in words. */
  readonly explanation: readonly string[];
  /** Why, as data. */
  readonly diagnostics: PlanDiagnostics;
}
