import type { FleetEntry, PlanAction, StartAction, StopAction } from '../model/plan.js';
import type { FleetNode } from '../model/scenario.js';
import type { PlannerContext } from './context.js';
import type { FleetChoice } from './fleet.js';
import { round6 } from './fleet.js';

/**
 * The diff from the running fleet to a chosen one, as ordered actions. Make-before-break: every start comes
 * first (grouped by pool and offering, with a count), then every stop (one per node). Which node of a group of
 * identical ones stops: the most recently started (as Kubernetes scales a ReplicaSet down). Stops are ordered
 * most expensive per unit of capacity first, so a caller that carries out only a prefix saves the most.
 * The counts come from the MILP, which never goes below minNodes or stops a protected node.
 */
export function buildActions(ctx: PlannerContext, choice: FleetChoice): PlanAction[] {
  const starts: StartAction[] = [];
  for (const pc of ctx.pools) {
    for (const c of pc.candidates) {
      const count = choice.add[c.index] ?? 0;
      if (count > 0) {
        starts.push({ action: 'start', pool: pc.pool.name, offering: c.offering.id, count, costDeltaPerHour: round6(c.offering.pricePerHour * count) });
      }
    }
  }
  const stops: Array<StopAction & { perUnit: number; order: number }> = [];
  for (const g of ctx.groups) {
    const stopping = g.nodes.length - (choice.keep[g.index] ?? g.nodes.length);
    const pool = ctx.pools[g.pool]!.pool.name;
    const perUnit = g.capacity > 0 ? g.offering.pricePerHour / g.capacity : Infinity;
    g.nodes.slice(0, Math.max(0, stopping)).forEach((node, i) => {
      stops.push({ action: 'stop', pool, nodeId: node.id, offering: g.offering.id, costDeltaPerHour: round6(-g.offering.pricePerHour), perUnit, order: i });
    });
  }
  stops.sort((a, b) => b.perUnit - a.perUnit || a.order - b.order || (a.nodeId < b.nodeId ? -1 : 1));
  return [...starts, ...stops.map(({ perUnit: _p, order: _o, ...stop }) => stop)];
}

/**
 * The fleet after `actions`, sorted by pool name then offering id (the shape of Plan.targetFleet). Throws when an
 * action stops a node that is not in `nodes` or is stopped twice: the plan would not be executable.
 */
export function applyActions(nodes: readonly FleetNode[], actions: readonly PlanAction[]): FleetEntry[] {
  const alive = new Map(nodes.filter((n) => n.state === 'running' || n.state === 'pending').map((n) => [n.id, n]));
  const added = new Map<string, number>();
  for (const action of actions) {
    if (action.action === 'start') {
      const key = `${action.pool}\u0000${action.offering}`;
      added.set(key, (added.get(key) ?? 0) + action.count);
    } else {
      if (!alive.delete(action.nodeId)) throw new Error(`stop of ${action.nodeId}, which is not running`);
    }
  }
  const counts = new Map<string, number>(added);
  for (const n of alive.values()) {
    const key = `${n.pool}\u0000${n.offering}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, count]) => count > 0)
    .map(([key, count]) => {
      const [pool, offering] = key.split('\u0000') as [string, string];
      return { pool, offering, count };
    })
    .sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : a.offering < b.offering ? -1 : a.offering > b.offering ? 1 : 0));
}
