/**
 * Properties of plan() over random small scenarios (seeded, so a failure replays): HiGHS agrees with the
 * exhaustive solver; a feasible plan meets every pool's demand / maxUtilization and constraint, checked here
 * from the target fleet with capacityOf; the actions turn the running fleet into exactly the target fleet;
 * protected nodes and the nodes of short pools are never stopped.
 */
import { describe, expect, it } from 'vitest';
import { ExhaustiveSolver } from '../../src/adapters/solver/exhaustive/index.js';
import { HighsSolver } from '../../src/adapters/solver/highs/index.js';
import { capacityOf } from '../../src/core/model/capacity.js';
import type { Plan } from '../../src/core/model/plan.js';
import { applyActions, parseScenario, plan, type Scenario } from '../../src/core/planner/index.js';
import { randomScenario } from './random.js';

/** Checks a plan against the scenario from first principles (capacityOf, prices), not through the planner's code. */
function checkAgainstScenario(s: Scenario, p: Plan): string[] {
  const problems: string[] = [];
  const offerings = new Map(s.offerings.map((o) => [o.id, o]));
  for (const pool of s.pools) {
    const fleet = p.targetFleet.filter((f) => f.pool === pool.name);
    const capacityAt = (id: string) => capacityOf(pool.capacity, offerings.get(id)!) ?? 0;
    const capacity = fleet.reduce((sum, f) => sum + f.count * capacityAt(f.offering), 0);
    const count = fleet.reduce((sum, f) => sum + f.count, 0);
    const cost = fleet.reduce((sum, f) => sum + f.count * offerings.get(f.offering)!.pricePerHour, 0);
    const spot = fleet.filter((f) => offerings.get(f.offering)!.purchase === 'spot').reduce((sum, f) => sum + f.count * capacityAt(f.offering), 0);
    const zones = new Set(fleet.map((f) => offerings.get(f.offering)!.zone).filter((z) => z !== null));
    const c = pool.constraints;
    if (capacity < pool.demand / pool.qos.maxUtilization - 1e-6) problems.push(`${pool.name}: capacity ${capacity} < ${pool.demand / pool.qos.maxUtilization}`);
    if (c.minNodes !== undefined && count < c.minNodes) problems.push(`${pool.name}: ${count} < minNodes`);
    if (c.maxNodes !== undefined && count > c.maxNodes) problems.push(`${pool.name}: ${count} > maxNodes`);
    if (c.budgetPerHour !== undefined && cost > c.budgetPerHour + 1e-6) problems.push(`${pool.name}: cost ${cost} > budget`);
    if (c.maxSpotFraction !== undefined && spot > c.maxSpotFraction * capacity + 1e-6) problems.push(`${pool.name}: spot share`);
    if (c.minDistinctZones !== undefined && zones.size < c.minDistinctZones) problems.push(`${pool.name}: zones`);
    for (const f of fleet) {
      const o = offerings.get(f.offering)!;
      const running = s.nodes.filter((n) => n.pool === pool.name && n.offering === o.id && (n.state === 'running' || n.state === 'pending')).length;
      const allowed = (!c.providers || c.providers.includes(o.provider)) && (!c.purchase || c.purchase.includes(o.purchase));
      if (!allowed && f.count > 0) problems.push(`${pool.name}: keeps disallowed ${o.id}`);
      if (f.count > running && capacityAt(o.id) === 0) problems.push(`${pool.name}: starts ${o.id}, which cannot serve it`);
    }
  }
  for (const o of s.offerings) {
    const started = p.actions.reduce((sum, a) => sum + (a.action === 'start' && a.offering === o.id ? a.count : 0), 0);
    if (o.available !== null && started > o.available) problems.push(`${o.id}: starts ${started} > available ${o.available}`);
  }
  return problems;
}

const highs = new HighsSolver();
const exhaustive = new ExhaustiveSolver({ maxCombinations: 50_000_000 });
const SEEDS = Array.from({ length: 200 }, (_, i) => 1000 + i);

describe('planner properties over random small scenarios', () => {
  let feasibleSeen = 0;
  let infeasibleSeen = 0;

  it.each(SEEDS)('seed %i', async (seed) => {
    const s = parseScenario(randomScenario(seed));
    const snapshot = { ...s, now: s.now! };
    const p = await plan(snapshot, {}, highs);
    const brute = await plan(snapshot, {}, exhaustive);
    const why = `seed ${seed}\n${p.explanation.join('\n')}\n--- exhaustive:\n${brute.explanation.join('\n')}`;

    // HiGHS and brute force agree on whether demand can be met, and then on the cost.
    expect(p.feasible, why).toBe(brute.feasible);
    if (brute.feasible) {
      feasibleSeen += 1;
      expect(p.costPerHourAfter, why).toBeCloseTo(brute.costPerHourAfter, 6);
      // A feasible plan exists, so the plan meets every pool's demand / maxUtilization and every constraint.
      expect(checkAgainstScenario(s, p), why).toEqual([]);
    } else {
      infeasibleSeen += 1;
    }

    // Actions applied to the running fleet give exactly the target fleet; starts come before stops.
    const target = [...p.targetFleet].sort((a, b) => (a.pool + a.offering < b.pool + b.offering ? -1 : 1));
    expect(applyActions(s.nodes, p.actions), why).toEqual(target);
    const firstStop = p.actions.findIndex((a) => a.action === 'stop');
    if (firstStop >= 0) expect(p.actions.slice(firstStop).every((a) => a.action === 'stop'), why).toBe(true);
    expect(p.costPerHourAfter, why).toBeCloseTo(p.targetFleet.reduce((sum, f) => sum + f.count * s.offerings.find((o) => o.id === f.offering)!.pricePerHour, 0), 6);

    // Protected nodes are never stopped unless their pool no longer allows their offering; short pools stop nothing.
    const stopped = new Set(p.actions.flatMap((a) => (a.action === 'stop' ? [a.nodeId] : [])));
    for (const id of p.diagnostics.protectedNodes) expect(stopped.has(id), `${why}\nstopped protected ${id}`).toBe(false);
    for (const pool of p.pools.filter((x) => x.shortfall > 0)) {
      expect(p.actions.some((a) => a.action === 'stop' && a.pool === pool.name), `${why}\nshort pool ${pool.name} stops a node`).toBe(false);
    }
  });

  it('covered both feasible and infeasible scenarios', () => {
    expect(feasibleSeen).toBeGreaterThan(10);
    expect(infeasibleSeen).toBeGreaterThan(3);
  });
});
