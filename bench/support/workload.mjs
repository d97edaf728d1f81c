// The benchmarks' workload, shared by bench/planner.mjs and bench/loop.mjs (needs `npm run build`): the same seed
// gives both the same pools and the same node placement. Half the pools serve LLM inference (capacity per GPU
// model, some capped at 50% spot, some limited to one or two providers), half serve a CPU service (capacity per
// vCPU, limited to three regions); running nodes sit on on-demand offerings their pool can use (one of its 40
// cheapest per unit of capacity), about one in ten started within the last 25 minutes. Each bench shapes the
// pools and nodes as its own input (a planning snapshot, loop pools and provider nodes).
import { capacityOf } from '../../dist/core/model/capacity.js';
// The seeded generator the simulated cloud uses (mulberry32, as test/support/prng.ts): same seed, same sequence.
import { seededRandom } from '../../dist/adapters/cloud/sim/random.js';

export const prng = seededRandom;

/** Requests per second one GPU of each model serves, before a pool's own scale. */
export const GPU_CAPACITY = { H200: 16, H100: 11.2, 'A100-80GB': 6, A100: 5, L40S: 4, L4: 1.5, A10G: 1.2, A10: 1.1 };

/**
 * The workload for `seed`: `poolCount` pools and `nodeCount` nodes over `offerings`, node n in pool n % poolCount
 * (none where that pool can use no offering).
 * - pools[p]: `{ name, gpu, capacity, constraints, maxUtilization }` (constraints: providers, regions, purchase,
 *   maxSpotFraction, each where set);
 * - nodes: `{ index, pool, offering, capacity, ageMinutes }`, `pool` the pool's index, `offering` the offering
 *   object, `capacity` what the node serves at full utilisation;
 * - usable[p]: the `{ o, c }` (offering, capacity) the pool's nodes were placed on, cheapest per unit first;
 * - random: the seeded generator, just past the draws made here (a bench's further draws continue it).
 */
export function generateWorkload(offerings, nodeCount, poolCount, seed) {
  const random = prng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const regions = [...new Set(offerings.map((o) => o.region))].sort();
  const pools = [];
  for (let p = 0; p < poolCount; p++) {
    const gpu = p % 2 === 0;
    const constraints = {};
    let capacity;
    if (gpu) {
      const scale = 0.8 + random() * 0.4;
      capacity = { byGpuModel: Object.fromEntries(Object.entries(GPU_CAPACITY).map(([m, c]) => [m, Math.round(c * scale * 100) / 100])) };
      if (random() < 0.33) constraints.maxSpotFraction = 0.5;
      if (random() < 0.5) constraints.providers = random() < 0.5 ? ['aws'] : ['aws', 'gcp'];
    } else {
      capacity = { perVcpu: Math.round((10 + random() * 30) * 10) / 10 };
      constraints.regions = [pick(regions), pick(regions), pick(regions)];
      constraints.purchase = ['on-demand', 'spot'];
      constraints.maxSpotFraction = 0.6;
    }
    pools.push({ name: `${gpu ? 'llm' : 'web'}-${p}`, gpu, capacity, constraints, maxUtilization: gpu ? 0.85 : 0.7 });
  }
  // Offerings each pool can run (allowed, able to serve), cheapest per unit of capacity first.
  const usable = pools.map((pool) => offerings
    .filter((o) => (!pool.constraints.providers || pool.constraints.providers.includes(o.provider))
      && (!pool.constraints.regions || pool.constraints.regions.includes(o.region))
      && (!pool.constraints.purchase || pool.constraints.purchase.includes(o.purchase)) && o.purchase !== 'spot')
    .map((o) => ({ o, c: capacityOf(pool.capacity, o) ?? 0 }))
    .filter((x) => x.c > 0)
    .sort((a, b) => a.o.pricePerHour / a.c - b.o.pricePerHour / b.c)
    .slice(0, 40));
  const nodes = [];
  for (let n = 0; n < nodeCount; n++) {
    const p = n % poolCount;
    if (usable[p].length === 0) continue;
    const { o, c } = pick(usable[p]);
    const ageMinutes = random() < 0.1 ? random() * 25 : 60 + random() * 2880;
    nodes.push({ index: n, pool: p, offering: o, capacity: c, ageMinutes });
  }
  return { pools, nodes, usable, random };
}
