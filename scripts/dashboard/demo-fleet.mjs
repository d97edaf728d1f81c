// A demo-like fleet for the dashboard: the end-to-end tests (test/e2e/dashboard.test.ts) and the screenshots
// (scripts/dashboard/screenshots.mjs) seed the same data. Types: demo-fleet.d.mts. Needs `dist/` (npm run build).
import { seededRandom } from '../../dist/adapters/cloud/sim/random.js';

/** Shapes a seeded fleet is drawn from: provider, region, type, purchase, vCPUs, GiB, GPU, $/h. */
const SHAPES = [
  { provider: 'aws', region: 'us-east-1', type: 'p5.48xlarge', purchase: 'on-demand', vcpus: 192, mem: 2048, gpu: { model: 'H100', count: 8 }, price: 98.32 },
  { provider: 'aws', region: 'us-west-2', type: 'g6.xlarge', purchase: 'spot', vcpus: 4, mem: 16, gpu: { model: 'L4', count: 1 }, price: 0.36 },
  { provider: 'aws', region: 'eu-west-1', type: 'm7i.2xlarge', purchase: 'on-demand', vcpus: 8, mem: 32, gpu: null, price: 0.4032 },
  { provider: 'gcp', region: 'us-central1', type: 'a3-highgpu-8g', purchase: 'on-demand', vcpus: 208, mem: 1872, gpu: { model: 'H100', count: 8 }, price: 88.25 },
  { provider: 'gcp', region: 'europe-west4', type: 'n2-standard-8', purchase: 'spot', vcpus: 8, mem: 32, gpu: null, price: 0.0971 },
  { provider: 'azure', region: 'eastus', type: 'Standard_ND96isr_H200_v5', purchase: 'on-demand', vcpus: 96, mem: 1850, gpu: { model: 'H200', count: 8 }, price: 110.24 },
  { provider: 'azure', region: 'westeurope', type: 'Standard_D8s_v5', purchase: 'reserved', vcpus: 8, mem: 32, gpu: null, price: 0.221 },
  { provider: 'digitalocean', region: 'nyc3', type: 'gpu-h100x1-80gb', purchase: 'on-demand', vcpus: 20, mem: 240, gpu: { model: 'H100', count: 1 }, price: 3.39 },
  { provider: 'baremetal', region: 'dc-fra1', type: 'dell-xe9680', purchase: 'owned', vcpus: 112, mem: 2048, gpu: { model: 'A100-80GB', count: 8 }, price: 4.1 },
];
export const DEMO_POOLS = ['llm-inference', 'embeddings', 'batch', 'web'];

/** `count` nodes, reproducible for a seed: mostly running, some pending/stopped, across five providers and four pools. */
export function seededFleet(count, seed = 9, at = new Date()) {
  const random = seededRandom(seed);
  const nodes = [];
  for (let i = 0; i < count; i++) {
    const shape = SHAPES[Math.floor(random() * SHAPES.length)];
    const pool = shape.gpu ? DEMO_POOLS[Math.floor(random() * 2)] : DEMO_POOLS[2 + Math.floor(random() * 2)];
    const r = random();
    const state = r < 0.9 ? 'running' : r < 0.95 ? 'pending' : 'stopped';
    const id = `${shape.provider.slice(0, 3)}-${String(i).padStart(4, '0')}`;
    nodes.push({
      id, provider: shape.provider, region: shape.region, zone: null, instanceType: shape.type,
      offeringId: `${shape.provider}:${shape.region}:${shape.type}:${shape.purchase}`, pool, state,
      labels: { 'governator:pool': pool }, vcpus: shape.vcpus, memoryGiB: shape.mem, gpu: shape.gpu ? { ...shape.gpu } : null,
      pricePerHour: shape.price, startedAt: new Date(at.getTime() - Math.floor(random() * 7 * 86_400_000)), updatedAt: at,
    });
  }
  return nodes;
}

/** Utilisation samples (0..1, a daily wave plus noise) for each running node over the last `hours`, as a JSON ingest body. */
export function utilisationSeries(nodes, options) {
  const random = seededRandom(options.seed ?? 5);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return {
    series: nodes.filter((n) => n.state === 'running').map((n, k) => {
      const base = 0.3 + random() * 0.5;
      const samples = [];
      for (let t = now - options.hours * 3600; t <= now; t += options.stepSeconds) {
        const v = base + 0.2 * Math.sin((t / 86_400) * 2 * Math.PI + k) + (random() - 0.5) * 0.08;
        samples.push([t, Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000]);
      }
      return { metric: options.metric, labels: { governator_node: n.id, pool: n.pool ?? '' }, samples };
    }),
  };
}

/**
 * The fleet's hourly cost by provider, pool and purchase option over the last `hours` (the series the server
 * records as `governator_fleet_cost_dollars_per_hour`), as a JSON ingest body: today's cost with a daily swing,
 * so the Cost page has a history before the server has run for a day.
 */
export function costHistorySeries(nodes, options) {
  const random = seededRandom(options.seed ?? 7);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const groups = new Map();
  for (const n of nodes) {
    if (n.state === 'stopped') continue;
    const purchase = n.offeringId.split(':')[3] ?? 'unknown';
    const key = `${n.provider}|${n.pool}|${purchase}`;
    groups.set(key, (groups.get(key) ?? 0) + (n.pricePerHour ?? 0));
  }
  return {
    series: [...groups.entries()].map(([key, cost], k) => {
      const [provider, pool, purchase] = key.split('|');
      const samples = [];
      for (let t = now - options.hours * 3600; t <= now; t += options.stepSeconds) {
        const swing = purchase === 'owned' || purchase === 'reserved' ? 0 : 0.25 * Math.sin((t / 86_400) * 2 * Math.PI + k);
        samples.push([t, Math.round(cost * (1 + swing + (random() - 0.5) * 0.04) * 100) / 100]);
      }
      return { metric: options.metric, labels: { provider, pool, purchase }, samples };
    }),
  };
}
