import type { PlannerContext, PoolContext } from './context.js';
import type { MilpConstraint, MilpModel, MilpTerm, MilpVariable } from './milp.js';
import type { PlanOptions } from './options.js';

/**
 * The MILP (docs/planner.md, "Formulation"). Variables:
 * - keep[g] ∈ [lb, n_g], integer: how many nodes of running group g stay (one variable per group of identical
 *   nodes, not one per node, so 1,000 running nodes cost a handful of variables);
 * - new[p,o] ≥ 0, integer: nodes of offering o to start for pool p;
 * - zone[p,z] ∈ {0,1}: pool p has a node in zone z (only for pools with minDistinctZones);
 * - slack[p,row] ≥ 0, continuous: how far a soft row is missed (only in shortfall mode).
 * Objective: Σ price·keep + Σ price·(1 + startCostHours)·new (or, in the first shortfall phase, Σ slack).
 */

export type RowKind = 'capacity' | 'min-nodes' | 'max-nodes' | 'budget' | 'spot-share' | 'zones' | 'zone-link' | 'available';

export type VariableRole =
  | { readonly kind: 'keep'; readonly group: number }
  | { readonly kind: 'new'; readonly candidate: number }
  | { readonly kind: 'zone'; readonly pool: number; readonly zone: string }
  | { readonly kind: 'slack'; readonly pool: number; readonly row: RowKind };

export interface RowRole {
  readonly kind: RowKind;
  /** Null for rows that span pools (an offering's availability). */
  readonly pool: number | null;
  readonly offering?: string;
}

export interface FormulationMode {
  /** The pools to model (a component of PlannerContext.components); default every pool. */
  readonly pools?: readonly number[];
  /** Keep every running node its pool allows; only starts are free: the "keep what runs" fleet. */
  readonly keepAll?: boolean;
  /** Pools whose running nodes are all kept, allowed or not (a short pool never loses capacity). */
  readonly fixedPools?: ReadonlySet<number>;
  /**
   * Shortfall mode: capacity, node-count, budget, spot and zone rows of every pool get a slack variable,
   * normalised so 1 means "missed by the whole right-hand side". `objective: 'slack'` minimises the slacks'
   * sum; `objective: 'cost'` minimises cost with each slack at most `upper[slackKey(pool,row)]`.
   */
  readonly slack?: { readonly objective: 'slack' } | { readonly objective: 'cost'; readonly upper: ReadonlyMap<string, number> };
}

export interface Formulation {
  readonly model: MilpModel;
  readonly variables: readonly VariableRole[];
  readonly rows: readonly RowRole[];
}

/**
 * In the first shortfall phase, missing a limit (maxNodes, budget, spot share) weighs this much more than
 * missing a requirement (capacity, minNodes, zones) by the same fraction: a limit is only broken when nodes
 * that must be kept already break it, never to serve more demand.
 */
export const LIMIT_WEIGHT = 1000;
const LIMIT_ROWS: ReadonlySet<RowKind> = new Set(['max-nodes', 'budget', 'spot-share']);

export const slackKey = (pool: number, row: RowKind): string => `${pool}:${row}`;

export function formulate(ctx: PlannerContext, options: PlanOptions, mode: FormulationMode = {}): Formulation {
  const variables: MilpVariable[] = [];
  const roles: VariableRole[] = [];
  const constraints: MilpConstraint[] = [];
  const rows: RowRole[] = [];
  const start: number[] = [];
  const slackMode = mode.slack;
  const costWeight = slackMode?.objective === 'slack' ? 0 : 1;

  const inScope = mode.pools ? new Set(mode.pools) : null;
  const scopedPools = inScope ? ctx.pools.filter((pc) => inScope.has(pc.index)) : ctx.pools;
  const groups = scopedPools.flatMap((pc) => pc.groups);
  const candidates = scopedPools.flatMap((pc) => pc.candidates);

  const keepVar: number[] = [];
  const newVar: number[] = [];
  for (const g of groups) {
    const n = g.nodes.length;
    const fixed = mode.fixedPools?.has(g.pool) ?? false;
    const upper = fixed || g.allowed ? n : 0;
    const lower = fixed ? n : g.allowed && (g.protected || mode.keepAll) ? n : 0;
    keepVar[g.index] = variables.length;
    variables.push({ name: `keep[${g.index}]`, lower, upper, integer: true, cost: costWeight * g.offering.pricePerHour });
    roles.push({ kind: 'keep', group: g.index });
    start.push(Math.min(upper, n));
  }
  const upperBound = newNodeBounds(scopedPools);
  for (const c of candidates) {
    const maxNodes = ctx.pools[c.pool]!.pool.constraints.maxNodes;
    const upper = Math.min(c.offering.available ?? Infinity, maxNodes ?? Infinity, upperBound.get(c.index) ?? Infinity);
    newVar[c.index] = variables.length;
    variables.push({ name: `new[${c.index}]`, lower: 0, upper, integer: true, cost: costWeight * c.offering.pricePerHour * (1 + options.startCostHours) });
    roles.push({ kind: 'new', candidate: c.index });
    start.push(0);
  }

  const addRow = (role: RowRole, name: string, terms: MilpTerm[], lower: number, upper: number, slackCoef?: number): void => {
    if (slackMode && role.pool !== null && slackCoef !== undefined) {
      const key = slackKey(role.pool, role.kind);
      const bound = slackMode.objective === 'cost' ? (slackMode.upper.get(key) ?? 0) : Infinity;
      terms = [...terms, { variable: variables.length, coef: slackCoef }];
      const weight = LIMIT_ROWS.has(role.kind) ? LIMIT_WEIGHT : 1;
      variables.push({ name: `slack[${key}]`, lower: 0, upper: bound, integer: false, cost: slackMode.objective === 'slack' ? weight : 0 });
      roles.push({ kind: 'slack', pool: role.pool, row: role.kind });
      start.push(0);
    }
    constraints.push({ name, terms, lower, upper });
    rows.push(role);
  };

  for (const pc of scopedPools) addPoolRows(pc);

  // An offering's availability is shared by every pool that may start it.
  const byOffering = new Map<string, number[]>();
  for (const c of candidates) {
    if (c.offering.available === null) continue;
    const list = byOffering.get(c.offering.id);
    if (list) list.push(c.index);
    else byOffering.set(c.offering.id, [c.index]);
  }
  for (const [offering, list] of byOffering) {
    if (list.length < 2) continue; // one pool: the variable's bound says it
    const available = ctx.offerings.get(offering)!.available!;
    addRow({ kind: 'available', pool: null, offering }, `available[${offering}]`, list.map((i) => ({ variable: newVar[i]!, coef: 1 })), -Infinity, available);
  }

  function addPoolRows(pc: PoolContext): void {
    const p = pc.index;
    const c = pc.pool.constraints;
    const units = [
      ...pc.groups.map((g) => ({ variable: keepVar[g.index]!, capacity: g.capacity, offering: g.offering })),
      ...pc.candidates.map((k) => ({ variable: newVar[k.index]!, capacity: k.capacity, offering: k.offering })),
    ];
    if (pc.required > 0) {
      addRow({ kind: 'capacity', pool: p }, `capacity[${p}]`,
        units.filter((u) => u.capacity > 0).map((u) => ({ variable: u.variable, coef: u.capacity })), pc.required, Infinity, pc.required);
    }
    const count = units.map((u) => ({ variable: u.variable, coef: 1 }));
    if ((c.minNodes ?? 0) > 0) addRow({ kind: 'min-nodes', pool: p }, `minNodes[${p}]`, count, c.minNodes!, Infinity, c.minNodes!);
    if (c.maxNodes !== undefined) addRow({ kind: 'max-nodes', pool: p }, `maxNodes[${p}]`, count, -Infinity, c.maxNodes, -Math.max(c.maxNodes, 1));
    if (c.budgetPerHour !== undefined) {
      addRow({ kind: 'budget', pool: p }, `budget[${p}]`, units.map((u) => ({ variable: u.variable, coef: u.offering.pricePerHour })),
        -Infinity, c.budgetPerHour, -Math.max(c.budgetPerHour, 1));
    }
    if (pc.spotRelevant) {
      const f = c.maxSpotFraction!;
      // Σ spot capacity ≤ f · Σ capacity  ⇔  Σ capacity·([spot] − f) ≤ 0
      const terms = units.filter((u) => u.capacity > 0)
        .map((u) => ({ variable: u.variable, coef: u.capacity * ((u.offering.purchase === 'spot' ? 1 : 0) - f) }))
        .filter((t) => t.coef !== 0);
      addRow({ kind: 'spot-share', pool: p }, `spotShare[${p}]`, terms, -Infinity, 0, -Math.max(pc.required, 1));
    }
    if (pc.zoneRelevant) {
      const zones = new Map<string, number[]>();
      for (const u of units) {
        if (u.offering.zone === null) continue;
        const list = zones.get(u.offering.zone);
        if (list) list.push(u.variable);
        else zones.set(u.offering.zone, [u.variable]);
      }
      const zoneVars: number[] = [];
      for (const [zone, vars] of [...zones.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const y = variables.length;
        variables.push({ name: `zone[${p}:${zone}]`, lower: 0, upper: 1, integer: true, cost: 0 });
        roles.push({ kind: 'zone', pool: p, zone });
        start.push(vars.some((v) => (start[v] ?? 0) > 0) ? 1 : 0);
        zoneVars.push(y);
        // y may be 1 only when the pool has a node in the zone.
        addRow({ kind: 'zone-link', pool: p }, `zoneLink[${p}:${zone}]`, [{ variable: y, coef: 1 }, ...vars.map((v) => ({ variable: v, coef: -1 }))], -Infinity, 0);
      }
      const z = c.minDistinctZones!;
      addRow({ kind: 'zones', pool: p }, `zones[${p}]`, zoneVars.map((v) => ({ variable: v, coef: 1 })), z, Infinity, z);
    }
  }

  return { model: { variables, constraints, ...(slackMode ? {} : { start }) }, variables: roles, rows };
}

/**
 * An upper bound on new nodes of each candidate that keeps at least one optimal solution (docs/planner.md,
 * "Bounds"); finite bounds make HiGHS' work on these covering knapsacks several times lighter. Take an optimal
 * solution and drop nodes while that keeps every constraint (it never raises the cost): in the minimal
 * optimal solution left,
 * - x[o] ≤ max(⌈required / capacity⌉, minNodes, 1 if zones count): past that, dropping one node of o keeps
 *   the capacity, the node count and o's zone, and only lowers cost, node count, budget and quota use; for a
 *   spot o it also lowers the spot share;
 * - the spot capacity S is below required + the largest spot node (else a spot node could go), or at most
 *   minNodes (or the number of zones) times the largest spot node, plus running spot nodes;
 * - under a spot cap f, a non-spot node may be needed to balance S (S ≤ f·total needs non-spot capacity
 *   ≥ S·(1 − f)/f), so a non-spot x[o] may also reach ⌈S_max·(1 − f)/(f·capacity)⌉. Under f = 0 no spot node
 *   may start.
 */
function newNodeBounds(pools: readonly PoolContext[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pc of pools) {
    const c = pc.pool.constraints;
    const base = (capacity: number) => Math.max(Math.ceil(pc.required / capacity - 1e-9), c.minNodes ?? 0, pc.zoneRelevant ? 1 : 0);
    const isSpot = (purchase: string) => purchase === 'spot';
    const f = pc.spotRelevant ? c.maxSpotFraction! : 1;
    for (const k of pc.candidates) {
      if (isSpot(k.offering.purchase)) out.set(k.index, f === 0 ? 0 : base(k.capacity));
    }
    if (!pc.spotRelevant || f === 0) {
      for (const k of pc.candidates) if (!isSpot(k.offering.purchase)) out.set(k.index, base(k.capacity));
      continue;
    }
    const spotUnits = [...pc.candidates.filter((k) => isSpot(k.offering.purchase)), ...pc.groups.filter((g) => isSpot(g.offering.purchase))];
    const largest = Math.max(0, ...spotUnits.map((u) => u.capacity));
    const zones = pc.zoneRelevant ? new Set([...pc.candidates, ...pc.groups].map((u) => u.offering.zone).filter((z) => z !== null)).size : 0;
    const running = pc.groups.filter((g) => isSpot(g.offering.purchase)).reduce((sum, g) => sum + g.nodes.length * g.capacity, 0);
    const spotMax = Math.max(pc.required + largest, (c.minNodes ?? 0) * largest, zones * largest) + running;
    for (const k of pc.candidates) {
      if (isSpot(k.offering.purchase)) continue;
      out.set(k.index, Math.max(base(k.capacity), Math.ceil((spotMax * (1 - f)) / (f * k.capacity) - 1e-9)));
    }
  }
  return out;
}
