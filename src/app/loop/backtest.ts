import { GovError } from '../../core/errors.js';
import { capacityOf } from '../../core/model/capacity.js';
import type { Offering } from '../../core/model/offering.js';
import type { Plan } from '../../core/model/plan.js';
import type { Pool } from '../../core/model/pool.js';
import type { FleetNode } from '../../core/model/scenario.js';
import { isAllowed } from '../../core/planner/context.js';
import type { PlanOptions } from '../../core/planner/options.js';
import type { CloudProvider, ProviderNode } from '../../ports/cloud-provider.js';
import type { Clock } from '../../ports/clock.js';
import { DEFAULT_POOL_ACTUATION } from '../actions/policy.js';
import { HeadroomForecaster, HindsightForecaster, type DemandForecaster, type DemandHistory } from './forecaster.js';
import { ControlLoop, type ExecutionOutcome, type FleetView, type PlanExecutor, type PlanFunction } from './loop.js';
import type { LoopPool } from './pool.js';

/** The policies one backtest compares (docs/backtest.md). */
export const POLICIES = ['governator', 'static-peak', 'reactive', 'consolidation', 'hindsight'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** A clock the backtest moves. */
export interface SteppableClock extends Clock {
  advance(ms: number): void;
}

/** The simulated cloud a policy runs on (src/adapters/cloud/sim): the provider port plus seeding. */
export interface SimulatedCloud extends CloudProvider {
  seed(nodes: ReadonlyArray<{ pool: string | null; offeringId: string; state?: 'running'; launchedAt?: Date }>): readonly ProviderNode[];
}

export interface BacktestInput {
  /** Offerings the pool may use (the scenario's, or the bundled catalog's). */
  readonly offerings: readonly Offering[];
  /** The pool the trace drives (its `demand` is ignored). */
  readonly pool: Pool;
  /** The demand trace: regular, values in the pool's unit. */
  readonly trace: { readonly startSeconds: number; readonly stepSeconds: number; readonly values: ArrayLike<number> };
  readonly planOptions?: Partial<PlanOptions>;
  /** Which policies to run (default all). */
  readonly policies?: readonly PolicyName[];
  /** Seconds from start to serving that the loop assumes (default: the slowest start-up of the pool's kind of machine). */
  readonly leadTimeSeconds?: number;
  /**
   * The longest start-up delay the simulated cloud can draw for an offering, seconds (bootstrap: the `sim`
   * provider's clamp). Hindsight plans that far ahead: it knows the demand but not each boot's draw, so only the
   * worst case makes it violation-free. Default: the lead time.
   */
  readonly startupBoundSeconds?: (offering: Offering) => number;
  /** A fresh clock at `trace.startSeconds` and a simulated cloud over `offerings` on it, per policy. */
  readonly environment: (offerings: readonly Offering[], start: Date) => { clock: SteppableClock; cloud: SimulatedCloud };
  readonly plan: PlanFunction;
  /** Governator's forecaster (default: the loop's HeadroomForecaster). */
  readonly forecaster?: () => DemandForecaster;
  /** Told after each step of each policy. */
  readonly onProgress?: (done: number, total: number, policy: PolicyName) => void;
  /** Most points per chart series in the result (default 1500). */
  readonly chartPoints?: number;
}

/** One policy's figures (the `--json` shape, plus chart series). */
export interface PolicyResult {
  /** USD over the whole trace: every node billed from launch until it is gone (pending and stopping included). */
  readonly cost: number;
  /** USD per 1,000 demand units served (demand rate × seconds, e.g. per 1,000 requests). */
  readonly costPer1000: number;
  /** Share of steps where demand exceeded the running nodes' capacity × max utilisation. */
  readonly sloViolationShare: number;
  /** Start and stop calls made. */
  readonly actions: number;
  /** Usable running capacity per chart point (aligned with BacktestResult.chart.t). */
  readonly capacity: number[];
  /** Cumulative cost per chart point. */
  readonly cumulativeCost: number[];
  /** Solver runs (governator, hindsight). */
  readonly solves: number;
  /** Wall time this policy took, ms. */
  readonly wallMs: number;
}

export interface BacktestResult {
  readonly pool: string;
  readonly unit: string;
  readonly steps: number;
  readonly stepSeconds: number;
  readonly leadTimeSeconds: number;
  /** The lead time hindsight plans for: the longest start-up the simulated cloud can draw (≥ leadTimeSeconds). */
  readonly hindsightLeadTimeSeconds: number;
  readonly candidates: number;
  readonly policies: Partial<Record<PolicyName, PolicyResult>>;
  readonly chart: { readonly t: number[]; readonly demand: number[] };
}

const ALIVE = new Set(['pending', 'running', 'stopping']);

/**
 * Replay a demand trace through each policy on its own simulated cloud in virtual time (docs/backtest.md).
 * Governator and hindsight run the real ControlLoop (same code as `serve`); they differ only in the forecaster:
 * hindsight knows the future. Nodes take the simulator's start-up delays to serve; cost is billed from launch.
 */
export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const values = Float64Array.from(input.trace.values as ArrayLike<number>);
  const n = values.length;
  if (n < 2) throw new GovError('GOV_VALIDATION', `the trace has ${n} points; a backtest needs at least 2`, { details: { field: 'trace' } });
  for (let i = 0; i < n; i += 1) {
    const v = values[i] as number;
    if (!Number.isFinite(v) || v < 0) throw new GovError('GOV_VALIDATION', `trace value ${i + 1} is ${v}: demand must be a finite number ≥ 0`, { details: { field: 'trace' } });
  }
  const pool = input.pool;
  const candidates = undominated(input.offerings.filter((o) => isAllowed(pool, o) && (capacityOf(pool.capacity, o) ?? 0) > 0), pool);
  if (candidates.length === 0) {
    throw new GovError('GOV_VALIDATION', `no offering can serve pool ${pool.name}: check its capacity model and constraints`, { details: { field: 'pools' } });
  }
  const step = input.trace.stepSeconds;
  const start = input.trace.startSeconds;
  const gpu = pool.capacity.byGpuModel !== undefined;
  const owned = candidates.some((o) => o.purchase === 'owned');
  const lead = input.leadTimeSeconds ?? (owned ? 600 : gpu ? 420 : 90);
  // Hindsight must cover the slowest boot the cloud may draw, not the typical lead time: the simulator's delays
  // have a tail past the lead time (GPU VMs up to 14 min against a 7-min lead), and a node that boots late leaves
  // a peak it was started for unserved even with perfect knowledge of the demand.
  const bound = input.startupBoundSeconds;
  const hindsightLead = bound === undefined ? lead : Math.max(lead, ...candidates.map((o) => bound(o)));
  const policies = input.policies ?? POLICIES;
  const chartPoints = input.chartPoints ?? 1500;
  const stride = Math.max(1, Math.ceil(n / chartPoints));
  const chartT: number[] = [];
  const chartDemand: number[] = [];
  for (let i = 0; i < n; i += stride) {
    chartT.push(start + i * step);
    let peak = 0;
    for (let k = i; k < Math.min(n, i + stride); k += 1) peak = Math.max(peak, values[k] as number);
    chartDemand.push(peak);
  }
  const trace: DemandHistory = { startSeconds: start, stepSeconds: step, values };
  const hindsight = new HindsightForecaster(trace);
  const initialDemandOver = (leadTimeSeconds: number): number =>
    hindsight.estimate({ pool: pool.name, history: trace, leadTimeSeconds, intervalSeconds: step, nowSeconds: start }).demand;
  let peakDemand = 0;
  for (let i = 0; i < n; i += 1) peakDemand = Math.max(peakDemand, values[i] as number);

  const demandAt = (i: number): number => values[Math.min(Math.max(i, 0), n - 1)] as number;
  const results: Partial<Record<PolicyName, PolicyResult>> = {};
  let solves = 0;
  const counted: PlanFunction = async (snapshot, options) => {
    solves += 1;
    return input.plan(snapshot, options);
  };
  const fleetFor = async (demand: number): Promise<Plan> =>
    input.plan({ offerings: candidates, pools: [{ ...pool, demand }], nodes: [], now: new Date(start * 1000).toISOString() }, input.planOptions ?? {});
  const initialPlan = await fleetFor(initialDemandOver(lead));
  // Hindsight's first nodes may boot as late as its own lead time: its initial fleet covers that longer window.
  const hindsightInitialPlan = hindsightLead === lead || !policies.includes('hindsight') ? initialPlan : await fleetFor(initialDemandOver(hindsightLead));
  const peakPlan = policies.includes('static-peak') ? await fleetFor(peakDemand) : null;

  for (const policy of policies) {
    const began = performance.now();
    solves = 0;
    const { clock, cloud } = input.environment(candidates, new Date(start * 1000));
    const seedPlan = policy === 'static-peak' ? (peakPlan as Plan) : policy === 'hindsight' ? hindsightInitialPlan : initialPlan;
    cloud.seed(seedPlan.targetFleet.flatMap((e) => Array.from({ length: e.count }, () => ({ pool: pool.name, offeringId: e.offering, state: 'running' as const }))));
    const byId = new Map(candidates.map((o) => [o.id, o]));
    const capOf = (id: string | null): number => {
      const o = id === null ? undefined : byId.get(id);
      return o === undefined ? 0 : (capacityOf(pool.capacity, o) ?? 0);
    };
    const executor = new SimExecutor(cloud, byId);
    let decide: (i: number) => Promise<void>;
    if (policy === 'governator' || policy === 'hindsight') {
      const forecaster = policy === 'hindsight' ? hindsight : (input.forecaster?.() ?? new HeadroomForecaster());
      const loopPool = asLoopPool(pool, policy === 'hindsight' ? hindsightLead : lead);
      let index = 0;
      const loop = new ControlLoop({
        pools: () => [loopPool],
        offerings: () => candidates,
        inventory: { refresh: async () => fleetView(await cloud.listNodes(), pool.name) },
        telemetry: {
          // What the loop has seen at step i: the trace up to the previous step (hindsight looks ahead itself). At
          // step 0 nothing has been measured yet: no data, no plan (the initial fleet covers the first lead time).
          demandHistory: async () => index === 0 ? null : { startSeconds: start, stepSeconds: step, values: values.subarray(0, index) },
        },
        forecaster,
        plan: counted,
        executor,
        clock,
        intervalMs: step * 1000,
        ...(input.planOptions ? { planOptions: input.planOptions } : {}),
        source: 'backtest',
      });
      decide = async (i) => {
        index = i;
        await loop.runOnce();
      };
    } else if (policy === 'reactive') {
      decide = reactivePolicy({ cloud, executor, pool, candidates, capOf, demandAt, step });
    } else if (policy === 'consolidation') {
      decide = consolidationPolicy({ cloud, executor, pool, candidates, capOf, demandAt, clock });
    } else {
      decide = async () => undefined;
    }

    let cost = 0;
    let units = 0;
    let violations = 0;
    const capacity: number[] = [];
    const cumulative: number[] = [];
    for (let i = 0; i < n; i += 1) {
      await decide(i);
      await executor.tick();
      const nodes = await cloud.listNodes();
      let price = 0;
      let usable = 0;
      for (const node of nodes) {
        if (!ALIVE.has(node.state)) continue;
        price += byId.get(node.offeringId ?? '')?.pricePerHour ?? 0;
        if (node.state === 'running') usable += capOf(node.offeringId) * pool.qos.maxUtilization;
      }
      const demand = values[i] as number;
      cost += price * step / 3600;
      units += demand * step;
      if (demand > usable * (1 + 1e-9) + 1e-9) violations += 1;
      if (i % stride === 0) {
        capacity.push(usable);
        cumulative.push(cost);
      }
      clock.advance(step * 1000);
      input.onProgress?.(i + 1, n, policy);
    }
    results[policy] = {
      cost: round(cost, 4),
      costPer1000: units > 0 ? round(cost / (units / 1000), 8) : 0,
      sloViolationShare: round(violations / n, 6),
      actions: executor.actions,
      capacity: capacity.map((v) => round(v, 4)),
      cumulativeCost: cumulative.map((v) => round(v, 4)),
      solves,
      wallMs: Math.round(performance.now() - began),
    };
  }
  return {
    pool: pool.name, unit: pool.unit, steps: n, stepSeconds: step, leadTimeSeconds: lead, hindsightLeadTimeSeconds: hindsightLead, candidates: candidates.length,
    policies: results, chart: { t: chartT, demand: chartDemand },
  };
}

function asLoopPool(pool: Pool, lead: number): LoopPool {
  return {
    name: pool.name, unit: pool.unit, demand: { metric: 'trace', labels: {}, aggregate: 'sum' }, capacity: pool.capacity,
    learnCapacity: false, utilization: null, qos: { maxUtilization: pool.qos.maxUtilization, metric: null },
    constraints: pool.constraints, actuation: { ...DEFAULT_POOL_ACTUATION, mode: 'auto', minNodes: pool.constraints.minNodes ?? 0 },
    leadTimeSeconds: lead, nodeSelector: null,
  };
}

function fleetView(nodes: readonly ProviderNode[], pool: string): FleetView {
  const fleet: FleetNode[] = [];
  for (const node of nodes) {
    if (node.pool !== pool || node.offeringId === null) continue;
    fleet.push({ id: node.id, pool, offering: node.offeringId, state: node.state, startedAt: node.launchedAt });
  }
  return { nodes: fleet, extraOfferings: [], errors: [] };
}

/**
 * Carries out plans on the simulated cloud the way the action engine does, without its journal: starts at
 * once, the plan's stops only once its new nodes are running (make-before-break). A start the cloud refuses
 * (quota, capacity) is dropped with the stops that waited on it.
 */
class SimExecutor implements PlanExecutor {
  actions = 0;
  readonly #cloud: SimulatedCloud;
  readonly #byId: ReadonlyMap<string, Offering>;
  readonly #waiting: Array<{ starts: string[]; stops: string[] }> = [];
  #token = 0;

  constructor(cloud: SimulatedCloud, byId: ReadonlyMap<string, Offering>) {
    this.#cloud = cloud;
    this.#byId = byId;
  }

  /** A stop or start is in flight (consolidation waits for it). */
  get busy(): boolean {
    return this.#waiting.length > 0;
  }

  async submit(input: { readonly plan: { readonly actions: Plan['actions'] } }): Promise<readonly ExecutionOutcome[]> {
    const starts: string[] = [];
    const stops: string[] = [];
    let failed = false;
    for (const action of input.plan.actions) {
      if (action.action === 'stop') {
        stops.push(action.nodeId);
        continue;
      }
      const offering = this.#byId.get(action.offering);
      if (offering === undefined) continue;
      for (let k = 0; k < action.count; k += 1) {
        this.#token += 1;
        try {
          const node = await this.#cloud.startNode({ pool: action.pool, offering, idempotencyToken: `bt-${this.#token}` });
          this.actions += 1;
          starts.push(node.id);
        } catch {
          failed = true;
        }
      }
    }
    if (failed && starts.length === 0) return [{ pool: input.plan.actions[0]?.pool ?? '', status: 'failed', detail: 'the cloud refused the starts' }];
    if (starts.length === 0) await this.#stop(stops);
    else if (stops.length > 0) this.#waiting.push({ starts, stops });
    return [{ pool: input.plan.actions[0]?.pool ?? '', status: 'running', detail: null }];
  }

  /** Issue the stops whose replacements are up. */
  async tick(): Promise<void> {
    if (this.#waiting.length === 0) return;
    const nodes = new Map((await this.#cloud.listNodes()).map((n) => [n.id, n.state]));
    for (let w = this.#waiting.length - 1; w >= 0; w -= 1) {
      const entry = this.#waiting[w] as { starts: string[]; stops: string[] };
      const states = entry.starts.map((id) => nodes.get(id));
      if (states.some((s) => s === 'pending')) continue;
      this.#waiting.splice(w, 1);
      // A replacement that died: keep the old nodes (roll back to them), as the engine does.
      if (states.every((s) => s === 'running')) await this.#stop(entry.stops);
    }
  }

  async #stop(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.#cloud.stopNode({ nodeId: id, mode: 'terminate' });
        this.actions += 1;
      } catch {
        // Gone already: nothing to stop.
      }
    }
  }
}

interface BaselineDeps {
  readonly cloud: SimulatedCloud;
  readonly executor: SimExecutor;
  readonly pool: Pool;
  readonly candidates: readonly Offering[];
  readonly capOf: (id: string | null) => number;
  /** Demand of step i (baselines read the step that just ended, i − 1). */
  readonly demandAt: (i: number) => number;
}

/** The cheapest offering per unit of capacity that can still be started (its `available`, if any, not used up). */
function cheapestPerUnit(deps: BaselineDeps, nodes: readonly ProviderNode[]): { offering: Offering; cap: number } | null {
  let best: { offering: Offering; cap: number; unit: number } | null = null;
  for (const o of deps.candidates) {
    const cap = capacityOf(deps.pool.capacity, o) ?? 0;
    if (cap <= 0) continue;
    if (o.available !== null && nodes.filter((n) => n.offeringId === o.id && ALIVE.has(n.state)).length >= o.available) continue;
    const unit = o.pricePerHour / cap;
    if (best === null || unit < best.unit) best = { offering: o, cap, unit };
  }
  return best;
}

/**
 * The threshold autoscaler of the original bursting spec: utilisation = demand / capacity of the running
 * nodes; above 90% for 5 minutes → start enough of the cheapest nodes per unit to bring it to 75%; below 60%
 * for 5 minutes → stop the least cost-efficient nodes while it stays under 75%; 10 minutes' cooldown after
 * any action. It sees the demand of the step that just ended (a metric), never a forecast.
 */
function reactivePolicy(deps: BaselineDeps & { readonly step: number }): (i: number) => Promise<void> {
  const sustainSteps = Math.max(1, Math.ceil(300 / deps.step));
  const cooldownMs = 600_000;
  let high = 0;
  let low = 0;
  let lastAction = Number.NEGATIVE_INFINITY;
  return async (i) => {
    const nodes = await deps.cloud.listNodes();
    const live = nodes.filter((n) => n.pool === deps.pool.name && (n.state === 'running' || n.state === 'pending'));
    const runningCap = live.filter((n) => n.state === 'running').reduce((s, n) => s + deps.capOf(n.offeringId), 0);
    const allCap = live.reduce((s, n) => s + deps.capOf(n.offeringId), 0);
    const demand = deps.demandAt(i - 1);
    const u = runningCap > 0 ? demand / runningCap : demand > 0 ? Number.POSITIVE_INFINITY : 0;
    high = u > 0.9 ? high + 1 : 0;
    low = u < 0.6 ? low + 1 : 0;
    const now = i * deps.step * 1000;
    if (now - lastAction < cooldownMs) return;
    if (high >= sustainSteps || (runningCap === 0 && demand > 0)) {
      const choice = cheapestPerUnit(deps, nodes);
      if (choice === null) return;
      const count = Math.max(1, Math.ceil((demand / 0.75 - allCap) / choice.cap));
      await deps.executor.submit({ plan: { actions: [{ action: 'start', pool: deps.pool.name, offering: choice.offering.id, count, costDeltaPerHour: choice.offering.pricePerHour * count }] } });
      lastAction = now;
      high = 0;
    } else if (low >= sustainSteps) {
      const running = live.filter((n) => n.state === 'running');
      const minNodes = deps.pool.constraints.minNodes ?? 0;
      const order = [...running].sort((a, b) => unitPrice(deps, b) - unitPrice(deps, a));
      let cap = runningCap;
      const stops: Plan['actions'][number][] = [];
      for (const node of order) {
        const c = deps.capOf(node.offeringId);
        if (running.length - stops.length - 1 < Math.max(1, minNodes) || (cap - c) <= 0 || demand / (cap - c) > 0.75) continue;
        cap -= c;
        stops.push({ action: 'stop', pool: deps.pool.name, nodeId: node.id, offering: node.offeringId ?? '', costDeltaPerHour: 0 });
      }
      if (stops.length > 0) {
        await deps.executor.submit({ plan: { actions: stops } });
        lastAction = now;
        low = 0;
      }
    }
  };
}

function unitPrice(deps: BaselineDeps, node: ProviderNode): number {
  const o = deps.candidates.find((c) => c.id === node.offeringId);
  const cap = deps.capOf(node.offeringId);
  return o === undefined || cap <= 0 ? Number.POSITIVE_INFINITY : o.pricePerHour / cap;
}

/**
 * Karpenter-style: provision for what is short NOW (no forecast) with the cheapest nodes per unit, and
 * consolidate — delete a node whose demand fits on the rest, or replace N nodes by ONE cheaper node when that
 * is strictly cheaper — one command at a time, make-before-break, nodes at least 5 minutes old.
 */
function consolidationPolicy(deps: BaselineDeps & { readonly clock: Clock }): (i: number) => Promise<void> {
  const stableMs = 300_000;
  const maxU = deps.pool.qos.maxUtilization;
  return async (i) => {
    const nodes = await deps.cloud.listNodes();
    const live = nodes.filter((n) => n.pool === deps.pool.name && (n.state === 'running' || n.state === 'pending'));
    const usableAll = live.reduce((s, n) => s + deps.capOf(n.offeringId), 0) * maxU;
    const demand = deps.demandAt(i - 1);
    if (demand > usableAll) {
      const choice = cheapestPerUnit(deps, nodes);
      if (choice === null) return;
      const count = Math.ceil((demand - usableAll) / (choice.cap * maxU));
      await deps.executor.submit({ plan: { actions: [{ action: 'start', pool: deps.pool.name, offering: choice.offering.id, count, costDeltaPerHour: 0 }] } });
      return;
    }
    if (deps.executor.busy || live.some((n) => n.state === 'pending')) return;
    const now = deps.clock.now().getTime();
    const minNodes = deps.pool.constraints.minNodes ?? 0;
    const stable = live.filter((n) => n.state === 'running' && n.launchedAt !== null && now - Date.parse(n.launchedAt) >= stableMs);
    const price = (n: ProviderNode): number => deps.candidates.find((c) => c.id === n.offeringId)?.pricePerHour ?? 0;
    // Deletion: the most expensive node whose removal still covers the demand.
    const byPrice = [...stable].sort((a, b) => price(b) - price(a));
    for (const node of byPrice) {
      if (live.length - 1 < Math.max(1, minNodes)) break;
      if (usableAll - deps.capOf(node.offeringId) * maxU >= demand) {
        await deps.executor.submit({ plan: { actions: [{ action: 'stop', pool: deps.pool.name, nodeId: node.id, offering: node.offeringId ?? '', costDeltaPerHour: 0 }] } });
        return;
      }
    }
    // Replacement N→1: the least efficient nodes first, replaced by one node of any offering, strictly cheaper.
    const order = [...stable].sort((a, b) => unitPrice(deps, b) - unitPrice(deps, a));
    let best: { offering: Offering; remove: ProviderNode[]; saving: number } | null = null;
    for (const o of deps.candidates) {
      const cap = capacityOf(deps.pool.capacity, o) ?? 0;
      if (cap <= 0) continue;
      const remove: ProviderNode[] = [];
      let removedCap = 0;
      let removedPrice = 0;
      for (const node of order) {
        const c = deps.capOf(node.offeringId);
        if (usableAll - (removedCap + c) * maxU + cap * maxU < demand) continue;
        remove.push(node);
        removedCap += c;
        removedPrice += price(node);
      }
      const saving = removedPrice - o.pricePerHour;
      if (remove.length > 0 && saving > 1e-9 && !(remove.length === 1 && remove[0]?.offeringId === o.id) && (best === null || saving > best.saving)) {
        best = { offering: o, remove, saving };
      }
    }
    if (best !== null) {
      await deps.executor.submit({
        plan: {
          actions: [
            { action: 'start', pool: deps.pool.name, offering: best.offering.id, count: 1, costDeltaPerHour: 0 },
            ...best.remove.map((n) => ({ action: 'stop' as const, pool: deps.pool.name, nodeId: n.id, offering: n.offeringId ?? '', costDeltaPerHour: 0 })),
          ],
        },
      });
    }
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Drop offerings another one beats outright for this pool (at least the capacity for at most the price, and
 * no tighter availability). The planner prunes the same way; doing it once here keeps the baselines' per-step
 * scans short over a catalog of thousands of CPU shapes.
 */
function undominated(offerings: readonly Offering[], pool: Pool): Offering[] {
  const scored = offerings.map((o) => ({ o, cap: capacityOf(pool.capacity, o) ?? 0 }))
    .sort((a, b) => b.cap - a.cap || a.o.pricePerHour - b.o.pricePerHour || a.o.id.localeCompare(b.o.id));
  const kept: typeof scored = [];
  for (const x of scored) {
    const beaten = kept.some((k) => k.cap >= x.cap && k.o.pricePerHour <= x.o.pricePerHour && k.o.available === null
      && (pool.constraints.minDistinctZones === undefined || k.o.zone === x.o.zone)
      && (pool.constraints.maxSpotFraction === undefined || (k.o.purchase === 'spot') === (x.o.purchase === 'spot')));
    if (!beaten) kept.push(x);
  }
  return kept.map((k) => k.o);
}
