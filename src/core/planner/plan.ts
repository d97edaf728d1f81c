import { GovError } from '../errors.js';
import type {
  Alternative, Plan, PlanDecision, PoolDecision, PoolOutcome, SolverReport, SolverStatus,
} from '../model/plan.js';
import type { PlanningSnapshot } from '../model/scenario.js';
import { buildActions } from './actions.js';
import { buildContext, type PlannerContext, type PoolContext } from './context.js';
import {
  bindingConstraints, choiceCost, choiceFromValues, currentChoice, money, poolStats, round6, sameChoice, targetFleet,
  unmetConstraints, unmetForPool, type FleetChoice,
} from './fleet.js';
import { formulate, slackKey, type Formulation } from './formulate.js';
import { violations, type MilpModel, type MilpResult, type Solver } from './milp.js';
import { resolvePlanOptions, type PlanOptions } from './options.js';

/**
 * plan(): the cost-optimal start/stop plan for a snapshot under each pool's QoS and constraints (issue #4,
 * docs/planner.md). Pure: the only outside call is the injected solver.
 *
 * 1. Solve the MILP (formulate.ts) for the cheapest fleet, minimum-lifetime nodes kept.
 * 2. Hysteresis: also take the "keep what runs" fleet (every running node kept, only the starts it needs),
 *    and choose the optimum only when it saves at least max(minSavingsPerHour, minSavingsPercent × that
 *    fleet's cost).
 * 3. When no fleet meets every constraint: minimise the unmet part (normalised slacks), keep every running
 *    node of the pools that stay short, then minimise cost at that shortfall; `feasible` is false.
 * 4. Diff the chosen fleet against the running one into ordered actions, and explain.
 */
export async function plan(snapshot: PlanningSnapshot, overrides: Partial<PlanOptions>, solver: Solver): Promise<Plan> {
  const options = resolvePlanOptions(overrides);
  const ctx = buildContext(snapshot, options);
  const runner = new SolveRunner(solver, options, ctx.components.length);
  const current = currentChoice(ctx);
  const chosen = copyChoice(current);
  const optimum = copyChoice(current);
  const keepFleet = copyChoice(current);
  let allOptima = true;
  let allKept = true;
  const decisions: ComponentDecision[] = [];

  for (const pools of ctx.components) {
    const outcome = await planComponent(ctx, options, runner, pools, current);
    overwrite(chosen, outcome.chosen, ctx, pools);
    if (outcome.optimum) overwrite(optimum, outcome.optimum, ctx, pools);
    else {
      allOptima = false;
      overwrite(optimum, outcome.chosen, ctx, pools);
    }
    if (outcome.keepFleet) overwrite(keepFleet, outcome.keepFleet, ctx, pools);
    else allKept = false;
    decisions.push(outcome.decision);
    runner.componentDone();
  }

  return describe({
    ctx, options, snapshot, decisions, chosen, current, optimum: allOptima ? optimum : null, keepFleet: allKept ? keepFleet : null, runner,
  });
}

interface ComponentDecision extends PoolDecision {
  /** The solve whose quality the plan reports (the cost optimum's, or the shortfall's last phase). */
  readonly result: MilpResult | null;
}

interface ComponentOutcome {
  readonly chosen: FleetChoice;
  readonly optimum: FleetChoice | null;
  readonly keepFleet: FleetChoice | null;
  readonly decision: ComponentDecision;
}

const copyChoice = (c: FleetChoice): { keep: number[]; add: number[] } => ({ keep: [...c.keep], add: [...c.add] });

/** Copy the counts of `pools`' groups and candidates from `from` into `into`. */
function overwrite(into: { keep: number[]; add: number[] }, from: FleetChoice, ctx: PlannerContext, pools: readonly number[]): void {
  for (const p of pools) {
    const pc = ctx.pools[p]!;
    for (const g of pc.groups) into.keep[g.index] = from.keep[g.index] ?? into.keep[g.index]!;
    for (const c of pc.candidates) into.add[c.index] = from.add[c.index] ?? into.add[c.index]!;
  }
}

function costOf(ctx: PlannerContext, choice: FleetChoice, pools: readonly number[]): number {
  return pools.reduce((sum, p) => sum + poolStats(ctx, choice, ctx.pools[p]!).cost, 0);
}

/** Steps 1–3 for one group of pools solved together. */
async function planComponent(ctx: PlannerContext, options: PlanOptions, runner: SolveRunner, pools: readonly number[], current: FleetChoice): Promise<ComponentOutcome> {
  const names = pools.map((p) => ctx.pools[p]!.pool.name);
  const free = formulate(ctx, options, { pools });
  const optimumResult = await runner.solve(free.model, true);
  const currentCost = costOf(ctx, current, pools);

  if (optimumResult.values !== null) {
    const optimum = merge(current, free, optimumResult.values);
    const optimumCost = costOf(ctx, optimum, pools);
    const thresholdFor = (keepCost: number) => Math.max(options.minSavingsPerHour, (options.minSavingsPercent / 100) * keepCost);
    let keepFleet: FleetChoice | null = null;
    let keepCost: number | null = null;
    let lowerBound = false;
    const keep = formulate(ctx, options, { pools, keepAll: true });
    const keepsAll = pools.every((p) => ctx.pools[p]!.groups.every((g) => !g.allowed || optimum.keep[g.index] === g.nodes.length));
    // Every running node the pools allow stays in the keep fleet, so its cost is at least theirs.
    const keptNodesCost = pools.reduce((sum, p) => sum + ctx.pools[p]!.groups.reduce((s, g) => s + (g.allowed ? g.nodes.length * g.offering.pricePerHour : 0), 0), 0);
    if (keepsAll) {
      keepFleet = optimum; // the optimum already keeps every running node: it is also the best fleet that does
    } else if (keep.model.start !== undefined && violations(keep.model, keep.model.start).length === 0) {
      keepFleet = merge(current, keep, keep.model.start); // adding nodes to a fleet that already fits only costs more
    } else if (keptNodesCost - optimumCost >= thresholdFor(keptNodesCost) - 1e-9) {
      // The optimum beats even that lower bound by the threshold, and keepCost − optimum − threshold(keepCost)
      // only grows with keepCost: replacing pays, whatever the keep fleet would cost. No need to solve for it.
      keepCost = keptNodesCost;
      lowerBound = true;
    } else {
      const kept = await runner.solve(keep.model);
      if (kept.values !== null) keepFleet = merge(current, keep, kept.values);
    }
    if (keepFleet) keepCost = costOf(ctx, keepFleet, pools);
    const threshold = thresholdFor(keepCost ?? currentCost);
    const keepIt = keepFleet !== null && keepCost !== null && (sameChoice(keepFleet, optimum) || keepCost - optimumCost < threshold - 1e-9);
    return {
      chosen: keepIt ? keepFleet! : optimum,
      optimum,
      keepFleet,
      decision: {
        pools: names, decision: keepIt ? 'keep-current' : 'optimize', keepCostPerHour: keepCost === null ? null : round6(keepCost),
        keepCostIsLowerBound: lowerBound, optimumCostPerHour: round6(optimumCost), savingsThresholdPerHour: round6(threshold), result: optimumResult,
      },
    };
  }
  const threshold = Math.max(options.minSavingsPerHour, (options.minSavingsPercent / 100) * currentCost);
  const none = (decision: PlanDecision, chosen: FleetChoice, result: MilpResult | null): ComponentOutcome => ({
    chosen, optimum: null, keepFleet: null,
    decision: { pools: names, decision, keepCostPerHour: null, keepCostIsLowerBound: false, optimumCostPerHour: null, savingsThresholdPerHour: round6(threshold), result },
  });
  if (optimumResult.status === 'infeasible') {
    const shortfall = await planShortfall(ctx, options, runner, pools, current);
    return shortfall ? none('shortfall', shortfall.choice, shortfall.result) : none('no-solution', current, null);
  }
  return none('no-solution', current, null);
}

/** The current fleet with the counts a formulation's solution gives its groups and candidates. */
function merge(base: FleetChoice, form: Formulation, values: readonly number[]): FleetChoice {
  const out = copyChoice(base);
  const partial = choiceFromValues(form, values);
  partial.keep.forEach((k, i) => {
    if (k !== undefined) out.keep[i] = k;
  });
  partial.add.forEach((x, i) => {
    if (x !== undefined) out.add[i] = x;
  });
  return out;
}

/**
 * Runs solves against one time budget for the whole plan (each group of pools may use up to twice its even
 * share of what is left), and keeps the tallies for the report.
 */
class SolveRunner {
  remainingMs: number;
  timeMs = 0;
  solves = 0;
  variables = 0;
  constraints = 0;
  #componentsLeft: number;

  constructor(private readonly solver: Solver, private readonly options: PlanOptions, components: number) {
    this.remainingMs = options.timeLimitMs;
    this.#componentsLeft = Math.max(1, components);
  }

  get name(): string {
    return this.solver.name;
  }

  componentDone(): void {
    this.#componentsLeft = Math.max(1, this.#componentsLeft - 1);
  }

  async solve(model: MilpModel, main = false): Promise<MilpResult> {
    if (main) {
      this.variables += model.variables.length;
      this.constraints += model.constraints.length;
    }
    const share = Math.min(this.remainingMs, (2 * this.remainingMs) / this.#componentsLeft);
    const result = await this.solver.solve(model, { timeLimitMs: Math.max(1, share), relativeGap: this.options.relativeGap });
    this.solves += 1;
    this.timeMs += result.timeMs;
    this.remainingMs -= result.timeMs;
    if (result.status === 'error') throw new GovError('GOV_INTERNAL', `solver ${this.solver.name} failed: ${result.message ?? 'no reason given'}`);
    return result;
  }
}

const SLACK_EPSILON = 1e-7;

/**
 * The least-bad fleet when demand cannot be met: phase 1 minimises the summed normalised slacks; the pools
 * left with slack are "short" and keep every running node; phase 1 again with them fixed; phase 2 fixes each
 * slack at its phase-1 value and minimises cost. Null when the solver found nothing in time.
 */
async function planShortfall(ctx: PlannerContext, options: PlanOptions, runner: SolveRunner, pools: readonly number[], current: FleetChoice): Promise<{ choice: FleetChoice; result: MilpResult | null } | null> {
  const slackValues = (form: Formulation, values: readonly number[]): Map<string, number> => {
    const out = new Map<string, number>();
    form.variables.forEach((role, j) => {
      if (role.kind === 'slack') out.set(slackKey(role.pool, role.row), Math.max(0, values[j] ?? 0));
    });
    return out;
  };
  const first = formulate(ctx, options, { pools, slack: { objective: 'slack' } });
  const r1 = await runner.solve(first.model);
  if (r1.values === null) return null;
  const short = new Set<number>();
  for (const [key, value] of slackValues(first, r1.values)) if (value > SLACK_EPSILON) short.add(Number(key.split(':')[0]));
  let fixedForm = first;
  let fixed = r1;
  if (short.size > 0) {
    fixedForm = formulate(ctx, options, { pools, slack: { objective: 'slack' }, fixedPools: short });
    fixed = await runner.solve(fixedForm.model);
    if (fixed.values === null) return null;
  }
  const upper = new Map([...slackValues(fixedForm, fixed.values!)].map(([k, v]) => [k, v * (1 + 1e-9) + SLACK_EPSILON]));
  const cheapest = formulate(ctx, options, { pools, slack: { objective: 'cost', upper }, fixedPools: short });
  const r2 = await runner.solve(cheapest.model);
  if (r2.values !== null) return { choice: merge(current, cheapest, r2.values), result: r2 };
  return { choice: merge(current, fixedForm, fixed.values!), result: null };
}

interface DescribeInput {
  readonly ctx: PlannerContext;
  readonly options: PlanOptions;
  readonly snapshot: PlanningSnapshot;
  readonly decisions: readonly ComponentDecision[];
  readonly chosen: FleetChoice;
  readonly current: FleetChoice;
  /** Every group's cost optimum, when every group has one. */
  readonly optimum: FleetChoice | null;
  /** Every group's keep-what-runs fleet, when every group has one. */
  readonly keepFleet: FleetChoice | null;
  readonly runner: SolveRunner;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000 + 0;
const utilisation = (demand: number, capacity: number): number | null => (capacity > 0 ? round3(demand / capacity) : null);
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function startCost(ctx: PlannerContext, choice: FleetChoice, options: PlanOptions): number {
  return ctx.candidates.reduce((sum, c) => sum + (choice.add[c.index] ?? 0) * c.offering.pricePerHour * options.startCostHours, 0);
}

const STATUS_RANK: Record<SolverStatus, number> = { optimal: 0, 'time-limit-feasible': 1, infeasible: 2, 'time-limit-no-solution': 3, error: 4 };

function overallDecision(decisions: readonly ComponentDecision[]): PlanDecision {
  for (const d of ['shortfall', 'no-solution', 'optimize'] as const) if (decisions.some((x) => x.decision === d)) return d;
  return 'keep-current';
}

function solverReport(input: DescribeInput): SolverReport {
  const { ctx, runner, decisions } = input;
  let status: SolverStatus = 'optimal';
  let objective = 0;
  let bound = 0;
  let gapKnown = decisions.length > 0;
  for (const d of decisions) {
    const s: SolverStatus = d.result === null ? 'time-limit-no-solution' : d.result.status;
    if (STATUS_RANK[s] > STATUS_RANK[status]) status = s;
    if (d.result === null || d.result.objective === null || d.result.bestBound === null) gapKnown = false;
    else {
      objective += d.result.objective;
      bound += d.result.bestBound;
    }
  }
  const gap = gapKnown ? Math.max(0, objective - bound) / Math.max(Math.abs(objective), 1e-9) : null;
  return {
    name: runner.name,
    status,
    gap: gap === null ? null : round6(gap),
    timeMs: round6(runner.timeMs),
    solves: runner.solves,
    components: ctx.components.length,
    candidateOfferings: ctx.usablePairs,
    prunedOfferings: ctx.pools.reduce((sum, pc) => sum + pc.pruned, 0),
    variables: runner.variables,
    constraints: runner.constraints,
  };
}

function describe(input: DescribeInput): Plan {
  const { ctx, chosen, current, decisions } = input;
  const costBefore = round6(choiceCost(ctx, current));
  const costAfter = round6(choiceCost(ctx, chosen));
  const actions = buildActions(ctx, chosen);
  const unmet = unmetConstraints(ctx, chosen);

  const pools: PoolOutcome[] = ctx.pools.map((pc) => {
    const before = poolStats(ctx, current, pc);
    const after = poolStats(ctx, chosen, pc);
    const p = pc.pool;
    return {
      name: p.name,
      unit: p.unit,
      demand: p.demand,
      requiredCapacity: round6(pc.required),
      capacityBefore: round6(before.capacity),
      capacityAfter: round6(after.capacity),
      utilizationBefore: utilisation(p.demand, before.capacity),
      utilizationAfter: utilisation(p.demand, after.capacity),
      nodesBefore: before.nodes,
      nodesAfter: after.nodes,
      costPerHourBefore: round6(before.cost),
      costPerHourAfter: round6(after.cost),
      shortfall: round6(Math.max(0, p.demand - p.qos.maxUtilization * after.capacity)),
    };
  });

  const solver = solverReport(input);
  const binding = bindingConstraints(ctx, chosen);
  const alternatives = considerAlternatives(input, costAfter);
  const protectedNodes = ctx.groups.filter((g) => g.protected && g.allowed).flatMap((g) => g.nodes.map((n) => n.id));
  const explanation = explain({ input, costBefore, costAfter, actions: actions.length, pools, unmet, binding, alternatives, solver });

  return {
    feasible: unmet.length === 0,
    costPerHourBefore: costBefore,
    costPerHourAfter: costAfter,
    savingsPerHour: round6(costBefore - costAfter),
    actions,
    pools,
    targetFleet: targetFleet(ctx, chosen),
    explanation,
    diagnostics: {
      decision: overallDecision(decisions),
      decisions: decisions.map(({ result: _r, ...d }) => d),
      bindingConstraints: binding,
      unmetConstraints: unmet,
      alternatives,
      solver,
      protectedNodes,
      ignoredNodes: ctx.ignored.map((n) => n.id),
    },
  };
}

interface Considered {
  readonly description: string;
  readonly choice: FleetChoice;
  readonly cost: number;
  readonly mandatory?: boolean;
}

/**
 * Fleets weighed against the chosen one: keeping what runs, keeping it and only adding, the cost optimum (when
 * hysteresis kept running nodes), and per pool the cheapest fleet of a single offering. Up to three, the
 * running fleet first when it differs, then cheapest first.
 */
function considerAlternatives(input: DescribeInput, chosenCost: number): Alternative[] {
  const { ctx, chosen, current, options, decisions } = input;
  const considered: Considered[] = [];
  const seen: FleetChoice[] = [chosen];
  const add = (c: Considered): void => {
    if (seen.some((s) => sameChoice(s, c.choice))) return;
    seen.push(c.choice);
    considered.push(c);
  };
  add({ description: 'keep the running fleet unchanged', choice: current, cost: choiceCost(ctx, current), mandatory: true });
  if (input.keepFleet) add({ description: 'keep every running node and start only what the constraints need', choice: input.keepFleet, cost: choiceCost(ctx, input.keepFleet) });
  if (input.optimum) add({ description: 'the cost-optimal fleet', choice: input.optimum, cost: choiceCost(ctx, input.optimum) });
  const homogeneous = ctx.pools.map((pc) => cheapestHomogeneous(ctx, chosen, pc)).filter((h): h is Considered => h !== null);
  homogeneous.sort((a, b) => a.cost - b.cost);
  for (const h of homogeneous.slice(0, 3)) add(h);

  const kept = decisions.filter((d) => d.decision === 'keep-current');
  const keptThreshold = kept.reduce((sum, d) => sum + d.savingsThresholdPerHour, 0);
  const chosenObjective = chosenCost + startCost(ctx, chosen, options);
  const whyLost = (c: Considered): string => {
    const missed = unmetConstraints(ctx, c.choice);
    if (missed.length > 0) return `misses ${missed.length} constraint(s): pool ${missed[0]!.pool} ${missed[0]!.constraint}: ${missed[0]!.detail}${missed.length > 1 ? ' …' : ''}`;
    const disallowed = ctx.groups.filter((g) => !g.allowed && (c.choice.keep[g.index] ?? 0) > 0);
    if (disallowed.length > 0) return `keeps nodes of ${disallowed[0]!.offering.id}, which pool ${ctx.pools[disallowed[0]!.pool]!.pool.name} does not allow`;
    const protectedStopped = ctx.groups.filter((g) => g.protected && g.allowed && (c.choice.keep[g.index] ?? 0) < g.nodes.length);
    if (protectedStopped.length > 0) return `stops node(s) younger than the minimum lifetime (${protectedStopped[0]!.nodes[0]!.id} …)`;
    const diff = c.cost - chosenCost;
    if (diff > 1e-9) return `costs ${money(diff)} more than the chosen fleet`;
    if (kept.length > 0) return `saves only ${money(-diff)} over keeping what runs, below the ${money(keptThreshold)} threshold (hysteresis)`;
    const objective = c.cost + startCost(ctx, c.choice, options);
    if (objective < chosenObjective - 1e-6) return 'not found by the solver within its time limit and gap';
    if (diff < -1e-9) return `saves ${money(-diff)} but its starts cost ${money(startCost(ctx, c.choice, options))} once (startCostHours ${options.startCostHours}), more than the chosen fleet's`;
    return 'costs the same as the chosen fleet but needs more starts';
  };
  const ranked = considered.map((c) => ({ c, alt: { description: c.description, costPerHour: round6(c.cost), whyLost: whyLost(c) } }));
  const mandatory = ranked.filter((r) => r.c.mandatory);
  const others = ranked.filter((r) => !r.c.mandatory).sort((a, b) => a.c.cost - b.c.cost);
  return [...mandatory, ...others].slice(0, 3).map((r) => r.alt);
}

/** For one pool: its too-young nodes plus N nodes of the single cheapest offering that meets its constraints. */
function cheapestHomogeneous(ctx: PlannerContext, chosen: FleetChoice, pc: PoolContext): Considered | null {
  const base = poolStats(ctx, chosen, pc);
  const chosenTotal = choiceCost(ctx, chosen);
  let best: (Considered & { ok: boolean }) | null = null;
  const keep = [...chosen.keep];
  for (const g of pc.groups) keep[g.index] = g.protected && g.allowed ? g.nodes.length : 0;
  const protectedCapacity = pc.groups.reduce((sum, g) => sum + (keep[g.index] ?? 0) * g.capacity, 0);
  const protectedCount = pc.groups.reduce((sum, g) => sum + (keep[g.index] ?? 0), 0);
  for (const c of pc.candidates) {
    const n = Math.max(0, Math.ceil(Math.max(0, pc.required - protectedCapacity) / c.capacity - 1e-9), (pc.pool.constraints.minNodes ?? 0) - protectedCount);
    if (n === 0 || (c.offering.available !== null && n > c.offering.available)) continue;
    const addCounts = [...chosen.add];
    for (const k of pc.candidates) addCounts[k.index] = k.index === c.index ? n : 0;
    const choice = { keep, add: addCounts };
    const ok = unmetForPool(ctx, choice, pc).length === 0;
    const cost = chosenTotal - base.cost + poolStats(ctx, choice, pc).cost;
    if (best === null || (ok && !best.ok) || (ok === best.ok && cost < best.cost)) {
      best = { description: `pool ${pc.pool.name} on ${n} × ${c.offering.id} only`, choice, cost, ok };
    }
  }
  return best === null ? null : { description: best.description, choice: best.choice, cost: best.cost };
}

interface ExplainInput {
  readonly input: DescribeInput;
  readonly costBefore: number;
  readonly costAfter: number;
  readonly actions: number;
  readonly pools: readonly PoolOutcome[];
  readonly unmet: ReturnType<typeof unmetConstraints>;
  readonly binding: ReturnType<typeof bindingConstraints>;
  readonly alternatives: readonly Alternative[];
  readonly solver: SolverReport;
}

const LISTED = 20;

function explain(e: ExplainInput): string[] {
  const { input, costBefore, costAfter } = e;
  const { ctx, chosen, options } = input;
  const lines: string[] = [];
  const starts = ctx.candidates.reduce((sum, c) => sum + (chosen.add[c.index] ?? 0), 0);
  const stops = e.actions - ctx.candidates.filter((c) => (chosen.add[c.index] ?? 0) > 0).length;
  const savings = costBefore - costAfter;
  const savingsPct = costBefore > 0 ? ` (${((savings / costBefore) * 100).toFixed(1)}%)` : '';
  lines.push(starts + stops === 0
    ? `No change: the fleet stays at ${money(costAfter)}.`
    : `Start ${starts} node(s), stop ${stops}: ${money(costBefore)} → ${money(costAfter)}, ${savings >= 0 ? `saving ${money(savings)}${savingsPct}` : `costing ${money(-savings)} more`}.`);

  for (const d of input.decisions.slice(0, LISTED)) {
    const who = d.pools.length === 1 ? `Pool ${d.pools[0]}` : `Pools ${d.pools.join(', ')} (sharing a limited offering)`;
    const rule = `max(${money(options.minSavingsPerHour)}, ${options.minSavingsPercent}% of ${money(d.keepCostPerHour ?? 0)}) = ${money(d.savingsThresholdPerHour)}`;
    switch (d.decision) {
      case 'optimize':
        lines.push(d.keepCostPerHour === null
          ? `${who}: keeping every running node cannot meet the constraints, so the cost-optimal fleet is chosen.`
          : `${who}: replacing running nodes pays: the cost-optimal fleet saves ${d.keepCostIsLowerBound ? 'at least ' : ''}${money(d.keepCostPerHour - (d.optimumCostPerHour ?? 0))} over keeping what runs, at least the hysteresis threshold ${rule}.`);
        break;
      case 'keep-current':
        lines.push(d.keepCostPerHour !== null && d.optimumCostPerHour !== null && d.keepCostPerHour - d.optimumCostPerHour <= 1e-9
          ? `${who}: keeping what runs (starting only what the constraints need) is already cost-optimal.`
          : `${who}: running nodes are kept: the cost-optimal fleet (${money(d.optimumCostPerHour ?? 0)}) would save only ${money((d.keepCostPerHour ?? 0) - (d.optimumCostPerHour ?? 0))}, below the hysteresis threshold ${rule}.`);
        break;
      case 'shortfall': {
        const short = e.pools.filter((p) => d.pools.includes(p.name) && p.shortfall > 0).map((p) => `${p.name} by ${p.shortfall} ${p.unit}`);
        lines.push(`${who}: the constraints cannot all be met${short.length > 0 ? `; short ${short.join(', ')}` : ''}. A pool that stays short keeps every running node; the plan leaves the least unmet at the lowest cost.`);
        break;
      }
      case 'no-solution':
        lines.push(`${who}: the solver found no plan within the time limit (${options.timeLimitMs} ms for the whole plan): nothing changes.`);
        break;
    }
  }
  if (input.decisions.length > LISTED) lines.push(`… and ${input.decisions.length - LISTED} more group(s) of pools (see diagnostics.decisions).`);
  for (const u of e.unmet.slice(0, LISTED)) lines.push(`Unmet: pool ${u.pool} ${u.constraint}: ${u.detail}.`);

  lines.push(...e.pools.slice(0, LISTED).map((p) =>
    `Pool ${p.name}: demand ${round6(p.demand)} ${p.unit} needs capacity ${p.requiredCapacity}; before ${p.nodesBefore} node(s), capacity ${p.capacityBefore}, ${pct(p.utilizationBefore)} utilised, ${money(p.costPerHourBefore)}; after ${p.nodesAfter} node(s), capacity ${p.capacityAfter}, ${pct(p.utilizationAfter)} utilised, ${money(p.costPerHourAfter)}.`));
  if (e.pools.length > LISTED) lines.push(`… and ${e.pools.length - LISTED} more pool(s) (see pools).`);

  if (e.binding.length > 0) {
    lines.push(`Binding: ${e.binding.slice(0, 8).map((b) => `${b.pool} ${b.constraint} (${b.detail})`).join('; ')}${e.binding.length > 8 ? ` … and ${e.binding.length - 8} more` : ''}.`);
  }
  for (const a of e.alternatives) lines.push(`Alternative: ${a.description}${a.costPerHour === null ? '' : ` at ${money(a.costPerHour)}`}: ${a.whyLost}.`);
  if (ctx.ignored.length > 0) lines.push(`Ignored ${ctx.ignored.length} node(s) neither running nor pending: ${ctx.ignored.slice(0, 5).map((n) => `${n.id} (${n.state})`).join(', ')}${ctx.ignored.length > 5 ? ' …' : ''}.`);
  const s = e.solver;
  lines.push(`Solver ${s.name}: ${s.status}${s.gap === null ? '' : `, proven gap ${(s.gap * 100).toFixed(2)}%`}, ${s.components} independent group(s) of pools, ${s.variables} variable(s), ${s.constraints} constraint(s), ${s.solves} solve(s) in ${Math.round(s.timeMs)} ms; pruning removed ${s.prunedOfferings} dominated (pool, offering) pair(s).`);
  return lines;
}
