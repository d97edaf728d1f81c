import type { Node, NodeState } from '../core/model/node.js';
import { PURCHASE_OPTIONS } from '../core/model/offering.js';
import type { Clock } from '../ports/clock.js';
import type { Scheduler, ScheduledTask } from '../ports/scheduler.js';
import type { Store } from '../ports/store.js';
import type { IngestSeries } from './telemetry/ingest.js';

/**
 * Records what the fleet costs, once a minute, as the series `governator_fleet_cost_dollars_per_hour` with labels
 * `provider`, `pool` and `purchase` (issue #9: the dashboard's cost history). It goes into the ordinary series
 * store, so rollups, retention and `GET /api/v1/series/query` apply as to any metric. The figure is the sum of
 * `pricePerHour` over nodes in service (pending, running, stopping), the same rule as GET /api/v1/overview.
 */
export const FLEET_COST_METRIC = 'governator_fleet_cost_dollars_per_hour';

const IN_SERVICE: ReadonlySet<NodeState> = new Set<NodeState>(['pending', 'running', 'stopping']);

/** A node's purchase option: its `governator:purchase` label, else the purchase segment of its offering id, else `unknown`. */
export function purchaseOfNode(node: Node): string {
  const label = node.labels['governator:purchase'];
  if (label) return label;
  return node.offeringId?.split(':').find((part) => (PURCHASE_OPTIONS as readonly string[]).includes(part)) ?? 'unknown';
}

/** Hourly cost per (provider, pool, purchase) of the nodes in service; pure. */
export function fleetCostSeries(nodes: Iterable<Node>, atMs: number): IngestSeries[] {
  const sums = new Map<string, { provider: string; pool: string; purchase: string; cost: number }>();
  for (const node of nodes) {
    if (!IN_SERVICE.has(node.state)) continue;
    const pool = node.pool ?? '';
    const purchase = purchaseOfNode(node);
    const key = JSON.stringify([node.provider, pool, purchase]);
    const entry = sums.get(key) ?? { provider: node.provider, pool, purchase, cost: 0 };
    entry.cost += node.pricePerHour ?? 0;
    sums.set(key, entry);
  }
  return [...sums.values()].map((s) => ({
    metric: FLEET_COST_METRIC,
    // An empty label value means "no such label" in the series model, so a node without a pool has no pool label.
    labels: [['provider', s.provider], ...(s.pool ? [['pool', s.pool] as const] : []), ['purchase', s.purchase]] as Array<readonly [string, string]>,
    ts: [atMs],
    values: [Math.round(s.cost * 1e6) / 1e6],
  }));
}

export interface FleetCostRecorderOptions {
  readonly store: Store;
  /** Where the samples go: the telemetry service's ingest (it validates, queues and writes them). */
  readonly ingest: (series: IngestSeries[]) => void;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Default 60 s. */
  readonly intervalMs?: number;
  /** A failed round (database down, ingest refusing): reported here, and the next round runs as planned. */
  readonly onError?: (error: unknown) => void;
}

export class FleetCostRecorder {
  readonly #options: FleetCostRecorderOptions;
  #task: ScheduledTask | null = null;
  #running = false;

  constructor(options: FleetCostRecorderOptions) {
    this.#options = options;
  }

  /** Read the whole fleet and record one sample per group; resolves to the number of series written. */
  async recordOnce(): Promise<number> {
    const nodes: Node[] = [];
    let after: string | undefined;
    do {
      const page = await this.#options.store.nodes.list({ limit: 1000, ...(after ? { after } : {}) });
      nodes.push(...page.nodes);
      after = page.nextCursor ?? undefined;
    } while (after);
    const series = fleetCostSeries(nodes, this.#options.clock.now().getTime());
    if (series.length > 0) this.#options.ingest(series);
    return series.length;
  }

  /** Record now, then every interval, until stop(). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      if (!this.#running) return;
      this.recordOnce().catch((error: unknown) => this.#options.onError?.(error)).finally(() => {
        if (this.#running) this.#task = this.#options.scheduler.schedule(this.#options.intervalMs ?? 60_000, tick);
      });
    };
    tick();
  }

  stop(): void {
    this.#running = false;
    this.#task?.cancel();
    this.#task = null;
  }
}
