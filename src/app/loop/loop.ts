import { capacityOf, type CapacityModel } from '../../core/model/capacity.js';
import type { Offering } from '../../core/model/offering.js';
import type { Plan } from '../../core/model/plan.js';
import type { Pool } from '../../core/model/pool.js';
import type { FleetNode, PlanningSnapshot } from '../../core/model/scenario.js';
import type { PlanOptions } from '../../core/planner/options.js';
import { isAllowed } from '../../core/planner/context.js';
import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { DecisionInput } from '../../ports/store.js';
import type { EventBus } from '../events.js';
import { capacityContradiction, CapacityLearner } from './capacity.js';
import type { DemandForecaster, DemandHistory, PlanningDemandEstimate } from './forecaster.js';
import type { LoopMetrics } from './metrics.js';
import type { LoopPool } from './pool.js';

/** The fleet as the loop sees it after an inventory refresh. */
export interface FleetView {
  /** Nodes mapped to the governed pools, any state (the planner ignores stopped/terminated ones). */
  readonly nodes: readonly FleetNode[];
  /** Offerings for nodes the catalog does not describe (planned as offerings that cannot be started again). */
  readonly extraOfferings: readonly Offering[];
  /** Providers that could not be listed this time (their nodes are missing from `nodes`), in words. */
  readonly errors: readonly string[];
  /**
   * Alive nodes (pending, running, stopping) per offering id over every node listed, in any pool or none. An
   * offering's `available` counts nodes that can still be started, so the loop lowers it by these before planning
   * (owned hardware: four servers, three on, one more can start). Absent: offerings are planned as they are.
   */
  readonly consumed?: ReadonlyMap<string, number>;
}

/**
 * Where the fleet comes from. Contract: `refresh` lists every provider, writes what it saw to the nodes table
 * (serve) and returns the governed pools' nodes; a provider that fails is an entry in `errors`, never a
 * rejection (one bad provider does not stop the loop).
 */
export interface LoopInventory {
  refresh(pools: readonly LoopPool[]): Promise<FleetView>;
}

/**
 * What the loop reads from telemetry. Contract: null (or an empty map) when there is no data, never a throw
 * for missing data; `demandHistory` returns a regular series ending at or before `nowMs`.
 */
export interface LoopTelemetry {
  demandHistory(pool: LoopPool, nowMs: number): Promise<DemandHistory | null>;
  /** Utilisation in [0, 1] of the given nodes over the last interval (for learned capacity). */
  nodeUtilization?(pool: LoopPool, nodeIds: readonly string[], nowMs: number): Promise<ReadonlyMap<string, number>>;
  /** The pool's QoS metric (latency, queue) over the last interval. */
  qosValue?(pool: LoopPool, nowMs: number): Promise<number | null>;
}

/** What happened to a submitted plan, per pool. */
export interface ExecutionOutcome {
  readonly pool: string;
  /** recommended, pending-approval, approved, running, blocked … */
  readonly status: string;
  readonly detail: string | null;
}

/**
 * Carries out a recorded plan per each pool's mode (the action engine in `serve`; a direct simulator driver in
 * backtests). Contract: resolves once the plan is accepted (execution may continue in the background).
 */
export interface PlanExecutor {
  submit(input: { readonly plan: Plan; readonly decisionId: number | null }): Promise<readonly ExecutionOutcome[]>;
}

export type PlanFunction = (snapshot: PlanningSnapshot, options: Partial<PlanOptions>) => Promise<Plan>;

/** The part of a pino logger the loop uses. */
export interface LoopLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControlLoopOptions {
  readonly pools: () => readonly LoopPool[];
  /** The live catalog's offerings. */
  readonly offerings: () => readonly Offering[];
  readonly inventory: LoopInventory;
  readonly telemetry: LoopTelemetry;
  readonly forecaster: DemandForecaster;
  readonly plan: PlanFunction;
  readonly executor: PlanExecutor;
  /** Where decisions are recorded (store.decisions); without it they are not. */
  readonly decisions?: { record(decision: DecisionInput): Promise<{ readonly id: number }> };
  readonly events?: EventBus;
  readonly clock: Clock;
  /** Timers for `start()`; not needed when the caller drives `runOnce()` (backtests). */
  readonly scheduler?: Scheduler;
  readonly intervalMs: number;
  readonly planOptions?: Partial<PlanOptions>;
  /**
   * Re-plan a steady pool (one whose fleet fits its expected demand) at least this often, to catch cheaper
   * swaps and price changes (default 10 min). Between those, steady pools skip the solver.
   */
  readonly replanIntervalMs?: number;
  readonly metrics?: LoopMetrics;
  readonly logger?: LoopLogger;
  /** Capacity added when a pool's QoS metric breaches its target, as a share of its current capacity (default 0.25). */
  readonly qosBoost?: number;
  /** Source recorded with decisions (default `loop`). */
  readonly source?: string;
  /**
   * Pools in `recommend` or `approve` mode whose fleet has not changed since their last plan (nobody acted on it
   * yet) are not planned again while their expected demand stays below what that plan was for plus this share,
   * until `replanIntervalMs` (docs/loop.md, "Waiting plans"). Undefined (backtests): re-plan whenever short.
   */
  readonly waitingTolerance?: number;
}

/** What one iteration decided for one pool. */
export interface PoolIteration {
  readonly pool: string;
  /** planned: the solver ran; steady: the fleet fits, nothing to do; no-data: no demand telemetry. */
  readonly result: 'planned' | 'steady' | 'no-data';
  readonly observed: number | null;
  readonly planningDemand: number | null;
  readonly usableCapacity: number;
  readonly qosBreach: boolean;
  readonly explanation: readonly string[];
}

export interface IterationReport {
  readonly at: Date;
  readonly durationMs: number;
  readonly pools: readonly PoolIteration[];
  /** The plan over the pools that needed one (null when none did). */
  readonly plan: Plan | null;
  readonly decisionId: number | null;
  readonly executions: readonly ExecutionOutcome[];
  readonly inventoryErrors: readonly string[];
}

const LIVE = new Set(['running', 'pending']);
const DEFAULT_LEAD = { cpu: 90, gpu: 420, owned: 600 } as const;

/**
 * The control loop (issue #8, docs/loop.md): every interval, refresh inventory → read each pool's demand (and
 * node utilisation, QoS) → forecast the demand expected over the start-up lead time → plan → record the decision
 * with its explanation → hand the plan to the executor, which acts per the pool's mode.
 *
 * Steady pools skip the solver: when the running and pending nodes cover the expected demand and no node that
 * could be stopped is spare, the last decision stands (re-planned every `replanIntervalMs` regardless).
 * Iterations never overlap: a tick that comes while one runs is counted as missed and dropped.
 */
export class ControlLoop {
  readonly #o: ControlLoopOptions;
  readonly #replanMs: number;
  readonly #learner = new CapacityLearner();
  readonly #lastPlanned = new Map<string, number>();
  /** Per pool: the fleet (live node ids and states) and the demand its last plan was for. */
  readonly #lastPlan = new Map<string, { fleet: string; demand: number }>();
  #leadCache: { offerings: readonly Offering[]; byPool: Map<string, number> } | null = null;
  #offeringIndex: { offerings: readonly Offering[]; byId: Map<string, Offering> } | null = null;
  #running: Promise<IterationReport> | null = null;
  #task: ScheduledTask | null = null;
  #stopped = true;
  #lastReport: IterationReport | null = null;

  constructor(options: ControlLoopOptions) {
    this.#o = options;
    this.#replanMs = options.replanIntervalMs ?? 10 * 60_000;
  }

  /** The latest iteration's report (null before the first). */
  get lastReport(): IterationReport | null {
    return this.#lastReport;
  }

  /** Run iterations every interval until `stop()`; the first one right away. */
  start(): void {
    if (this.#o.scheduler === undefined) throw new Error('ControlLoop.start needs a scheduler');
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stop scheduling and wait for an iteration in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#task?.cancel();
    this.#task = null;
    if (this.#running) await this.#running.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    const scheduler = this.#o.scheduler as Scheduler;
    this.#task = scheduler.schedule(delayMs, () => {
      if (this.#stopped) return;
      const startedAt = this.#o.clock.now().getTime();
      void this.runOnce().catch(() => undefined).finally(() => {
        if (this.#stopped) return;
        const now = this.#o.clock.now().getTime();
        const elapsed = now - startedAt;
        const interval = this.#o.intervalMs;
        // Ticks that fell inside a long iteration are dropped, not queued: count them and realign on the grid.
        const missed = Math.floor(elapsed / interval);
        if (missed > 0) {
          this.#o.metrics?.missed.inc(missed);
          this.#o.metrics?.slow.inc();
          this.#o.logger?.warn({ elapsedMs: elapsed, intervalMs: interval, missedTicks: missed }, 'control-loop iteration took longer than the interval; skipped ticks');
        }
        this.#schedule(interval - (elapsed % interval));
      });
    });
  }

  /** One iteration. Concurrent calls share the iteration in progress (never two at once). */
  runOnce(): Promise<IterationReport> {
    if (this.#running) {
      this.#o.metrics?.missed.inc();
      return this.#running;
    }
    const run = this.#iterate().finally(() => { this.#running = null; });
    this.#running = run;
    return run;
  }

  async #iterate(): Promise<IterationReport> {
    const o = this.#o;
    const started = performance.now();
    const at = o.clock.now();
    const endTimer = o.metrics?.duration.startTimer();
    try {
      const report = await this.#decide(at);
      const durationMs = performance.now() - started;
      const full = { ...report, durationMs };
      this.#lastReport = full;
      o.metrics?.iterations.inc({ outcome: 'ok' });
      o.metrics?.lastSuccess.set(o.clock.now().getTime() / 1000);
      return full;
    } catch (error) {
      o.metrics?.iterations.inc({ outcome: 'error' });
      o.logger?.error({ err: error }, 'control-loop iteration failed; trying again at the next interval');
      throw error;
    } finally {
      endTimer?.();
    }
  }

  async #decide(at: Date): Promise<Omit<IterationReport, 'durationMs'>> {
    const o = this.#o;
    const pools = o.pools();
    const nowMs = at.getTime();
    const fleet = await o.inventory.refresh(pools);
    for (const error of fleet.errors) o.logger?.warn({ error }, 'inventory refresh: a provider could not be listed; its nodes are left as they were');
    const catalog = o.offerings();
    const byId = this.#index(catalog, fleet.extraOfferings);
    const planOptions = o.planOptions ?? {};
    const minLifetimeMs = (planOptions.minNodeLifetimeSeconds ?? 1800) * 1000;
    const nodesByPool = new Map<string, FleetNode[]>();
    for (const node of fleet.nodes) {
      const list = nodesByPool.get(node.pool) ?? [];
      list.push(node);
      nodesByPool.set(node.pool, list);
    }

    const iterations: PoolIteration[] = [];
    const toPlan: Pool[] = [];
    const notes = new Map<string, string[]>();
    for (const pool of pools) {
      const nodes = (nodesByPool.get(pool.name) ?? []).filter((n) => LIVE.has(n.state));
      const history = await o.telemetry.demandHistory(pool, nowMs);
      if (history === null || history.values.length === 0) {
        o.metrics?.plans.inc({ result: 'no-data' });
        iterations.push({ pool: pool.name, result: 'no-data', observed: null, planningDemand: null, usableCapacity: 0, qosBreach: false, explanation: [`no demand telemetry for ${pool.demand.metric}: nothing planned`] });
        continue;
      }
      const lines: string[] = [];
      const model = await this.#capacityModel(pool, nodes, byId, history, nowMs, lines);
      const lead = pool.leadTimeSeconds ?? this.#defaultLead(pool, catalog);
      const estimate: PlanningDemandEstimate = await o.forecaster.planningDemand({
        pool: pool.name, history, leadTimeSeconds: lead, intervalSeconds: o.intervalMs / 1000, nowSeconds: nowMs / 1000,
      });
      let demand = estimate.demand;
      lines.push(`${pool.name}: planned for ${fmt(demand)} ${pool.unit} (observed ${fmt(estimate.observed)}; ${estimate.model}: ${estimate.detail}; lead time ${lead} s)`);
      let usable = 0;
      let spare = Number.POSITIVE_INFINITY;
      let stoppable = 0;
      for (const node of nodes) {
        const offering = byId.get(node.offering);
        const cap = offering === undefined ? 0 : (capacityOf(model, offering) ?? 0) * pool.qos.maxUtilization;
        usable += cap;
        const old = node.state === 'running' && node.startedAt !== null && nowMs - Date.parse(node.startedAt) >= minLifetimeMs;
        if (old) {
          stoppable += 1;
          spare = Math.min(spare, cap);
        }
      }
      let qosBreach = false;
      if (pool.qos.metric !== null && o.telemetry.qosValue) {
        const value = await o.telemetry.qosValue(pool, nowMs);
        if (value !== null && value > pool.qos.metric.target) {
          qosBreach = true;
          o.metrics?.qosBreaches.inc({ pool: pool.name });
          // The model says the fleet is enough, the users say otherwise: add capacity regardless.
          const boosted = Math.max(demand, usable * (1 + (o.qosBoost ?? 0.25)));
          lines.push(`${pool.name}: ${pool.qos.metric.metric} is ${fmt(value)}, above its target ${fmt(pool.qos.metric.target)}: planning for ${fmt(boosted)} ${pool.unit} to add capacity`);
          demand = boosted;
        }
      }
      o.metrics?.observedDemand.set({ pool: pool.name }, estimate.observed);
      o.metrics?.planningDemand.set({ pool: pool.name }, demand);
      o.metrics?.usableCapacity.set({ pool: pool.name }, usable);
      const minNodes = Math.max(pool.constraints.minNodes ?? 0, pool.actuation.minNodes);
      const short = usable + 1e-9 < demand || nodes.length < minNodes;
      const canShrink = stoppable > minNodes && stoppable > 0 && usable - spare >= demand;
      const last = this.#lastPlanned.get(pool.name);
      const due = last === undefined || nowMs - last >= this.#replanMs || nowMs < last;
      if (!short && !canShrink && !due) {
        o.metrics?.plans.inc({ result: 'steady' });
        iterations.push({ pool: pool.name, result: 'steady', observed: estimate.observed, planningDemand: demand, usableCapacity: usable, qosBreach, explanation: [...lines, `${pool.name}: the fleet covers the expected demand and no node is spare: no change`] });
        continue;
      }
      const fleetKey = nodes.map((n) => `${n.id}=${n.state}`).sort().join(',');
      const previous = this.#lastPlan.get(pool.name);
      if (o.waitingTolerance !== undefined && pool.actuation.mode !== 'auto' && !due && previous !== undefined && previous.fleet === fleetKey
        && demand <= previous.demand * (1 + o.waitingTolerance)) {
        // A recommendation or a plan waiting for approval stands while nothing moved: no new decision every tick.
        // Only more demand than it was made for (beyond the tolerance) makes it stale early: with less, it still serves.
        o.metrics?.plans.inc({ result: 'steady' });
        iterations.push({ pool: pool.name, result: 'steady', observed: estimate.observed, planningDemand: demand, usableCapacity: usable, qosBreach, explanation: [...lines, `${pool.name}: the fleet is unchanged since the last plan (for ${fmt(previous.demand)} ${pool.unit}, mode ${pool.actuation.mode}) and demand has not risen more than ${Math.round(o.waitingTolerance * 100)}% above it: that plan stands`] });
        continue;
      }
      o.metrics?.plans.inc({ result: 'planned' });
      this.#lastPlanned.set(pool.name, nowMs);
      this.#lastPlan.set(pool.name, { fleet: fleetKey, demand });
      notes.set(pool.name, lines);
      iterations.push({ pool: pool.name, result: 'planned', observed: estimate.observed, planningDemand: demand, usableCapacity: usable, qosBreach, explanation: lines });
      toPlan.push({
        name: pool.name, unit: pool.unit, demand, capacity: model, qos: { maxUtilization: pool.qos.maxUtilization },
        constraints: { ...pool.constraints, ...(minNodes > 0 ? { minNodes } : {}) },
      });
    }

    if (toPlan.length === 0) {
      return { at, pools: iterations, plan: null, decisionId: null, executions: [], inventoryErrors: fleet.errors };
    }
    const planned = new Set(toPlan.map((p) => p.name));
    const offerings = withConsumed(catalog, fleet.consumed);
    const snapshot: PlanningSnapshot = {
      offerings: fleet.extraOfferings.length === 0 ? offerings : [...offerings, ...fleet.extraOfferings],
      pools: toPlan,
      nodes: fleet.nodes.filter((n) => planned.has(n.pool)),
      now: at.toISOString(),
    };
    const raw = await o.plan(snapshot, planOptions);
    const loopLines = toPlan.flatMap((p) => notes.get(p.name) ?? []);
    const result: Plan = { ...raw, explanation: [...loopLines, ...raw.explanation] };
    const workload = toPlan.map((p) => p.name).join(',');
    let decisionId: number | null = null;
    if (o.decisions) {
      const record = await o.decisions.record({ at, source: o.source ?? 'loop', workload: workload.length <= 1000 ? workload : `${workload.slice(0, 999)}…`, plan: result });
      decisionId = record.id;
    }
    const executions = result.actions.length > 0 ? await o.executor.submit({ plan: result, decisionId }) : [];
    if (o.events && decisionId !== null) {
      const byPool = new Map(executions.map((e) => [e.pool, e.status]));
      for (const pool of toPlan) {
        const mine = result.actions.filter((a) => a.pool === pool.name);
        const mode = pools.find((p) => p.name === pool.name)?.actuation.mode ?? 'recommend';
        o.events.publish('decision', at, {
          id: decisionId, pool: pool.name, source: o.source ?? 'loop', mode,
          summary: mine.length === 0 ? 'no change' : mine.map((a) => a.action === 'start' ? `start ${a.count} × ${a.offering}` : `stop ${a.nodeId}`).join(', ') + (byPool.has(pool.name) ? ` (${byPool.get(pool.name)})` : ''),
          savingsPerHour: mine.reduce((s, a) => s - a.costDeltaPerHour, 0),
        });
      }
    }
    return { at, pools: iterations, plan: result, decisionId, executions, inventoryErrors: fleet.errors };
  }

  /** Declared capacity, overridden per offering by what telemetry shows once there is enough of it. */
  async #capacityModel(pool: LoopPool, nodes: readonly FleetNode[], byId: ReadonlyMap<string, Offering>, history: DemandHistory, nowMs: number, lines: string[]): Promise<CapacityModel> {
    if (!pool.learnCapacity || pool.utilization === null || !this.#o.telemetry.nodeUtilization) return pool.capacity;
    const running = nodes.filter((n) => n.state === 'running');
    if (running.length > 0) {
      const util = await this.#o.telemetry.nodeUtilization(pool, running.map((n) => n.id), nowMs);
      const observed = history.values[history.values.length - 1] as number;
      const sample = running.flatMap((n) => {
        const u = util.get(n.id);
        return u === undefined ? [] : [{ offering: n.offering, utilization: u }];
      });
      // Only when every running node reported: a partial view would attribute all demand to too few nodes.
      if (sample.length === running.length) this.#learner.observe(pool.name, { demand: observed, nodes: sample });
    }
    const learned = this.#learner.estimate(pool.name);
    if (learned === null) return pool.capacity;
    const byOffering: Record<string, number> = { ...pool.capacity.byOffering };
    for (const [id, value] of Object.entries(learned.byOffering)) {
      const offering = byId.get(id);
      const declared = offering === undefined ? null : capacityOf(pool.capacity, offering);
      if (declared !== null) {
        const finding = capacityContradiction(id, declared, value);
        if (finding !== null) lines.push(`${pool.name}: ${finding}`);
      } else {
        lines.push(`${pool.name}: learned capacity of ${id}: ${fmt(value)} ${pool.unit} per node (${learned.samples[id]} observations)`);
      }
      byOffering[id] = value;
    }
    return { ...pool.capacity, byOffering };
  }

  /** The slowest start-up among the kinds of machine the pool may use (docs/loop.md, "Lead time"). */
  #defaultLead(pool: LoopPool, catalog: readonly Offering[]): number {
    if (this.#leadCache === null || this.#leadCache.offerings !== catalog) this.#leadCache = { offerings: catalog, byPool: new Map() };
    const cached = this.#leadCache.byPool.get(pool.name);
    if (cached !== undefined) return cached;
    const asPool: Pool = { name: pool.name, unit: pool.unit, demand: 0, capacity: pool.capacity, qos: { maxUtilization: pool.qos.maxUtilization }, constraints: pool.constraints };
    // By the capacity model's form (GPU pools are sized per GPU model), and owned hardware when the pool may use it:
    // scanning the whole catalog for the slowest kind would make every CPU pool wait for GPU boxes it never buys.
    let lead: number = pool.capacity.byGpuModel !== undefined ? DEFAULT_LEAD.gpu : DEFAULT_LEAD.cpu;
    for (const offering of catalog) {
      if (offering.purchase !== 'owned' || !isAllowed(asPool, offering) || capacityOf(pool.capacity, offering) === null) continue;
      lead = Math.max(lead, DEFAULT_LEAD.owned);
      break;
    }
    this.#leadCache.byPool.set(pool.name, lead);
    return lead;
  }

  #index(catalog: readonly Offering[], extra: readonly Offering[]): ReadonlyMap<string, Offering> {
    if (this.#offeringIndex === null || this.#offeringIndex.offerings !== catalog) {
      this.#offeringIndex = { offerings: catalog, byId: new Map(catalog.map((x) => [x.id, x])) };
    }
    if (extra.length === 0) return this.#offeringIndex.byId;
    const merged = new Map(this.#offeringIndex.byId);
    for (const x of extra) merged.set(x.id, x);
    return merged;
  }
}

/** The catalog with each limited offering's `available` lowered by its alive nodes (the same array when none is). */
function withConsumed(catalog: readonly Offering[], consumed: ReadonlyMap<string, number> | undefined): readonly Offering[] {
  if (consumed === undefined || consumed.size === 0) return catalog;
  let changed = false;
  const out = catalog.map((o) => {
    const used = o.available === null ? undefined : consumed.get(o.id);
    if (used === undefined || used <= 0 || o.available === null) return o;
    changed = true;
    return { ...o, available: Math.max(0, o.available - used) };
  });
  return changed ? out : catalog;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
