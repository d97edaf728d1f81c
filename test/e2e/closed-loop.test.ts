/**
 * The closed loop for real (issue #8 part 5; docs/loop.md "Closed loop end to end"): worker processes started
 * by the `local` provider serve HTTP with a fixed capacity each (test/fixtures/loop/worker.mjs); a load
 * generator ramps the request rate up and back down; a real Prometheus (Debian package) scrapes the workers;
 * Governator pulls the pool's demand (and its p95 latency as the QoS metric) with PromQL into its series store,
 * and the control loop (pool in `auto` mode) plans from it and has the action engine start and stop workers.
 *
 * Asserts: the worker count rose above the minimum during the ramp and fell back after it; the p95 latency the
 * load generator measured stayed within its target; the journal and the real processes agree (every live worker
 * was started by a succeeded action and not stopped since, no action left open, no process left at the end).
 *
 * Without prometheus on PATH the suite is skipped, saying why, except under CI=true, where it fails.
 */
import { request } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../src/adapters/cloud/local/index.js';
import { staticProviders } from '../../src/app/actions/providers.js';
import { HeadroomForecaster } from '../../src/app/loop/forecaster.js';
import type { IterationReport } from '../../src/app/loop/loop.js';
import { createActionEngine } from '../../src/bootstrap/actions.js';
import { createControlLoopFromRuntime, withPoolQueries } from '../../src/bootstrap/loop.js';
import { createRuntime, type Runtime } from '../../src/bootstrap/runtime.js';
import { loadConfig } from '../../src/config/load.js';
import type { Offering } from '../../src/core/model/offering.js';
import { freePort, startPrometheus, which, type RunningProcess } from '../support/prometheus.js';

const WORKER = fileURLToPath(new URL('../fixtures/loop/worker.mjs', import.meta.url));
const PROMETHEUS = which('prometheus');
const HOW_TO = 'install the Debian package prometheus (apt-get install -y prometheus)';

/** Per worker: one request at a time, 50 ms each → 20 req/s at 100% utilisation. */
const SERVICE_MS = 50;
const CAPACITY = 1000 / SERVICE_MS;
const MAX_UTILIZATION = 0.5;
const MIN_NODES = 1;
/** The latency objective the load generator checks (and the loop's QoS target), ms. */
const P95_TARGET_MS = 250;
const LOOP_INTERVAL_MS = 2000;
const PORTS = 24;

const OFFERING: Offering = {
  id: 'local:box:worker:on-demand', provider: 'local', region: 'box', zone: null, instanceType: 'worker', vcpus: 1,
  memoryGiB: 1, gpu: null, purchase: 'on-demand', term: null, pricePerHour: 0.05, available: null, source: 'test', asOf: null,
};

// Arrivals, not completions: what is offered to the pool, even while a saturated worker queues it.
// `or vector(0)`: no worker yet is zero demand, not no data (the loop then starts the minimum fleet).
const DEMAND_QUERY = 'sum(rate(worker_requests_received_total[4s])) or vector(0)';
const P95_QUERY = 'histogram_quantile(0.95, sum by (le) (rate(worker_request_duration_seconds_bucket[4s]))) * 1000';

/** Offered load (req/s) at `t` seconds: warm-up, ramp up, hold, ramp down, hold low. */
const PHASES = { warm: 6, up: 20, hold: 6, down: 12, low: 20 } as const;
const LOW = 4;
const PEAK = 42;
function offered(t: number): number {
  const { warm, up, hold, down } = PHASES;
  if (t < warm) return LOW;
  if (t < warm + up) return LOW + (PEAK - LOW) * (t - warm) / up;
  if (t < warm + up + hold) return PEAK;
  if (t < warm + up + hold + down) return PEAK - (PEAK - LOW) * (t - warm - up - hold) / down;
  return LOW;
}
const RAMP_END_S = PHASES.warm + PHASES.up + PHASES.hold + PHASES.down;
const TOTAL_S = RAMP_END_S + PHASES.low;

function describeWithPrometheusBinary(name: string, body: (bin: () => string) => void): void {
  if (PROMETHEUS !== undefined) {
    describe(name, () => body(() => PROMETHEUS));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has prometheus to test against', () => {
        throw new Error(`CI=true but prometheus is not installed: ${HOW_TO}`);
      });
    });
  } else {
    console.warn(`[${name}] skipped: ${HOW_TO}`);
    describe.skip(`${name} (skipped: prometheus is not installed)`, () => body(() => {
      throw new Error('not installed');
    }));
  }
}

interface Sent { readonly at: number; readonly ms: number; readonly ok: boolean }

/**
 * An open-loop load generator behind a tiny load balancer: requests arrive at `offered(t)` per second, each
 * sent round-robin to a worker the provider lists as running (refreshed every 250 ms). A request a stopping
 * worker refuses is retried once on another worker, its latency counted from the first attempt.
 */
class LoadGenerator {
  readonly sent: Sent[] = [];
  #targets: string[] = [];
  #next = 0;
  #due = 0;
  #t0 = 0;
  #last = 0;
  #timers: NodeJS.Timeout[] = [];
  readonly #inflight = new Set<Promise<void>>();
  readonly #local: LocalProvider;

  constructor(local: LocalProvider) {
    this.#local = local;
  }

  async start(): Promise<void> {
    await this.#refresh();
    this.#t0 = performance.now();
    this.#last = this.#t0;
    this.#timers.push(setInterval(() => { void this.#refresh(); }, 250));
    this.#timers.push(setInterval(() => { this.#tick(); }, 10));
  }

  elapsedSeconds(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await Promise.all([...this.#inflight]);
  }

  async #refresh(): Promise<void> {
    const nodes = await this.#local.listNodes().catch(() => null);
    if (nodes !== null) this.#targets = nodes.filter((n) => n.state === 'running' && n.address !== null).map((n) => n.address as string);
  }

  #tick(): void {
    const now = performance.now();
    this.#due += offered((now - this.#t0) / 1000) * (now - this.#last) / 1000;
    this.#last = now;
    while (this.#due >= 1) {
      this.#due -= 1;
      const run = this.#send(now).finally(() => { this.#inflight.delete(run); });
      this.#inflight.add(run);
    }
  }

  async #send(at: number): Promise<void> {
    let ok = false;
    for (let attempt = 0; attempt < 2 && !ok; attempt += 1) {
      if (this.#targets.length === 0) break;
      const target = this.#targets[this.#next++ % this.#targets.length] as string;
      ok = await get(`http://${target}/work`);
    }
    this.sent.push({ at: (at - this.#t0) / 1000, ms: performance.now() - at, ok });
  }
}

function get(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); });
    req.end();
  });
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? Number.NaN;
}

/** Whether a process runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No procfs (not Linux): trust kill(0); with one, the process is gone.
    return !existsSync('/proc/self/stat');
  }
}

describeWithPrometheusBinary('closed loop with the local provider and a real Prometheus', (bin) => {
  const base = mkdtempSync(join(tmpdir(), 'gov-closed-loop-'));
  const stateDir = join(base, 'workers');
  let prometheus: RunningProcess | undefined;
  let runtime: Runtime | undefined;
  let local: LocalProvider | undefined;

  afterAll(async () => {
    // Whatever happened, no worker outlives the test.
    if (local !== undefined) {
      for (const n of await local.listNodes()) await local.stopNode({ nodeId: n.id, mode: 'terminate' }).catch(() => undefined);
    }
    await runtime?.close().catch(() => undefined);
    await prometheus?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('starts workers as load rises, stops them as it falls, and keeps p95 latency within its target', { timeout: 180_000 }, async () => {
    const began = performance.now();
    // Workers get ports from a small range Prometheus scrapes as static targets (absent ones are just down).
    const portFrom = 20_000 + ((await freePort()) % 20_000);
    const ports = { from: portFrom, to: portFrom + PORTS - 1 };
    const targets = Array.from({ length: PORTS }, (_, i) => `'127.0.0.1:${portFrom + i}'`).join(', ');
    prometheus = await startPrometheus(bin(), [
      'global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', '  evaluation_interval: 1s',
      'scrape_configs:', '  - job_name: workers', '    static_configs:', `      - targets: [${targets}]`, '',
    ].join('\n'));
    const promS = (performance.now() - began) / 1000;

    // Governator as a user configures it in governator.toml: the Prometheus pull source, the loop, the pool
    // (demand and QoS as PromQL, auto mode, guardrails) and the action engine's timings, shortened for a test.
    const configFile = join(base, 'governator.toml');
    writeFileSync(configFile, [
      '[database]', `data_dir = ${JSON.stringify(join(base, 'db'))}`,
      '[telemetry]', 'ack = "queued"',
      '[telemetry.sources.prometheus]', 'enabled = true', `url = "${prometheus.url}"`,
      `queries = [${JSON.stringify(P95_QUERY)}]`, 'interval = "1s"', 'lookback = "10s"', 'step = "1s"', 'timeout = "2s"',
      '[actions]', 'poll_interval = "200ms"', 'retry_base_delay = "100ms"', 'max_actions_per_hour = 1000',
      'ready_timeout = "20s"', 'stop_timeout = "15s"',
      '[loop]', `interval = "${LOOP_INTERVAL_MS}ms"`, 'replan_interval = "10s"',
      '[[pools]]', 'name = "web"', 'unit = "req/s"', 'mode = "auto"', `min_nodes = ${MIN_NODES}`, 'cooldown = "1s"',
      'disruption_budget_percent = 100', 'health_url = "http://{address}/health"', 'ready_timeout = "20s"', 'lead_time = "6s"',
      '[pools.demand]', `promql = ${JSON.stringify(DEMAND_QUERY)}`,
      '[pools.capacity]', `by_offering = { ${JSON.stringify(OFFERING.id)} = ${CAPACITY} }`,
      '[pools.qos]', `max_utilization = ${MAX_UTILIZATION}`, 'metric = "promql_result"', `labels = { promql = ${JSON.stringify(P95_QUERY)} }`,
      `target = ${P95_TARGET_MS}`,
      '[pools.constraints]', 'providers = ["local"]', `max_nodes = ${PORTS - 4}`, '',
    ].join('\n'));
    const config = withPoolQueries(loadConfig({ flags: { config: configFile }, env: {}, cwd: base }).config);
    expect(config.telemetry.sources.prometheus.queries).toContain(DEMAND_QUERY);
    runtime = await createRuntime(config, { migrate: true });
    await runtime.telemetry.start();
    const runtimeS = (performance.now() - began) / 1000;
    const db = runtime.store;

    local = new LocalProvider({
      command: [process.execPath, WORKER, '--port', '{port}'], stateDir, ports, cwd: process.cwd(),
      readiness: { kind: 'http', url: 'http://{host}:{port}/health' }, stopGraceMs: 5000,
      env: { SERVICE_MS: String(SERVICE_MS), CONCURRENCY: '1' },
    });
    const engine = createActionEngine({
      config: config.actions, store: db, clock: runtime.clock, providers: [local],
      offerings: (id) => (id === OFFERING.id ? OFFERING : undefined),
    });
    const handle = createControlLoopFromRuntime(runtime, config, {
      providers: staticProviders([local]), actions: engine, offerings: () => [OFFERING],
      // The headroom forecaster kept in its naive mode (the peak demand of the last lead time + interval): it
      // learns growth from days of history and, fitted on a minute of ramp, would plan for several times the
      // load. The slack for the ramp here is max_utilization.
      forecaster: new HeadroomForecaster({ minPoints: 100_000 }),
      // Short-lived test workers: a node may be stopped 6 s after it started; no savings threshold on $0.05/h nodes.
      planOptions: { minNodeLifetimeSeconds: 6, minSavingsPerHour: 0, minSavingsPercent: 0 },
    });
    const loop = handle.loop;
    const reports: IterationReport[] = [];

    // Sample how many workers serve, and the loop's reports, while the load runs.
    const load = new LoadGenerator(local);
    const counts: Array<{ t: number; running: number }> = [];
    handle.start();
    // The first iterations start the minimum fleet (no demand data yet): wait until a worker serves.
    const readyBy = Date.now() + 30_000;
    while ((await local.listNodes()).filter((n) => n.state === 'running').length < MIN_NODES) {
      if (Date.now() > readyBy) throw new Error('the loop did not start the minimum fleet within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const setupS = (performance.now() - began) / 1000;
    await load.start();
    let lastReport: IterationReport | null = null;
    while (load.elapsedSeconds() < TOTAL_S) {
      await new Promise((r) => setTimeout(r, 500));
      const running = (await local.listNodes()).filter((n) => n.state === 'running').length;
      counts.push({ t: load.elapsedSeconds(), running });
      if (loop.lastReport !== null && loop.lastReport !== lastReport) {
        lastReport = loop.lastReport;
        reports.push(lastReport);
      }
    }
    await load.stop();
    await handle.stop();
    await engine.idle();

    const trace = counts.filter((_, i) => i % 4 === 0).map((c) => `${c.t.toFixed(0)}s:${c.running}`).join(' ');
    const during = counts.filter((c) => c.t >= PHASES.warm && c.t < RAMP_END_S);
    const peak = Math.max(...during.map((c) => c.running));
    const end = counts.filter((c) => c.t >= TOTAL_S - 4);
    const finalRunning = Math.max(...end.map((c) => c.running));
    const latencies = load.sent.map((s) => s.ms);
    const failed = load.sent.filter((s) => !s.ok).length;
    const measured = p95(latencies);
    const summary = `set-up ${setupS.toFixed(1)} s (Prometheus ready at ${promS.toFixed(1)} s, runtime at ${runtimeS.toFixed(1)} s); workers over time ${trace}; peak ${peak}, at the end ${finalRunning}; ${load.sent.length} requests, `
      + `${failed} failed, p95 ${measured.toFixed(0)} ms; ${reports.length} iterations seen, slowest ${Math.max(...reports.map((r) => r.durationMs)).toFixed(0)} ms`;
    console.log(`[closed loop] ${summary}`);
    if (process.env.CLOSED_LOOP_DEBUG) writeFileSync(process.env.CLOSED_LOOP_DEBUG, JSON.stringify({ t0: Date.now() - load.elapsedSeconds() * 1000, reports: reports.map((r) => ({ at: r.at, pools: r.pools, actions: r.plan?.actions, executions: r.executions })) }, null, 1));

    // Scaled out: the ramp to 42 req/s needs ≥ 42 / (20 × 0.5) → 5 workers; at least 3 must have served at once.
    expect(peak, summary).toBeGreaterThanOrEqual(3);
    expect(peak, summary).toBeGreaterThan(MIN_NODES);
    // Scaled back in: 4 req/s needs one worker; two at most (a stop in flight) at the end, fewer than at the peak.
    expect(finalRunning, summary).toBeLessThanOrEqual(MIN_NODES + 1);
    expect(finalRunning, summary).toBeLessThan(peak);
    expect(finalRunning, summary).toBeGreaterThanOrEqual(MIN_NODES);
    // The workers' measured latency stayed within its target, and requests were served.
    expect(load.sent.length, summary).toBeGreaterThan(TOTAL_S * LOW);
    expect(measured, summary).toBeLessThanOrEqual(P95_TARGET_MS);
    expect(failed / load.sent.length, summary).toBeLessThan(0.01);

    // The loop decided from Prometheus data, recorded its decisions, and the engine acted on them.
    expect(reports.some((r) => r.pools[0]?.result === 'planned' && (r.pools[0]?.observed ?? 0) > PEAK / 2), summary).toBe(true);
    const decisions = await db.decisions.listRecent(1000);
    expect(decisions.length).toBeGreaterThan(0);
    const actions = await db.actions.listActions({ pool: 'web', limit: 10_000 });
    const starts = actions.filter((a) => a.kind === 'start' && a.status === 'succeeded');
    const stops = actions.filter((a) => a.kind === 'stop' && a.status === 'succeeded');
    expect(starts.length, summary).toBeGreaterThanOrEqual(peak);
    expect(stops.length, summary).toBeGreaterThanOrEqual(peak - finalRunning);

    // The journal is consistent with the processes: nothing left open; the live workers are exactly those a
    // succeeded start made and no succeeded stop removed; every worker's process is alive iff it is live.
    const plans = await db.actions.listPlans({ pool: 'web', limit: 1000 });
    expect(plans.filter((p) => p.status === 'running' || p.status === 'approved').map((p) => p.id)).toEqual([]);
    expect(actions.filter((a) => a.status === 'pending' || a.status === 'in-progress').map((a) => a.id)).toEqual([]);
    const stopped = new Set(stops.map((a) => a.nodeId));
    const rolledBack = new Set(actions.filter((a) => a.kind === 'start' && a.status === 'rolled-back').map((a) => a.nodeId));
    const expected = starts.map((a) => a.nodeId).filter((id) => id !== null && !stopped.has(id)).sort();
    const nodes = await local.listNodes();
    const live = nodes.filter((n) => n.state === 'running' || n.state === 'pending').map((n) => n.id).sort();
    expect(live, summary).toEqual(expected);
    for (const n of nodes) if (rolledBack.has(n.id)) expect(n.state).not.toBe('running');
    const records = readdirSync(join(stateDir, 'nodes')).filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(stateDir, 'nodes', f), 'utf8')) as { id: string; pid: number | null });
    const liveSet = new Set(live);
    for (const r of records) {
      if (r.pid === null) continue;
      if (!liveSet.has(r.id)) {
        // A stop may still be draining; it ends within the grace period.
        const by = Date.now() + 6000;
        while (alive(r.pid) && Date.now() < by) await new Promise((res) => setTimeout(res, 100));
      }
      expect(alive(r.pid), `worker ${r.id} (pid ${r.pid})`).toBe(liveSet.has(r.id));
    }

    // Stop the rest as an operator would; then no worker process is left.
    for (const id of live) await local.stopNode({ nodeId: id, mode: 'terminate' });
    const by = Date.now() + 8000;
    while (records.some((r) => r.pid !== null && alive(r.pid)) && Date.now() < by) await new Promise((res) => setTimeout(res, 100));
    expect(records.filter((r) => r.pid !== null && alive(r.pid)).map((r) => r.id)).toEqual([]);
  });
});
