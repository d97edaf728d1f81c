import type { Logger } from 'pino';
import { GovError } from '../core/errors.js';
import type { Offering } from '../core/model/offering.js';
import type { Pool } from '../core/model/pool.js';
import type { CapacityModel } from '../core/model/capacity.js';
import type { PoolConstraints } from '../core/model/pool.js';
import type { PurchaseOption } from '../core/model/offering.js';
import type { PlanOptions } from '../core/planner/options.js';
import { plan as planFleet } from '../core/planner/plan.js';
import { parseDuration } from '../config/duration.js';
import type { Config } from '../config/schema.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { ActionEngine } from '../app/actions/engine.js';
import type { PoolActuation } from '../app/actions/policy.js';
import type { ProviderResolver } from '../app/actions/providers.js';
import type { EventBus } from '../app/events.js';
import { HeadroomForecaster, type DemandForecaster } from '../app/loop/forecaster.js';
import { ControlLoop, type LoopInventory, type LoopTelemetry, type PlanExecutor, type PlanFunction } from '../app/loop/loop.js';
import { LoopMetrics } from '../app/loop/metrics.js';
import type { LoopPool } from '../app/loop/pool.js';
import { ProviderInventory } from '../app/loop/inventory.js';
import { SeriesLoopTelemetry } from '../app/loop/series-telemetry.js';
import { ActionEngineExecutor } from '../app/loop/engine-executor.js';
import { systemScheduler } from '../adapters/clock/scheduler.js';
import { createConfiguredForecastService } from './forecast.js';
import type { Runtime } from './runtime.js';
import { createSolver } from './planner.js';

/**
 * Composition of the control loop (issue #8, docs/loop.md) for `governator serve` and for end-to-end tests:
 * `[[pools]]` from config, the provider registry as inventory, the series store as telemetry, the forecaster,
 * the planner on HiGHS, the action engine as executor (per pool mode) and `deployment_decisions` as the record.
 */

/** What the loop needs besides the runtime (store, clock, telemetry) and the config. */
export interface ControlLoopWiring {
  /** Where nodes are listed and actions go: the provider registry (serve) or `staticProviders([...])`. */
  readonly providers: ProviderResolver;
  /** The action engine; the loop installs the pools' actuation policies on it (`setPools`). */
  readonly actions: ActionEngine;
  /** The live catalog's offerings. */
  readonly offerings: () => readonly Offering[];
  readonly events?: EventBus;
  readonly logger?: Logger;
  /** Timers (default: the system scheduler). */
  readonly scheduler?: Scheduler;
  /**
   * The forecaster. Default (`'ensemble'`): the ForecastService over the backtest-weighted ensemble of [forecast]
   * (WebAssembly, loaded on the first fit; fits and forecasts recorded for GET /api/v1/forecasts/{pool});
   * `'headroom'`: the loop's learned-growth forecaster at loop.forecast_quantile; or any DemandForecaster.
   */
  readonly forecaster?: DemandForecaster | 'ensemble' | 'headroom';
  /** The planner (default: core plan() on HiGHS). */
  readonly plan?: PlanFunction;
  /** Planner settings for every plan (the demo shortens the minimum node lifetime). */
  readonly planOptions?: Partial<PlanOptions>;
  /** Metrics to count into (default: new ones; attach them to the server's registry). */
  readonly metrics?: LoopMetrics;
  /** Replace the pools from config (tests). */
  readonly pools?: readonly LoopPool[];
  /** Replace the inventory, telemetry or executor (tests); the defaults are the real ones described above. */
  readonly inventory?: LoopInventory;
  readonly telemetry?: LoopTelemetry;
  readonly executor?: PlanExecutor;
}

/** A composed loop: start/stop it, and read what it last saw. */
export interface ControlLoopHandle {
  readonly loop: ControlLoop;
  readonly pools: readonly LoopPool[];
  readonly metrics: LoopMetrics;
  readonly intervalMs: number;
  /** Run iterations every loop.interval (the first one at once). No-op when there are no pools. */
  start(): void;
  /** Stop scheduling and wait for an iteration in progress. */
  stop(): Promise<void>;
  /**
   * The pools as the planner service sees them, with the demand the last iteration planned for (0 before the
   * first): feeds GET /api/v1/optimization/recommendations.
   */
  plannerPools(): Pool[];
}

/**
 * Build the control loop of one process from its runtime and config. Nothing runs until `start()`.
 * @throws GovError GOV_CONFIG_INVALID when a pool is configured inconsistently (no demand metric, a QoS metric
 *   without a target).
 */
export function createControlLoopFromRuntime(runtime: Runtime, config: Readonly<Config>, wiring: ControlLoopWiring): ControlLoopHandle {
  const pools = wiring.pools ?? loopPoolsFromConfig(config);
  const intervalMs = Math.max(1, parseDuration(config.loop.interval));
  const metrics = wiring.metrics ?? new LoopMetrics();
  const byName = new Map(pools.map((p) => [p.name, p]));
  wiring.actions.setPools((name) => byName.get(name)?.actuation);
  const solver = createSolver();
  const planFn: PlanFunction = wiring.plan ?? ((snapshot, options) => planFleet(snapshot, options, solver));
  const inventory = wiring.inventory ?? new ProviderInventory({
    providers: wiring.providers, nodes: runtime.store.nodes, clock: runtime.clock,
    offerings: (() => {
      let cache: { list: readonly Offering[]; byId: Map<string, Offering> } | null = null;
      return (id: string) => {
        const list = wiring.offerings();
        if (cache === null || cache.list !== list) cache = { list, byId: new Map(list.map((o) => [o.id, o])) };
        return cache.byId.get(id);
      };
    })(),
    ...(wiring.events ? { events: wiring.events } : {}),
  });
  const telemetry = wiring.telemetry ?? new SeriesLoopTelemetry({
    query: runtime.telemetry.query, stepMs: intervalMs,
    ...(wiring.logger ? { logger: wiring.logger } : {}),
  });
  const executor = wiring.executor ?? new ActionEngineExecutor({ engine: wiring.actions, journal: runtime.store.actions });
  const loop = new ControlLoop({
    pools: () => pools,
    offerings: wiring.offerings,
    inventory,
    telemetry,
    forecaster: forecasterFor(runtime, config, wiring, pools.length > 0),
    plan: planFn,
    executor,
    decisions: runtime.store.decisions,
    ...(wiring.events ? { events: wiring.events } : {}),
    clock: runtime.clock,
    scheduler: wiring.scheduler ?? systemScheduler,
    intervalMs,
    replanIntervalMs: parseDuration(config.loop.replan_interval),
    qosBoost: config.loop.qos_boost,
    // A recommendation or a plan waiting for approval is not re-planned every interval while nothing moved.
    waitingTolerance: WAITING_TOLERANCE,
    metrics,
    ...(wiring.planOptions ? { planOptions: wiring.planOptions } : {}),
    ...(wiring.logger ? { logger: wiring.logger } : {}),
  });
  return {
    loop, pools, metrics, intervalMs,
    start: () => { if (pools.length > 0) loop.start(); },
    stop: () => loop.stop(),
    plannerPools: () => {
      const last = new Map((loop.lastReport?.pools ?? []).map((p) => [p.pool, p]));
      return pools.map((p) => ({
        name: p.name, unit: p.unit, demand: last.get(p.name)?.planningDemand ?? 0, capacity: p.capacity,
        qos: { maxUtilization: p.qos.maxUtilization }, constraints: { ...p.constraints, ...(p.actuation.minNodes > 0 ? { minNodes: Math.max(p.actuation.minNodes, p.constraints.minNodes ?? 0) } : {}) },
      }));
    },
  };
}

/** The loop's forecaster: the wiring's choice, else `loop.forecaster` (ensemble by default). Exported for tests. */
export function forecasterFor(runtime: Runtime, config: Readonly<Config>, wiring: ControlLoopWiring, needed: boolean): DemandForecaster {
  const choice = wiring.forecaster ?? config.loop.forecaster;
  if (choice !== undefined && typeof choice !== 'string') return choice;
  if (choice === 'headroom' || !needed) return new HeadroomForecaster({ quantile: config.loop.forecast_quantile });
  // The ensemble of [forecast], recording fits, forecasts and anomalies for GET /api/v1/forecasts/{pool}; its
  // WebAssembly back-ends load on the first fit (a failure is a naive forecast with the reason, never a throw).
  return createConfiguredForecastService({
    config: config.forecast, store: runtime.store, clock: runtime.clock, ...(wiring.logger ? { logger: wiring.logger } : {}),
  });
}

/** Demand may move this share before a waiting (recommend/approve) plan is re-planned early. */
export const WAITING_TOLERANCE = 0.2;

/** The label every PromQL demand query's samples carry (src/adapters/telemetry/sources/prometheus.ts). */
const PROMQL_METRIC = 'promql_result';

/**
 * `[[pools]]` as the loop's pools.
 * @throws GovError GOV_CONFIG_INVALID for a pool with neither demand.metric nor demand.promql, or a QoS metric
 *   without a target.
 */
export function loopPoolsFromConfig(config: Readonly<Config>): LoopPool[] {
  return config.pools.map((p, i): LoopPool => {
    const key = `pools[${i}]`;
    const demand = p.demand.promql !== undefined
      ? { metric: PROMQL_METRIC, labels: { ...(p.demand.labels ?? {}), promql: p.demand.promql.slice(0, 2048) }, aggregate: p.demand.aggregate ?? 'sum' }
      : p.demand.metric !== undefined
        ? { metric: p.demand.metric, labels: p.demand.labels ?? {}, aggregate: p.demand.aggregate ?? 'sum' }
        : null;
    if (demand === null) throw configError(`${key}.demand`, `pool ${p.name} needs demand.metric or demand.promql`);
    if (p.qos.metric !== undefined && p.qos.target === undefined) throw configError(`${key}.qos.target`, `pool ${p.name}: qos.metric needs qos.target`);
    const capacity: CapacityModel = {
      ...(p.capacity.per_vcpu === undefined ? {} : { perVcpu: p.capacity.per_vcpu }),
      ...(p.capacity.by_gpu_model === undefined ? {} : { byGpuModel: p.capacity.by_gpu_model }),
      ...(p.capacity.by_instance_type === undefined ? {} : { byInstanceType: p.capacity.by_instance_type }),
      ...(p.capacity.by_offering === undefined ? {} : { byOffering: p.capacity.by_offering }),
    };
    if (Object.keys(capacity).length === 0 && !p.learn_capacity) {
      throw configError(`${key}.capacity`, `pool ${p.name} needs a capacity model (capacity.per_vcpu, by_gpu_model, by_instance_type, by_offering) or learn_capacity = true`);
    }
    const c = p.constraints;
    const constraints: PoolConstraints = {
      ...(c.providers === undefined ? {} : { providers: c.providers }),
      ...(c.regions === undefined ? {} : { regions: c.regions }),
      ...(c.purchase === undefined ? {} : { purchase: c.purchase as PurchaseOption[] }),
      ...(c.max_nodes === undefined ? {} : { maxNodes: c.max_nodes }),
      ...(c.min_distinct_zones === undefined ? {} : { minDistinctZones: c.min_distinct_zones }),
      ...(c.max_spot_fraction === undefined ? {} : { maxSpotFraction: c.max_spot_fraction }),
      ...(c.budget_per_hour === undefined ? {} : { budgetPerHour: c.budget_per_hour }),
      ...(p.min_nodes > 0 ? { minNodes: p.min_nodes } : {}),
    };
    const actuation: PoolActuation = {
      mode: p.mode,
      stopMode: p.stop_mode,
      minNodes: p.min_nodes,
      cooldownSeconds: parseDuration(p.cooldown) / 1000,
      disruptionBudgetPercent: p.disruption_budget_percent,
      ...(p.start_on === undefined ? {} : { providers: p.start_on }),
      readiness: {
        ...(p.health_url === undefined ? {} : { healthUrl: p.health_url }),
        ...(p.ready_timeout === undefined ? {} : { timeoutSeconds: parseDuration(p.ready_timeout) / 1000 }),
      },
    };
    return {
      name: p.name,
      unit: p.unit,
      demand,
      capacity,
      learnCapacity: p.learn_capacity,
      utilization: p.utilization_metric === undefined ? null : { metric: p.utilization_metric, percent: p.utilization_percent },
      qos: {
        maxUtilization: p.qos.max_utilization,
        metric: p.qos.metric === undefined ? null : { metric: p.qos.metric, labels: p.qos.labels ?? {}, target: p.qos.target as number, aggregate: p.qos.aggregate ?? 'max' },
      },
      constraints,
      actuation,
      leadTimeSeconds: p.lead_time === undefined ? null : parseDuration(p.lead_time) / 1000,
      nodeSelector: p.node_selector ?? null,
    };
  });
}

/**
 * The config with every pool's `demand.promql` added to telemetry.sources.prometheus.queries (once each), so
 * the Prometheus puller fetches what the loop reads. Call before building the runtime (its telemetry reads the
 * source list once). Returns the same object when there is nothing to add.
 */
export function withPoolQueries(config: Readonly<Config>): Readonly<Config> {
  const wanted = config.pools.flatMap((p) => (p.demand.promql === undefined ? [] : [p.demand.promql]));
  const have = new Set(config.telemetry.sources.prometheus.queries);
  const add = [...new Set(wanted)].filter((q) => !have.has(q));
  if (add.length === 0) return config;
  const next = structuredClone(config) as Config;
  next.telemetry.sources.prometheus.queries = [...config.telemetry.sources.prometheus.queries, ...add];
  return next;
}

function configError(key: string, message: string): GovError {
  return new GovError('GOV_CONFIG_INVALID', `${key}: ${message}`, { details: { errors: [{ key, source: 'config', message }] } });
}
