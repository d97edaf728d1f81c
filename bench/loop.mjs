// Control-loop benchmark (issue #8): the latency of one ControlLoop iteration, end to end, at 1,000 nodes and
// 50 pools. Run after `npm run build`:
//
//   npm run bench:loop                         # 12 timed iterations (p50 / p95 / max), headroom forecaster
//   node bench/loop.mjs --iterations 20 --forecaster ensemble --gap 0.01
//
// Composed as `governator serve` composes it (src/bootstrap/loop.ts): an embedded database (PGlite, migrated)
// with the telemetry service over it; the `sim` provider holding 1,000 running nodes over the bundled catalog;
// the provider inventory (lists the provider, keeps the nodes table in step); the series-store telemetry (each
// pool's demand history on the loop's 30 s grid, the nodes' utilisation and the pools' p95 latency from the hot
// window); the forecaster; plan() on HiGHS over the full catalog; decisions recorded in deployment_decisions;
// the action engine as executor, every pool in `recommend` mode (plans journalled, nothing run).
//
// The workload is the planner benchmark's (bench/support/workload.mjs, fixed seed): half GPU pools, half CPU pools.
// Before the run, 24 h of demand (30 s steps, a daily wave) per pool, 10 min of utilisation per node and of
// p95 latency per pool are ingested and made durable. Loop time is simulated (a FakeClock moved one 30 s interval
// per iteration); before each iteration that interval's samples are ingested: one demand sample per pool,
// alternating between 130% and 60% of what the pool's nodes serve, so EVERY pool is short or has a spare node in
// EVERY iteration — no pool takes the steady shortcut and each iteration solves all 50 (the worst case) — plus a
// p95 latency per pool and a utilisation per node. Timed: `loop.runOnce()` wall and CPU time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readBundledOfferings } from '../dist/adapters/catalog/bundled.js';
import { FakeClock } from '../dist/adapters/clock/fake.js';
import { createSimProvider } from '../dist/adapters/cloud/sim/index.js';
import { staticProviders } from '../dist/app/actions/providers.js';
import { DEFAULT_POOL_ACTUATION } from '../dist/app/actions/policy.js';
import { ActionEngineExecutor } from '../dist/app/loop/engine-executor.js';
import { ProviderInventory } from '../dist/app/loop/inventory.js';
import { SeriesLoopTelemetry } from '../dist/app/loop/series-telemetry.js';
import { createActionEngine } from '../dist/bootstrap/actions.js';
import { createSolver } from '../dist/bootstrap/planner.js';
import { plan as planFleet } from '../dist/core/planner/plan.js';
import { createControlLoopFromRuntime } from '../dist/bootstrap/loop.js';
import { createRuntime } from '../dist/bootstrap/runtime.js';
import { loadConfig, parseDuration } from '../dist/config/load.js';
import { generateWorkload, prng } from './support/workload.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ITERATIONS = Math.max(10, Number(opt('iterations', 12)));
const FORECASTER = opt('forecaster', 'headroom');
const GAP = opt('gap', undefined);
const NODES = Number(opt('nodes', 1000));
const POOLS = Number(opt('pools', 50));
const STEP_MS = 30_000;

/** The shared workload (bench/support/workload.mjs, as the planner benchmark's) as loop pools and nodes to seed. */
function workload(offerings, nodeCount, poolCount, seed) {
  const generated = generateWorkload(offerings, nodeCount, poolCount, seed);
  const pools = generated.pools.map((g, p) => ({
    name: g.name, unit: 'req/s',
    demand: { metric: 'bench_demand', labels: { pool: g.name }, aggregate: 'sum' },
    capacity: g.capacity,
    // Every fourth pool learns its capacity from utilisation (reads each node's utilisation series).
    learnCapacity: p % 4 === 1,
    utilization: p % 4 === 1 ? { metric: 'bench_node_utilization', percent: false } : null,
    qos: { maxUtilization: g.maxUtilization, metric: { metric: 'bench_latency_p95_ms', labels: { pool: g.name }, target: 400, aggregate: 'max' } },
    constraints: g.constraints,
    actuation: { ...DEFAULT_POOL_ACTUATION, mode: 'recommend', minNodes: 1 },
    leadTimeSeconds: null,
    nodeSelector: null,
  }));
  const served = pools.map(() => 0);
  const nodes = generated.nodes.map((n) => {
    served[n.pool] += n.capacity * pools[n.pool].qos.maxUtilization;
    return { pool: pools[n.pool].name, offeringId: n.offering.id, ageMs: n.ageMinutes * 60_000 };
  });
  return { pools, nodes, served };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

const dir = mkdtempSync(join(tmpdir(), 'governator-bench-loop-'));
try {
  const { offerings } = readBundledOfferings();
  const configFile = join(dir, 'governator.toml');
  writeFileSync(configFile, `[database]\ndata_dir = ${JSON.stringify(join(dir, 'db'))}\n[loop]\ninterval = "30s"\n`);
  const { config } = loadConfig({ flags: { config: configFile }, env: {}, cwd: dir });
  // Loop time is simulated: each iteration happens one loop interval (30 s) after the previous, with that
  // interval's samples just ingested, as in a running service; only the wall time of the work is measured.
  const clock = new FakeClock(new Date(Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS / 2));
  let began = performance.now();
  const runtime = await createRuntime(config, { migrate: true, clock });
  await runtime.telemetry.start();
  const openMs = performance.now() - began;

  const { pools, nodes: placed, served } = workload(offerings, NODES, POOLS, NODES * 100 + POOLS);
  const now = clock.now().getTime();
  const sim = createSimProvider({ name: 'sim', offerings, clock: runtime.clock, seed: 1, spot: { enabled: false } });
  const seeded = sim.seed(placed.map((n) => ({ pool: n.pool, offeringId: n.offeringId, state: 'running', launchedAt: new Date(now - n.ageMs) })));

  // Telemetry: 24 h of demand per pool, 10 min of utilisation per node and p95 latency per pool.
  began = performance.now();
  const batch = [];
  const dayPoints = 24 * 3600_000 / STEP_MS;
  const t0 = Math.floor(now / STEP_MS) * STEP_MS - (dayPoints - 1) * STEP_MS;
  const r = prng(42);
  for (const [p, pool] of pools.entries()) {
    const ts = new Float64Array(dayPoints);
    const values = new Float64Array(dayPoints);
    for (let i = 0; i < dayPoints; i++) {
      ts[i] = t0 + i * STEP_MS;
      values[i] = served[p] * (0.75 + 0.2 * Math.sin((i / dayPoints) * 2 * Math.PI + p) + (r() - 0.5) * 0.04);
    }
    batch.push({ metric: 'bench_demand', labels: [['pool', pool.name]], ts, values });
    const recentTs = Array.from({ length: 20 }, (_, i) => now - (19 - i) * STEP_MS);
    batch.push({ metric: 'bench_latency_p95_ms', labels: [['pool', pool.name]], ts: recentTs, values: recentTs.map(() => 120 + r() * 60) });
  }
  for (const node of seeded) {
    const recentTs = Array.from({ length: 20 }, (_, i) => now - (19 - i) * STEP_MS);
    batch.push({ metric: 'bench_node_utilization', labels: [['governator_node', node.id], ['pool', node.pool]], ts: recentTs, values: recentTs.map(() => 0.4 + r() * 0.4) });
  }
  const ingested = runtime.telemetry.ingest.ingest(batch, 'json');
  await ingested.durable;
  const samples = ingested.accepted;
  const ingestMs = performance.now() - began;

  const byId = new Map(offerings.map((o) => [o.id, o]));
  const engine = createActionEngine({
    config: config.actions, store: runtime.store, clock: runtime.clock, providers: [sim], offerings: (id) => byId.get(id),
  });
  // The same parts createControlLoopFromRuntime builds by default, each behind a timer, for the breakdown.
  const spent = { inventory: 0, telemetry: 0, plan: 0, execute: 0 };
  const timed = (key, fn) => async (...a) => {
    const t = performance.now();
    try {
      return await fn(...a);
    } finally {
      spent[key] += performance.now() - t;
    }
  };
  const inventory = new ProviderInventory({ providers: staticProviders([sim]), nodes: runtime.store.nodes, offerings: (id) => byId.get(id), clock: runtime.clock });
  const series = new SeriesLoopTelemetry({ query: runtime.telemetry.query, stepMs: 30_000 });
  const executor = new ActionEngineExecutor({ engine, journal: runtime.store.actions });
  const solver = createSolver();
  const handle = createControlLoopFromRuntime(runtime, config, {
    providers: staticProviders([sim]), actions: engine, offerings: () => offerings, pools, forecaster: FORECASTER,
    ...(GAP === undefined ? {} : { planOptions: { relativeGap: Number(GAP) } }),
    inventory: { refresh: timed('inventory', (p) => inventory.refresh(p)) },
    telemetry: {
      demandHistory: timed('telemetry', (p, t) => series.demandHistory(p, t)),
      nodeUtilization: timed('telemetry', (p, ids, t) => series.nodeUtilization(p, ids, t)),
      qosValue: timed('telemetry', (p, t) => series.qosValue(p, t)),
    },
    plan: timed('plan', (snapshot, options) => planFleet(snapshot, options, solver)),
    executor: { submit: timed('execute', (input) => executor.submit(input)) },
  });
  const loop = handle.loop;

  // Before each iteration: the clock moves one interval on, and that interval's samples arrive — one demand
  // sample per pool at 130% (short) or 60% (a spare node) of what it serves, a p95 latency per pool and a
  // utilisation per node.
  // Samples for the loop intervals up to the clock's new time: one demand sample per pool per interval at
  // `factor` × what its nodes serve, a p95 latency per pool and a utilisation per node.
  const REPLAN_MS = parseDuration(config.loop.replan_interval);
  const advance = async (ms, factor) => {
    const batch = [];
    for (let t = STEP_MS; t <= ms; t += STEP_MS) {
      const at = clock.now().getTime() + t - 1000;
      for (const [p, pool] of pools.entries()) {
        batch.push({ metric: 'bench_demand', labels: [['pool', pool.name]], ts: [at], values: [served[p] * factor] });
        batch.push({ metric: 'bench_latency_p95_ms', labels: [['pool', pool.name]], ts: [at], values: [120 + r() * 60] });
      }
      for (const node of seeded) batch.push({ metric: 'bench_node_utilization', labels: [['governator_node', node.id], ['pool', node.pool]], ts: [at], values: [0.4 + r() * 0.4] });
    }
    clock.advance(ms);
    await runtime.telemetry.ingest.ingest(batch, 'json').durable;
  };

  console.log(`control-loop benchmark — ${seeded.length} nodes, ${pools.length} pools, bundled catalog ${offerings.length} offerings, `
    + `forecaster ${FORECASTER}, solver gap ${GAP ?? 'default (0.01%)'}, ${ITERATIONS} timed iterations of each kind, node ${process.version}`);
  console.log(`set-up: database open + migrate ${openMs.toFixed(0)} ms; ${samples} telemetry samples ingested and durable in ${ingestMs.toFixed(0)} ms`);

  // Cold: the process's first iteration (HiGHS' WebAssembly loads, the catalog index and the nodes table are
  // built, a day of demand history is read per pool). Then one more untimed, as a long-running service is warm.
  await advance(STEP_MS, 1.0);
  began = performance.now();
  const coldCpu = process.cpuUsage();
  let report = await loop.runOnce();
  const coldMs = performance.now() - began;
  const coldDelta = process.cpuUsage(coldCpu);
  const coldCpuMs = (coldDelta.user + coldDelta.system) / 1000;
  console.log(`cold: first iteration ${coldMs.toFixed(0)} ms, cpu ${coldCpuMs.toFixed(0)} ms (${report.pools.filter((p) => p.result === 'planned').length} pools planned, `
    + `${report.plan?.actions.length ?? 0} actions): inventory ${spent.inventory.toFixed(0)} ms, `
    + `telemetry reads ${spent.telemetry.toFixed(0)} ms, plan ${spent.plan.toFixed(0)} ms, executor ${spent.execute.toFixed(0)} ms`);
  await advance(STEP_MS, 1.0);
  await loop.runOnce();

  // Two kinds of iteration, alternating:
  // - re-plan: every pool's periodic re-plan falls due in the same iteration (in serve this happens every
  //   loop.replan_interval, since all pools were first planned together) and each pool's demand has moved to
  //   130% or 60% of what its nodes serve, so all 50 pools are solved, with hundreds of actions: the worst case;
  // - steady: 30 s later at the same demand: pools whose plan stands skip the solver (the usual iteration).
  const kinds = { replan: newStats(), steady: newStats() };
  let rssPeak = process.memoryUsage().rss;
  for (let i = 0; i < ITERATIONS; i++) {
    const factor = i % 2 === 0 ? 1.3 : 0.6;
    await advance(REPLAN_MS, factor);
    await timeIteration(kinds.replan);
    await advance(STEP_MS, factor);
    await timeIteration(kinds.steady);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const decisions = await runtime.store.decisions.listRecent(1000);
  const plans = await runtime.store.actions.listPlans({ limit: 1000 });
  const load = loadavg()[0];
  console.log('iteration  runs  p50 ms  p95 ms  max ms  cpu p50 ms  solver p50 ms  planned/iter  steady/iter  actions/iter');
  for (const [kind, st] of Object.entries(kinds)) {
    console.log([
      kind.padEnd(9), String(st.times.length).padStart(4), quantile(st.times, 0.5).toFixed(0).padStart(7), quantile(st.times, 0.95).toFixed(0).padStart(7),
      Math.max(...st.times).toFixed(0).padStart(7), quantile(st.cpu, 0.5).toFixed(0).padStart(11), quantile(st.solver, 0.5).toFixed(0).padStart(14),
      (st.planned / ITERATIONS).toFixed(1).padStart(13), (st.steady / ITERATIONS).toFixed(1).padStart(12), (st.actions / ITERATIONS).toFixed(0).padStart(13),
    ].join('  '));
  }
  for (const [kind, st] of Object.entries(kinds)) {
    const per = (ms) => (ms / ITERATIONS).toFixed(0);
    const rest = st.times.reduce((a, v) => a + v, 0) - Object.values(st.spent).reduce((a, v) => a + v, 0);
    console.log(`${kind}, mean per iteration: inventory ${per(st.spent.inventory)} ms, telemetry reads ${per(st.spent.telemetry)} ms, `
      + `plan ${per(st.spent.plan)} ms (solver ${(st.solver.reduce((a, v) => a + v, 0) / ITERATIONS).toFixed(0)} ms), executor ${per(st.spent.execute)} ms, `
      + `forecasts + decision record + loop ${per(rest)} ms`);
  }
  const worst = Math.max(...kinds.replan.times, ...kinds.steady.times);
  console.log(`rss peak ${mib(rssPeak)}; machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; 1-min load average at the end ${load.toFixed(1)}`);
  console.log(`recorded: ${decisions.length} decisions, ${plans.length} recommended action plans; target < 2000 ms per iteration: `
    + `${worst < 2000 ? 'met' : 'NOT met'} (max ${worst.toFixed(0)} ms)`);

  function newStats() {
    return { times: [], cpu: [], solver: [], planned: 0, steady: 0, actions: 0, spent: { inventory: 0, telemetry: 0, plan: 0, execute: 0 } };
  }
  async function timeIteration(st) {
    for (const k of Object.keys(spent)) spent[k] = 0;
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const rep = await loop.runOnce();
    st.times.push(performance.now() - t);
    const cpu = process.cpuUsage(cpu0);
    st.cpu.push((cpu.user + cpu.system) / 1000);
    st.solver.push(rep.plan?.diagnostics.solver.timeMs ?? 0);
    st.planned += rep.pools.filter((p) => p.result === 'planned').length;
    st.steady += rep.pools.filter((p) => p.result === 'steady').length;
    st.actions += rep.plan?.actions.length ?? 0;
    for (const k of Object.keys(spent)) st.spent[k] += spent[k];
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(rep.pools.slice(0, 2)));
  }
  await handle.stop();
  await runtime.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
