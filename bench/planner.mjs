// Planner benchmark (issue #4): plan() latency and proven optimality gap for 10 / 100 / 1,000 running nodes
// and 1 / 10 / 50 pools over the full bundled catalog, solved by HiGHS. Run after `npm run build`:
//
//   npm run bench:planner                 # every size, 5 timed runs each (median reported)
//   node bench/planner.mjs --runs 3 --gap 0.01
//
// The workload is generated from a fixed seed (bench/support/workload.mjs, shared with bench/loop.mjs): half the
// pools serve LLM inference (capacity per GPU model, some capped at 50% spot, some limited to one or two
// providers), half serve a CPU service (capacity per vCPU, limited to three regions); running nodes sit on
// offerings those pools can use, some started within the minimum lifetime; each pool's demand is 60–130% of what
// its nodes serve at its utilisation target.
// If dist/adapters/catalog/bundled.js is missing, a synthetic catalog stands in, and the output says so.
import { performance } from 'node:perf_hooks';
import { plan } from '../dist/core/planner/index.js';
import { HighsSolver, loadHighs } from '../dist/adapters/solver/highs/index.js';
import { generateWorkload, prng } from './support/workload.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = flag('runs', 5);
const GAP = flag('gap', 1e-4);
const TIME_LIMIT_MS = flag('time-limit-ms', 10_000);

async function loadCatalog() {
  try {
    const { readBundledOfferings } = await import('../dist/adapters/catalog/bundled.js');
    const { offerings } = readBundledOfferings();
    return { offerings, note: `bundled catalog, ${offerings.length} offerings` };
  } catch (error) {
    return { offerings: syntheticCatalog(), note: `SYNTHETIC catalog (bundled catalog not available: ${error.message})` };
  }
}

/** A stand-in with the bundled catalog's shape: 3 providers × 12 regions × ~300 shapes × 3 purchase options. */
function syntheticCatalog() {
  const r = prng(7);
  const out = [];
  const gpus = [['H100', 11], ['A100', 4], ['L4', 0.9], ['L40S', 2], ['A10G', 1.1], ['H200', 14]];
  for (const provider of ['aws', 'gcp', 'azure']) {
    for (let g = 0; g < 12; g++) {
      const region = `${provider}-region-${g}`;
      for (let s = 0; s < 300; s++) {
        const gpu = s % 5 === 0 ? gpus[s % gpus.length] : null;
        const count = gpu ? [1, 2, 4, 8][s % 4] : 0;
        const vcpus = gpu ? 8 * count : 2 ** (1 + (s % 8));
        const base = gpu ? gpu[1] * count : vcpus * (0.03 + r() * 0.03);
        for (const purchase of ['on-demand', 'spot', 'reserved']) {
          const price = base * (purchase === 'spot' ? 0.35 + r() * 0.3 : purchase === 'reserved' ? 0.6 : 1) * (0.9 + r() * 0.2);
          out.push({
            id: `${provider}:${region}:shape${s}:${purchase}`, provider, region, zone: null, instanceType: `shape${s}`, vcpus,
            memoryGiB: vcpus * 4, gpu: gpu ? { model: gpu[0], count } : null, purchase, term: purchase === 'reserved' ? '1y' : null,
            pricePerHour: Math.round(price * 1e4) / 1e4, available: null, source: 'synthetic', asOf: null,
          });
        }
      }
    }
  }
  return out;
}

/** The shared workload (bench/support/workload.mjs) as a planning snapshot, each pool's demand drawn after the placement. */
function workload(offerings, nodeCount, poolCount, seed) {
  const generated = generateWorkload(offerings, nodeCount, poolCount, seed);
  const r = generated.random;
  const pools = generated.pools.map((g) => ({
    name: g.name, unit: 'req/s', demand: 0, capacity: g.capacity, qos: { maxUtilization: g.maxUtilization }, constraints: { minNodes: 1, ...g.constraints },
  }));
  const now = Date.parse('2026-06-01T12:00:00Z');
  const served = pools.map(() => 0);
  const nodes = generated.nodes.map((n) => {
    served[n.pool] += n.capacity;
    return { id: `node-${n.index}`, pool: pools[n.pool].name, offering: n.offering.id, state: 'running', startedAt: new Date(now - n.ageMinutes * 60_000).toISOString() };
  });
  for (const [p, pool] of pools.entries()) {
    const base = served[p] > 0 ? served[p] * pool.qos.maxUtilization : (generated.usable[p][0]?.c ?? 1);
    pool.demand = Math.round(base * (0.6 + r() * 0.7) * 100) / 100;
  }
  return { offerings, pools, nodes, now: new Date(now).toISOString() };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { offerings, note } = await loadCatalog();
let began = performance.now();
await loadHighs();
const loadMs = performance.now() - began;
const solver = new HighsSolver();
const options = { relativeGap: GAP, timeLimitMs: TIME_LIMIT_MS };
console.log(`planner benchmark — ${note}; HiGHS, relativeGap ${GAP}, time limit ${TIME_LIMIT_MS} ms, ${RUNS} timed runs per size (median), node ${process.version}`);

// Cold: the first plan in a fresh process (HiGHS' WebAssembly is loaded but V8 has not optimised it yet, and
// the catalog's planner index is not built). Then warm up, as a long-running service is.
const largest = workload(offerings, 1000, 50, 1000 * 100 + 50);
began = performance.now();
await plan(largest, options, solver);
console.log(`cold: HiGHS load ${loadMs.toFixed(0)} ms; first plan (1000 nodes, 50 pools) ${(performance.now() - began).toFixed(0)} ms`);
for (let i = 0; i < 3; i++) await plan(largest, options, solver);
console.log('nodes  pools  median ms  min ms  max ms  solver ms  gap      status    solves  vars  rows  candidates  pruned  actions  feasible');
for (const nodeCount of [10, 100, 1000]) {
  for (const poolCount of [1, 10, 50]) {
    const snapshot = workload(offerings, nodeCount, poolCount, nodeCount * 100 + poolCount);
    await plan(snapshot, options, solver); // this size's own first run (builds nothing new, but keeps runs alike)
    const times = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      const began = performance.now();
      last = await plan(snapshot, options, solver);
      times.push(performance.now() - began);
    }
    const s = last.diagnostics.solver;
    console.log([
      String(nodeCount).padStart(5), String(poolCount).padStart(5), median(times).toFixed(1).padStart(10), Math.min(...times).toFixed(1).padStart(7),
      Math.max(...times).toFixed(1).padStart(7), s.timeMs.toFixed(1).padStart(10), (s.gap === null ? 'n/a' : `${(s.gap * 100).toFixed(3)}%`).padStart(8),
      s.status.padEnd(9), String(s.solves).padStart(6), String(s.variables).padStart(5), String(s.constraints).padStart(5),
      String(s.candidateOfferings).padStart(11), String(s.prunedOfferings).padStart(7), String(last.actions.length).padStart(8), String(last.feasible).padStart(9),
    ].join('  '));
  }
}
