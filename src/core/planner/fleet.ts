import type { ConstraintReport, FleetEntry } from '../model/plan.js';
import type { PlannerContext, PoolContext } from './context.js';
import type { Formulation } from './formulate.js';

/** A fleet as counts: how many nodes of each running group stay, how many of each candidate start. */
export interface FleetChoice {
  /** By NodeGroup.index. */
  readonly keep: readonly number[];
  /** By Candidate.index. */
  readonly add: readonly number[];
}

export interface PoolStats {
  readonly capacity: number;
  readonly nodes: number;
  readonly cost: number;
  readonly spotCapacity: number;
  readonly zones: ReadonlySet<string>;
  /** Capacity of the smallest serving node in the fleet (Infinity when none). */
  readonly smallestNode: number;
}

const TOLERANCE = 1e-6;

/** Money and capacities: 6 decimals, so sums such as 0.1 + 0.2 print as 0.3. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6 + 0;

export function currentChoice(ctx: PlannerContext): FleetChoice {
  return { keep: ctx.groups.map((g) => g.nodes.length), add: ctx.candidates.map(() => 0) };
}

export function choiceFromValues(form: Formulation, values: readonly number[]): FleetChoice {
  const keep: number[] = [];
  const add: number[] = [];
  form.variables.forEach((role, j) => {
    const v = Math.max(0, Math.round(values[j] ?? 0));
    if (role.kind === 'keep') keep[role.group] = v;
    else if (role.kind === 'new') add[role.candidate] = v;
  });
  return { keep, add };
}

export function sameChoice(a: FleetChoice, b: FleetChoice): boolean {
  return a.keep.every((k, i) => k === b.keep[i]) && a.add.every((x, i) => x === b.add[i]);
}

export function poolStats(ctx: PlannerContext, choice: FleetChoice, pc: PoolContext): PoolStats {
  let capacity = 0;
  let nodes = 0;
  let cost = 0;
  let spotCapacity = 0;
  let smallestNode = Infinity;
  const zones = new Set<string>();
  const units = [
    ...pc.groups.map((g) => ({ n: choice.keep[g.index] ?? 0, capacity: g.capacity, offering: g.offering })),
    ...pc.candidates.map((c) => ({ n: choice.add[c.index] ?? 0, capacity: c.capacity, offering: c.offering })),
  ];
  for (const u of units) {
    if (u.n <= 0) continue;
    capacity += u.n * u.capacity;
    nodes += u.n;
    cost += u.n * u.offering.pricePerHour;
    if (u.offering.purchase === 'spot') spotCapacity += u.n * u.capacity;
    if (u.offering.zone !== null) zones.add(u.offering.zone);
    if (u.capacity > 0) smallestNode = Math.min(smallestNode, u.capacity);
  }
  return { capacity, nodes, cost, spotCapacity, zones, smallestNode };
}

export function choiceCost(ctx: PlannerContext, choice: FleetChoice): number {
  return ctx.pools.reduce((sum, pc) => sum + poolStats(ctx, choice, pc).cost, 0);
}

/** The fleet once a choice is carried out, by pool then offering id. */
export function targetFleet(ctx: PlannerContext, choice: FleetChoice): FleetEntry[] {
  const out: FleetEntry[] = [];
  for (const pc of ctx.pools) {
    const counts = new Map<string, number>();
    for (const g of pc.groups) counts.set(g.offering.id, (counts.get(g.offering.id) ?? 0) + (choice.keep[g.index] ?? 0));
    for (const c of pc.candidates) counts.set(c.offering.id, (counts.get(c.offering.id) ?? 0) + (choice.add[c.index] ?? 0));
    for (const [offering, count] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (count > 0) out.push({ pool: pc.pool.name, offering, count });
    }
  }
  return out;
}

export const money = (x: number): string => `$${x.toFixed(2)}/h`;
const num = (x: number): string => String(round6(x));

/** Every constraint `choice` misses: capacity short of demand, node counts, budget, spot share, zones. */
export function unmetConstraints(ctx: PlannerContext, choice: FleetChoice): ConstraintReport[] {
  return ctx.pools.flatMap((pc) => unmetForPool(ctx, choice, pc));
}

/** The constraints of one pool that `choice` misses. */
export function unmetForPool(ctx: PlannerContext, choice: FleetChoice, pc: PoolContext): ConstraintReport[] {
  const out: ConstraintReport[] = [];
  const s = poolStats(ctx, choice, pc);
  const c = pc.pool.constraints;
  const name = pc.pool.name;
  if (s.capacity < pc.required * (1 - TOLERANCE)) {
    out.push({ pool: name, constraint: 'capacity', detail: `capacity ${num(s.capacity)} is short of the ${num(pc.required)} needed for demand ${num(pc.pool.demand)} ${pc.pool.unit} at ≤ ${round6(pc.pool.qos.maxUtilization * 100)}% utilisation` });
  }
  if (c.minNodes !== undefined && s.nodes < c.minNodes) out.push({ pool: name, constraint: 'min-nodes', detail: `${s.nodes} node(s), fewer than minNodes ${c.minNodes}` });
  if (c.maxNodes !== undefined && s.nodes > c.maxNodes) out.push({ pool: name, constraint: 'max-nodes', detail: `${s.nodes} node(s), more than maxNodes ${c.maxNodes}` });
  if (c.budgetPerHour !== undefined && s.cost > c.budgetPerHour * (1 + TOLERANCE) + TOLERANCE) {
    out.push({ pool: name, constraint: 'budget', detail: `costs ${money(s.cost)}, over its budget of ${money(c.budgetPerHour)}` });
  }
  if (pc.spotRelevant && s.spotCapacity > c.maxSpotFraction! * s.capacity * (1 + TOLERANCE) + TOLERANCE) {
    out.push({ pool: name, constraint: 'spot-share', detail: `spot share ${(s.spotCapacity / s.capacity * 100).toFixed(1)}% of capacity, over maxSpotFraction ${round6(c.maxSpotFraction! * 100)}%` });
  }
  if (pc.zoneRelevant && s.zones.size < c.minDistinctZones!) {
    out.push({ pool: name, constraint: 'zones', detail: `spans ${s.zones.size} zone(s), fewer than minDistinctZones ${c.minDistinctZones}` });
  }
  for (const g of pc.groups) {
    const kept = choice.keep[g.index] ?? 0;
    if (!g.allowed && kept > 0) {
      out.push({ pool: name, constraint: 'allowed-offerings', detail: `keeps ${kept} node(s) of ${g.offering.id}, outside the pool's providers/regions/purchase lists, because the pool is short without them` });
    }
  }
  return out;
}

/**
 * Constraints at their limit in `choice`: one node fewer (capacity, min-nodes) or one node more (max-nodes,
 * budget, spot share, availability) would break them. These are what stop the plan from being cheaper.
 */
export function bindingConstraints(ctx: PlannerContext, choice: FleetChoice): ConstraintReport[] {
  const out: ConstraintReport[] = [];
  const started = new Map<string, number>();
  for (const c of ctx.candidates) started.set(c.offering.id, (started.get(c.offering.id) ?? 0) + (choice.add[c.index] ?? 0));
  for (const pc of ctx.pools) {
    const s = poolStats(ctx, choice, pc);
    const c = pc.pool.constraints;
    const name = pc.pool.name;
    if (pc.required > 0 && s.capacity >= pc.required * (1 - TOLERANCE) && s.capacity - s.smallestNode < pc.required * (1 - TOLERANCE)) {
      out.push({ pool: name, constraint: 'capacity', detail: `capacity ${num(s.capacity)} covers the ${num(pc.required)} needed (demand ${num(pc.pool.demand)} ${pc.pool.unit} / maxUtilization ${pc.pool.qos.maxUtilization}); no node can go` });
    }
    if (c.minNodes !== undefined && c.minNodes > 0 && s.nodes === c.minNodes) out.push({ pool: name, constraint: 'min-nodes', detail: `at minNodes ${c.minNodes}` });
    if (c.maxNodes !== undefined && s.nodes === c.maxNodes) out.push({ pool: name, constraint: 'max-nodes', detail: `at maxNodes ${c.maxNodes}` });
    const cheapest = Math.min(...pc.candidates.map((k) => k.offering.pricePerHour));
    if (c.budgetPerHour !== undefined && s.cost <= c.budgetPerHour + TOLERANCE && Number.isFinite(cheapest) && s.cost + cheapest > c.budgetPerHour + TOLERANCE) {
      out.push({ pool: name, constraint: 'budget', detail: `costs ${money(s.cost)} of its ${money(c.budgetPerHour)} budget; no further node fits` });
    }
    if (pc.spotRelevant) {
      const f = c.maxSpotFraction!;
      const spotSizes = pc.candidates.filter((k) => k.offering.purchase === 'spot').map((k) => k.capacity);
      const smallest = spotSizes.length > 0 ? Math.min(...spotSizes) : Infinity;
      if (Number.isFinite(smallest) && s.spotCapacity <= f * s.capacity + TOLERANCE && s.spotCapacity + smallest > f * (s.capacity + smallest) + TOLERANCE) {
        out.push({ pool: name, constraint: 'spot-share', detail: `spot share ${s.capacity > 0 ? (s.spotCapacity / s.capacity * 100).toFixed(1) : '0.0'}% of capacity; another spot node would pass maxSpotFraction ${f * 100}%` });
      }
    }
    if (pc.zoneRelevant && s.zones.size === c.minDistinctZones) {
      out.push({ pool: name, constraint: 'zones', detail: `spans exactly minDistinctZones ${c.minDistinctZones} zone(s): ${[...s.zones].sort().join(', ')}` });
    }
    const protectedNodes = pc.groups.filter((g) => g.protected && g.allowed).flatMap((g) => g.nodes.map((n) => n.id));
    if (protectedNodes.length > 0) {
      out.push({ pool: name, constraint: 'min-lifetime', detail: `${protectedNodes.length} node(s) too young to stop are kept: ${protectedNodes.slice(0, 5).join(', ')}${protectedNodes.length > 5 ? ' …' : ''}` });
    }
    const disallowed = pc.groups.filter((g) => !g.allowed && (choice.keep[g.index] ?? 0) < g.nodes.length);
    for (const g of disallowed) {
      out.push({ pool: name, constraint: 'allowed-offerings', detail: `${g.offering.id} is outside the pool's providers/regions/purchase lists: its nodes are replaced` });
    }
  }
  for (const [offering, n] of started) {
    const available = ctx.offerings.get(offering)?.available;
    if (available !== null && available !== undefined && n > 0 && n >= available) {
      out.push({ pool: ctx.candidates.filter((c) => c.offering.id === offering && (choice.add[c.index] ?? 0) > 0).map((c) => ctx.pools[c.pool]!.pool.name).join(','), constraint: 'available', detail: `all ${available} available node(s) of ${offering} are started` });
    }
  }
  return out;
}
