import { GovError } from '../errors.js';
import { capacityOf } from '../model/capacity.js';
import type { Offering } from '../model/offering.js';
import type { Pool } from '../model/pool.js';
import type { FleetNode, PlanningSnapshot } from '../model/scenario.js';
import type { PlanOptions } from './options.js';

/**
 * The planner's view of a snapshot: per pool, the running nodes grouped into interchangeable groups and the
 * offerings new nodes may be started from, after dominance pruning (docs/planner.md, "Pruning").
 */

/** Identical running nodes of one pool: same offering, same protection. The MILP decides how many to keep. */
export interface NodeGroup {
  readonly index: number;
  readonly pool: number;
  readonly offering: Offering;
  /** Demand units one node serves at 100%; 0 when the pool's capacity model has no entry for the offering. */
  readonly capacity: number;
  /** Started less than minNodeLifetimeSeconds ago, or pending: kept whatever the cost. */
  readonly protected: boolean;
  /** The offering is allowed by the pool's providers/regions/purchase lists (a disallowed node is replaced). */
  readonly allowed: boolean;
  /** Its nodes, in the order they would be stopped (most recently started first). */
  readonly nodes: readonly FleetNode[];
}

/** An offering new nodes of a pool may be started from. */
export interface Candidate {
  readonly index: number;
  readonly pool: number;
  readonly offering: Offering;
  readonly capacity: number;
}

export interface PoolContext {
  readonly index: number;
  readonly pool: Pool;
  /** demand / maxUtilization. */
  readonly required: number;
  readonly groups: readonly NodeGroup[];
  readonly candidates: readonly Candidate[];
  /** Offerings allowed and able to serve the pool, before pruning. */
  readonly usable: number;
  /** Of those, how many dominance pruning removed. */
  readonly pruned: number;
  /** Whether minDistinctZones / maxSpotFraction are in force (they decide what pruning may compare). */
  readonly zoneRelevant: boolean;
  readonly spotRelevant: boolean;
}

export interface PlannerContext {
  readonly pools: readonly PoolContext[];
  readonly groups: readonly NodeGroup[];
  readonly candidates: readonly Candidate[];
  /** Nodes in the fleet now (running or pending). */
  readonly fleet: readonly FleetNode[];
  readonly ignored: readonly FleetNode[];
  readonly offerings: ReadonlyMap<string, Offering>;
  /** (pool, offering) pairs where the offering is allowed and able to serve the pool, before pruning. */
  readonly usablePairs: number;
  /**
   * Pools that must be solved together, as lists of pool indexes: pools are linked when they may start the
   * same offering and its `available` is limited. Unlinked pools are independent problems (docs/planner.md,
   * "Decomposition").
   */
  readonly components: readonly (readonly number[])[];
}

export function isAllowed(pool: Pool, offering: Offering): boolean {
  const c = pool.constraints;
  if (c.providers && !c.providers.includes(offering.provider)) return false;
  if (c.regions && !c.regions.includes(offering.region)) return false;
  if (c.purchase && !c.purchase.includes(offering.purchase)) return false;
  return true;
}

/** isAllowed with the pool's lists turned into sets once, for scans over a large catalog. */
function allowedTest(pool: Pool): (offering: Offering) => boolean {
  const providers = pool.constraints.providers ? new Set(pool.constraints.providers) : null;
  const regions = pool.constraints.regions ? new Set(pool.constraints.regions) : null;
  const purchase = pool.constraints.purchase ? new Set<string>(pool.constraints.purchase) : null;
  return (o) => (providers === null || providers.has(o.provider)) && (regions === null || regions.has(o.region))
    && (purchase === null || purchase.has(o.purchase));
}

/**
 * Offerings in (price, id) order with lookup indexes, built once per offerings array and remembered (a
 * WeakMap on the array), so planning again over the same catalog does not pay for it again.
 */
interface OfferingIndex {
  readonly sorted: readonly Offering[];
  readonly byId: ReadonlyMap<string, number>;
  readonly offeringById: ReadonlyMap<string, Offering>;
  readonly byGpu: ReadonlyMap<string, readonly number[]>;
  readonly byType: ReadonlyMap<string, readonly number[]>;
  readonly byRegion: ReadonlyMap<string, readonly number[]>;
  readonly byProvider: ReadonlyMap<string, readonly number[]>;
}

const indexes = new WeakMap<readonly Offering[], OfferingIndex>();

function offeringIndex(offerings: readonly Offering[]): OfferingIndex {
  const known = indexes.get(offerings);
  if (known) return known;
  const order = (a: Offering, b: Offering) => a.pricePerHour - b.pricePerHour || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let sortedAlready = true;
  for (let i = 1; i < offerings.length && sortedAlready; i++) sortedAlready = order(offerings[i - 1]!, offerings[i]!) <= 0;
  const sorted = sortedAlready ? offerings : [...offerings].sort(order);
  const byId = new Map<string, number>();
  const offeringById = new Map<string, Offering>();
  const byGpu = new Map<string, number[]>();
  const byType = new Map<string, number[]>();
  const byRegion = new Map<string, number[]>();
  const byProvider = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  sorted.forEach((o, i) => {
    byId.set(o.id, i);
    offeringById.set(o.id, o);
    if (o.gpu) add(byGpu, o.gpu.model, i);
    add(byType, o.instanceType, i);
    add(byRegion, o.region, i);
    add(byProvider, o.provider, i);
  });
  const index = { sorted, byId, offeringById, byGpu, byType, byRegion, byProvider };
  indexes.set(offerings, index);
  return index;
}

interface PoolCandidates {
  /** Sorted by offering id; `pool` is a placeholder the caller replaces. */
  readonly kept: readonly Omit<Candidate, 'index'>[];
  readonly usable: number;
  readonly pruned: number;
}

/** Candidate lists per catalog, keyed by what decides them: capacity model, allowed lists, pruning keys. */
const candidateCache = new WeakMap<OfferingIndex, Map<string, PoolCandidates>>();
const CANDIDATE_CACHE_SIZE = 512;

function candidatesFor(pool: Pool, index: OfferingIndex, zoneRelevant: boolean, spotRelevant: boolean): PoolCandidates {
  const c = pool.constraints;
  const key = JSON.stringify([pool.capacity, c.providers ?? null, c.regions ?? null, c.purchase ?? null, zoneRelevant, spotRelevant]);
  let cache = candidateCache.get(index);
  if (!cache) candidateCache.set(index, (cache = new Map()));
  const known = cache.get(key);
  if (known) return known;
  const usable: Omit<Candidate, 'index'>[] = [];
  const allowed = allowedTest(pool);
  for (const i of positionsFor(pool, index)) {
    const offering = index.sorted[i]!;
    if (offering.available === 0 || !Number.isFinite(offering.pricePerHour) || offering.pricePerHour < 0 || !allowed(offering)) continue;
    const capacity = nodeCapacity(pool, offering);
    if (capacity > 0) usable.push({ pool: -1, offering, capacity });
  }
  const { kept, pruned } = pruneDominated(usable, zoneRelevant, spotRelevant);
  kept.sort((a, b) => (a.offering.id < b.offering.id ? -1 : 1));
  const result = { kept, usable: usable.length, pruned };
  if (cache.size >= CANDIDATE_CACHE_SIZE) cache.clear();
  cache.set(key, result);
  return result;
}

/** Positions (cheapest first) of the offerings that may serve `pool`: those its capacity model names, or all for perVcpu. */
function positionsFor(pool: Pool, index: OfferingIndex): Iterable<number> {
  const c = pool.capacity;
  const union = (lists: Iterable<readonly number[] | undefined>): number[] => {
    const set = new Set<number>();
    for (const list of lists) if (list) for (const i of list) set.add(i);
    return [...set].sort((a, b) => a - b);
  };
  if (c.perVcpu !== undefined) {
    if (pool.constraints.regions) return union(pool.constraints.regions.map((r) => index.byRegion.get(r)));
    if (pool.constraints.providers) return union(pool.constraints.providers.map((p) => index.byProvider.get(p)));
    return index.sorted.keys();
  }
  return union([
    ...Object.keys(c.byGpuModel ?? {}).map((m) => index.byGpu.get(m)),
    ...Object.keys(c.byInstanceType ?? {}).map((t) => index.byType.get(t)),
    Object.keys(c.byOffering ?? {}).flatMap((id) => { const i = index.byId.get(id); return i === undefined ? [] : [i]; }),
  ]);
}

/** capacityOf, with anything not a positive finite number read as "cannot serve" (0). */
export function nodeCapacity(pool: Pool, offering: Offering): number {
  const c = capacityOf(pool.capacity, offering);
  return c !== null && Number.isFinite(c) && c > 0 ? c : 0;
}

const IN_FLEET = new Set(['running', 'pending']);

function startedMs(node: FleetNode): number | null {
  if (node.startedAt === null) return null;
  const ms = Date.parse(node.startedAt);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Dominance pruning for one pool's candidates. Offering `d` dominates `o` when both share every attribute a
 * constraint of this pool reads (zone when minDistinctZones is set, spot-or-not when maxSpotFraction is set),
 * `d` has no `available` limit, costs no more, and serves no less (for spot offerings under a spot cap: exactly
 * as much, since more spot capacity can break the cap). Swapping every `o` node for a `d` node then keeps every
 * constraint satisfied and costs no more, so some optimal plan never uses `o`. Ties keep the smallest id.
 *
 * Price per unit of capacity is NOT a safe criterion: with whole nodes, a small node that is dearer per unit
 * can still be the cheapest way to cover a small remainder.
 */
export function pruneDominated(candidates: readonly Omit<Candidate, 'index'>[], zoneRelevant: boolean, spotRelevant: boolean): {
  kept: Omit<Candidate, 'index'>[];
  pruned: number;
} {
  const byKey = new Map<string, Omit<Candidate, 'index'>[]>();
  for (const c of candidates) {
    const key = `${zoneRelevant ? (c.offering.zone ?? '\u0000') : ''}|${spotRelevant ? String(c.offering.purchase === 'spot') : ''}`;
    const list = byKey.get(key);
    if (list) list.push(c);
    else byKey.set(key, [c]);
  }
  const kept: Omit<Candidate, 'index'>[] = [];
  let pruned = 0;
  for (const list of byKey.values()) {
    list.sort((a, b) => a.offering.pricePerHour - b.offering.pricePerHour || b.capacity - a.capacity || (a.offering.id < b.offering.id ? -1 : 1));
    let bestUnboundedCapacity = -Infinity;
    const unboundedCapacities = new Set<number>();
    for (const c of list) {
      // Everything earlier in `list` costs no more, and at equal price serves no less.
      const exactOnly = spotRelevant && c.offering.purchase === 'spot';
      const dominated = exactOnly ? unboundedCapacities.has(c.capacity) : bestUnboundedCapacity >= c.capacity;
      if (dominated) {
        pruned += 1;
        continue;
      }
      kept.push(c);
      if (c.offering.available === null) {
        bestUnboundedCapacity = Math.max(bestUnboundedCapacity, c.capacity);
        unboundedCapacities.add(c.capacity);
      }
    }
  }
  return { kept, pruned };
}

export function buildContext(snapshot: PlanningSnapshot, options: PlanOptions): PlannerContext {
  const index = offeringIndex(snapshot.offerings);
  const offerings = index.offeringById;
  const poolIndex = new Map(snapshot.pools.map((p, i) => [p.name, i]));
  const nowMs = Date.parse(snapshot.now);
  if (Number.isNaN(nowMs)) throw new GovError('GOV_VALIDATION', `snapshot.now is not an instant: ${JSON.stringify(snapshot.now)}`);

  const fleet: FleetNode[] = [];
  const ignored: FleetNode[] = [];
  for (const node of snapshot.nodes) {
    if (!poolIndex.has(node.pool)) throw new GovError('GOV_VALIDATION', `node ${node.id} names no known pool (${JSON.stringify(node.pool)})`);
    if (!offerings.has(node.offering)) throw new GovError('GOV_VALIDATION', `node ${node.id} names no known offering (${JSON.stringify(node.offering)})`);
    (IN_FLEET.has(node.state) ? fleet : ignored).push(node);
  }

  const lifetimeMs = options.minNodeLifetimeSeconds * 1000;
  const isProtected = (node: FleetNode): boolean => {
    if (node.state === 'pending') return true;
    const started = startedMs(node);
    return started !== null && nowMs - started < lifetimeMs;
  };

  const groups: NodeGroup[] = [];
  const candidates: Candidate[] = [];
  const pools: PoolContext[] = [];
  let usablePairs = 0;
  snapshot.pools.forEach((pool, p) => {
    // Running nodes, grouped.
    const byKey = new Map<string, FleetNode[]>();
    for (const node of fleet) {
      if (node.pool !== pool.name) continue;
      const key = `${isProtected(node) ? 'p' : 's'}:${node.offering}`;
      const list = byKey.get(key);
      if (list) list.push(node);
      else byKey.set(key, [node]);
    }
    const poolGroups: NodeGroup[] = [];
    for (const [key, nodes] of [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const offering = offerings.get(nodes[0]!.offering)!;
      // Most recently started first (as Kubernetes scales ReplicaSets down); unknown start times last, then by id.
      const ordered = [...nodes].sort((a, b) => (startedMs(b) ?? -Infinity) - (startedMs(a) ?? -Infinity) || (a.id < b.id ? -1 : 1));
      const group: NodeGroup = {
        index: groups.length, pool: p, offering, capacity: nodeCapacity(pool, offering),
        protected: key.startsWith('p:'), allowed: isAllowed(pool, offering), nodes: ordered,
      };
      groups.push(group);
      poolGroups.push(group);
    }

    // Offerings to start from: allowed, able to serve, not dominated. Remembered per catalog and per pool shape.
    const zoneRelevant = (pool.constraints.minDistinctZones ?? 0) >= 1;
    const spotRelevant = pool.constraints.maxSpotFraction !== undefined && pool.constraints.maxSpotFraction < 1;
    const { kept, usable, pruned } = candidatesFor(pool, index, zoneRelevant, spotRelevant);
    usablePairs += usable;
    const poolCandidates = kept.map((c, i) => ({ pool: p, offering: c.offering, capacity: c.capacity, index: candidates.length + i }));
    candidates.push(...poolCandidates);
    pools.push({
      index: p, pool, required: pool.demand / pool.qos.maxUtilization, groups: poolGroups, candidates: poolCandidates,
      usable, pruned, zoneRelevant, spotRelevant,
    });
  });
  return { pools, groups, candidates, fleet, ignored, offerings, usablePairs, components: components(pools) };
}

/** Connected components of pools linked by a shared offering whose `available` is limited (union-find). */
function components(pools: readonly PoolContext[]): number[][] {
  const parent = pools.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const firstPool = new Map<string, number>();
  for (const pc of pools) {
    for (const c of pc.candidates) {
      if (c.offering.available === null) continue;
      const other = firstPool.get(c.offering.id);
      if (other === undefined) firstPool.set(c.offering.id, pc.index);
      else parent[find(pc.index)] = find(other);
    }
  }
  const groups = new Map<number, number[]>();
  for (const pc of pools) {
    const root = find(pc.index);
    const list = groups.get(root);
    if (list) list.push(pc.index);
    else groups.set(root, [pc.index]);
  }
  return [...groups.values()];
}
