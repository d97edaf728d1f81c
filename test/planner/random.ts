/** Random small scenarios from a seed (mulberry32), for the planner's property tests. */
import { minutesAgo, node, NOW, offering, type NodeDoc, type OfferingDoc, type PoolDoc } from './fixtures.js';

import { prng } from '../support/prng.js';

export { prng };

export function randomScenario(seed: number): Record<string, unknown> {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const poolCount = int(1, 2);
  const offerings: OfferingDoc[] = Array.from({ length: int(2, 3) }, (_, i) => offering(`o${i}`, int(1, 40) / 4, {
    provider: pick(['aws', 'gcp']),
    purchase: r() < 0.3 ? 'spot' : pick(['on-demand', 'on-demand', 'owned']),
    zone: pick(['z1', 'z2', null]),
    available: r() < 0.3 ? null : int(0, 3),
  }));
  const pools: PoolDoc[] = [];
  const nodes: NodeDoc[] = [];
  for (let p = 0; p < poolCount; p++) {
    const byOffering: Record<string, number> = {};
    for (const o of offerings) if (r() < 0.8) byOffering[o.id] = int(1, 12);
    if (Object.keys(byOffering).length === 0) byOffering[offerings[0]!.id] = 5;
    const maxNodes = poolCount === 1 ? int(2, 4) : int(2, 3);
    // Without maxNodes, the planner's own bound on new nodes (formulate.ts, newNodeBounds) keeps the model finite.
    const constraints: Record<string, unknown> = r() < 0.6 ? { maxNodes } : {};
    if (r() < 0.4) constraints.minNodes = int(0, 2);
    if (r() < 0.3) constraints.minDistinctZones = int(1, 2);
    if (r() < 0.3) constraints.maxSpotFraction = pick([0, 0.25, 0.5, 0.75]);
    if (r() < 0.25) constraints.budgetPerHour = int(2, 30);
    if (r() < 0.2) constraints.providers = ['aws'];
    pools.push({ name: `p${p}`, unit: 'req/s', demand: int(0, 30), capacity: { byOffering }, qos: { maxUtilization: pick([0.5, 0.8, 1]) }, constraints });
    for (let n = int(0, 2); n > 0; n--) {
      nodes.push(node(`n${p}-${n}`, `p${p}`, pick(offerings).id, {
        state: pick(['running', 'running', 'running', 'pending', 'stopped']),
        startedAt: pick([minutesAgo(5), minutesAgo(120), minutesAgo(2000), null]),
      }));
    }
  }
  return { now: NOW, offerings, pools, nodes };
}

