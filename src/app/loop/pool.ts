import type { CapacityModel } from '../../core/model/capacity.js';
import type { PoolConstraints } from '../../core/model/pool.js';
import type { Labels } from '../../core/telemetry/series.js';
import type { PoolActuation } from '../actions/policy.js';

/**
 * Where a pool's demand comes from: the series of `metric` whose labels include `labels`, combined across
 * series with `aggregate` at each timestamp (e.g. per-instance request rates summed into the pool's total).
 * A PromQL demand query is pulled by the Prometheus source and stored as metric `promql_result` with label
 * `promql` = the expression (src/adapters/telemetry/sources/prometheus.ts), so it is read the same way.
 */
export interface DemandSignal {
  readonly metric: string;
  readonly labels: Labels;
  readonly aggregate: 'sum' | 'avg' | 'max';
}

/** A QoS metric with a target: a latency percentile in ms, a queue length … (lower is better). */
export interface QosMetric {
  readonly metric: string;
  readonly labels: Labels;
  /** The metric must stay at or below this. */
  readonly target: number;
  readonly aggregate: 'sum' | 'avg' | 'max';
}

/**
 * A pool the control loop governs, as configured in `[[pools]]` (docs/loop.md). Its demand is read from the
 * series store every iteration; the planner gets a `Pool` built from it with the demand expected over the
 * start-up lead time.
 */
export interface LoopPool {
  readonly name: string;
  /** Demand unit, for people (`req/s`, `tokens/s`, `cores`). */
  readonly unit: string;
  readonly demand: DemandSignal;
  /** Declared capacity per offering; may be empty when `learnCapacity` is on (learned from telemetry). */
  readonly capacity: CapacityModel;
  /** Estimate each offering's capacity from demand served and node utilisation (docs/loop.md, "Learned capacity"). */
  readonly learnCapacity: boolean;
  /** Per-node utilisation metric (0–1, or 0–100 when `utilizationPercent`), mapped to nodes by telemetry.node_labels. */
  readonly utilization: { readonly metric: string; readonly percent: boolean } | null;
  readonly qos: { readonly maxUtilization: number; readonly metric: QosMetric | null };
  readonly constraints: PoolConstraints;
  /** How the action engine carries out the pool's plans (mode recommend|approve|auto, stop mode, guardrails). */
  readonly actuation: PoolActuation;
  /**
   * Seconds from "start" to "serving" for this pool's nodes; the loop plans for the demand expected over this
   * horizon. Null: the slowest start-up of the kinds of machine the pool can use (GPU 7 min, CPU 90 s, owned 10 min).
   */
  readonly leadTimeSeconds: number | null;
  /**
   * Nodes without the `governator:pool` label join the pool when their labels include all of these (node-to-pool
   * mapping for fleets Governator did not start). Null: only labelled nodes.
   */
  readonly nodeSelector: Labels | null;
}

/** Whether a node's labels map it to the pool. */
export function selectorMatches(selector: Labels | null, labels: Labels): boolean {
  if (selector === null) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels[k] === v);
}
