#!/usr/bin/env node
// Price catalog benchmark (docs/benchmarks.md, "Price catalog"): loading the bundled catalog, and filtered
// queries over all of it.
//
//   npm run bench:catalog                        # builds, then runs this file
//   node bench/catalog.mjs [--loads 5] [--runs 200] [--json]
//
// Needs `npm run build` first (imports dist/ only). Load: --loads fresh node processes each import the loader
// and time loadBundledCatalog() (read, SHA-256 check, gunzip, validate every row, build the indexes): cold,
// median reported. Queries: in this process, 20 warm-up runs then --runs timed runs of each query; median and
// p99 reported. Targets (issue #3): load < 1 s, a filtered query < 5 ms.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLED = pathToFileURL(join(ROOT, 'dist', 'adapters', 'catalog', 'bundled.js')).href;
const CORE = pathToFileURL(join(ROOT, 'dist', 'core', 'catalog', 'index.js')).href;

const { values } = parseArgs({ options: {
  loads: { type: 'string', default: '5' }, runs: { type: 'string', default: '200' }, json: { type: 'boolean', default: false },
} });
const LOADS = Number(values.loads);
const RUNS = Number(values.runs);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const p99 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]; };

// Cold loads, each in its own process.
const child = `const t0 = performance.now(); const m = await import(${JSON.stringify(BUNDLED)}); const t1 = performance.now();
const r = m.loadBundledCatalog(); const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, offerings: r.catalog.offerings.length, problems: r.problems.length, rssMiB: process.memoryUsage().rss / 1048576 }));`;
const loads = [];
for (let i = 0; i < LOADS; i += 1) {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`load run failed: ${res.stderr}`);
  loads.push(JSON.parse(res.stdout));
}

const { loadBundledCatalog } = await import(BUNDLED);
const { queryOfferings, cheapest, rankByPricePerformance } = await import(CORE);
const { catalog } = loadBundledCatalog();

const queries = [
  { name: 'gpu=H100 purchase=spot sort=price (page of 100)', run: () => queryOfferings(catalog, { gpu: 'H100', purchase: ['spot'] }, { sort: 'price', limit: 100 }) },
  { name: 'min-vcpus=64 region=us-east-1 (page of 100)', run: () => queryOfferings(catalog, { minVcpus: 64, regions: ['us-east-1'] }, { limit: 100 }) },
  { name: 'provider=azure min-memory=256 sort=price-per-vcpu', run: () => queryOfferings(catalog, { providers: ['azure'], minMemoryGiB: 256 }, { sort: 'price-per-vcpu', limit: 100 }) },
  { name: 'no filter, sort=price-per-gpu (full sort)', run: () => queryOfferings(catalog, {}, { sort: 'price-per-gpu', limit: 100 }) },
  { name: 'cheapest gpu=H100 count=8', run: () => cheapest(catalog, { gpu: 'H100', gpus: 8 }, 10) },
  { name: 'price-performance, whole catalog (byGpuModel H200/H100)', run: () => rankByPricePerformance(catalog, { byGpuModel: { H200: 100, H100: 11.2 } }, { limit: 10 }) },
];
const results = [];
for (const q of queries) {
  let matches = 0;
  for (let i = 0; i < 20; i += 1) q.run();
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const t = performance.now();
    const r = q.run();
    times.push(performance.now() - t);
    matches = r.total ?? r.ranked?.length ?? 0;
  }
  results.push({ query: q.name, matches, medianMs: median(times), p99Ms: p99(times) });
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const load = { offerings: loads[0].offerings, refusedRows: loads[0].problems, importMedianMs: median(loads.map((l) => l.importMs)), loadMedianMs: median(loads.map((l) => l.loadMs)),
  loadMinMs: Math.min(...loads.map((l) => l.loadMs)), loadMaxMs: Math.max(...loads.map((l) => l.loadMs)), rssMiB: median(loads.map((l) => l.rssMiB)) };
if (values.json) {
  process.stdout.write(`${JSON.stringify({ machine, load, queries: results }, null, 2)}\n`);
} else {
  console.log(`machine: ${machine}`);
  console.log(`load (cold, ${LOADS} processes): ${load.offerings} offerings, ${load.refusedRows} refused; median ${load.loadMedianMs.toFixed(0)} ms (min ${load.loadMinMs.toFixed(0)}, max ${load.loadMaxMs.toFixed(0)}) + ${load.importMedianMs.toFixed(0)} ms module import; RSS after load ${load.rssMiB.toFixed(0)} MiB`);
  console.log(`queries (${RUNS} runs each after 20 warm-up):`);
  for (const r of results) console.log(`  ${r.query.padEnd(58)} ${String(r.matches).padStart(7)} matches  median ${r.medianMs.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms`);
}
const slow = results.filter((r) => r.medianMs >= 5);
if (load.loadMedianMs >= 1000 || slow.length > 0) {
  console.error(`over target: load ${load.loadMedianMs.toFixed(0)} ms (target < 1000), slow queries: ${slow.map((r) => r.query).join('; ') || 'none'}`);
  process.exitCode = 1;
}
