import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { capacityOf } from '../core/model/capacity.js';
import type { Offering } from '../core/model/offering.js';
import type { PlanOptions } from '../core/planner/options.js';
import type { Config } from '../config/schema.js';
import type { ProviderNode } from '../ports/cloud-provider.js';
import type { Clock } from '../ports/clock.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { ProviderFactory } from '../app/providers/registry.js';
import { DemandReplay } from '../app/loop/replay.js';
import type { LoopPool } from '../app/loop/pool.js';
import type { TelemetryService } from '../app/telemetry/service.js';
import { createSimProvider, type SimProvider } from '../adapters/cloud/sim/index.js';
import { readTraceCsv } from '../adapters/trace/csv.js';
import { providerFactories, type ProviderFactoryContext } from './providers.js';

/**
 * The first-run demo (issue #8, docs/loop.md "Demo"): `governator serve --demo` (what `npm start` runs) with no
 * `[[providers]]` and no `[[pools]]` governs a hybrid fleet on the simulated cloud, driven by real demand traces
 * replayed time-compressed into the series store:
 * - `web` (mode auto): owned on-prem servers plus AWS/GCP CPU offerings for bursts, NASA HTTP 1995 requests/s;
 * - `llm-inference` (mode approve): AWS/GCP GPU offerings, Azure LLM inference 2023 tokens/s, seeded with an
 *   8×H200 box that the planner finds too big (the headline example), so a plan waits for approval;
 * - `batch` (mode recommend): CPU cores on the same NASA shape, scaled, cloud only: plans are recommendations.
 */

/** assets/demo/ of this installation (the same relative place from src/ and dist/). */
export const DEMO_ASSETS_DIR = fileURLToPath(new URL('../../assets/demo/', import.meta.url));

/** The demo's simulated cloud: one `sim` provider instance. */
export const DEMO_PROVIDER = 'demo-sim';

/** Metric names the demo writes. */
export const DEMO_METRICS = {
  requests: 'demo_http_requests_per_second',
  tokens: 'demo_llm_tokens_per_second',
  cores: 'demo_batch_cores_in_use',
  utilization: 'demo_node_utilization',
} as const;

/** The owned on-prem CPU servers (their marginal cost is power and cooling). */
const ONPREM = { name: 'onprem-cpu-32c', provider: 'onprem', region: 'dc1', vcpus: 32, memory_gib: 128, count: 4, price_per_hour: 0.3 } as const;
const ONPREM_OFFERING = `${ONPREM.provider}:${ONPREM.region}:${ONPREM.name}:owned`;
/** The GPU box the llm-inference pool starts with: 8×H200, on demand ($63.30/h in the bundled catalog). */
const H200_BOX = 'aws:us-east-1:p5en.48xlarge:on-demand';

/** Why the demo does or does not run, for the log. */
export function demoDecision(config: Readonly<Config>, requested: boolean): { run: boolean; reason: string } {
  if (!requested) return { run: false, reason: 'not requested (serve --demo)' };
  if (!config.demo.enabled) return { run: false, reason: 'demo.enabled is false' };
  if (config.pools.length > 0) return { run: false, reason: '[[pools]] are configured: governing them instead' };
  if (config.providers.length > 0) return { run: false, reason: '[[providers]] are configured: the demo runs only on the simulated cloud, so it does not start' };
  return { run: true, reason: 'no providers and no pools configured' };
}

/**
 * The config the demo runs with: the simulated cloud, the owned servers, the three pools, a 5 s loop and
 * short action timings (everything is time-compressed). Everything else is the user's.
 */
export function applyDemoConfig(config: Readonly<Config>): Config {
  const next = structuredClone(config) as Config;
  next.providers = [{ name: DEMO_PROVIDER, kind: 'sim', enabled: true, health_interval: '30s', health_timeout: '10s', sim: { seed: 1, spot_interruptions: false } }];
  next.catalog.owned = [...config.catalog.owned, { ...ONPREM }];
  next.loop = { ...config.loop, interval: '5s', replan_interval: '2m' };
  // Demand moves ×10 to ×300 faster than real time: refit the forecasts every minute, not every hour.
  next.forecast = { ...config.forecast, refit_interval: '1m' };
  next.actions = { ...config.actions, poll_interval: '1s', ready_timeout: '3m', stop_timeout: '2m', max_actions_per_hour: Math.max(config.actions.max_actions_per_hour, 2000) };
  const common = {
    learn_capacity: false, utilization_percent: false, stop_mode: 'terminate' as const, cooldown: '15s', disruption_budget_percent: 50,
  };
  next.pools = [
    {
      ...common,
      name: 'web', unit: 'req/s', mode: 'auto', min_nodes: 1, lead_time: '15s',
      demand: { metric: DEMO_METRICS.requests, labels: { pool: 'web' }, aggregate: 'sum' },
      // Requests/s one node serves at 100% (the on-prem servers are older than the newest cloud types).
      capacity: { by_instance_type: { [ONPREM.name]: 300, 'c7i.4xlarge': 160, 'c7i.8xlarge': 320, 'c7i.16xlarge': 640, 'c3-highcpu-22': 240, 'c3-highcpu-44': 480, 'e2-highcpu-32': 200 } },
      utilization_metric: DEMO_METRICS.utilization,
      qos: { max_utilization: 0.8 },
      constraints: { providers: ['onprem', 'aws', 'gcp'], regions: ['dc1', 'us-east-1', 'us-central1'], purchase: ['owned', 'on-demand'], max_nodes: 20 },
    },
    {
      ...common,
      name: 'llm-inference', unit: 'tokens/s', mode: 'approve', min_nodes: 0, lead_time: '30s',
      demand: { metric: DEMO_METRICS.tokens, labels: { pool: 'llm-inference' }, aggregate: 'sum' },
      capacity: { by_gpu_model: { H100: 2500, H200: 3500, 'A100-80GB': 1500, A100: 1200, L40S: 900, L4: 350 } },
      utilization_metric: DEMO_METRICS.utilization,
      qos: { max_utilization: 0.8 },
      constraints: { providers: ['aws', 'gcp'], regions: ['us-east-1', 'us-central1'], purchase: ['on-demand', 'spot'], max_spot_fraction: 0.5, max_nodes: 16 },
    },
    {
      ...common,
      name: 'batch', unit: 'cores', mode: 'recommend', min_nodes: 0, lead_time: '15s',
      demand: { metric: DEMO_METRICS.cores, labels: { pool: 'batch' }, aggregate: 'sum' },
      capacity: { by_instance_type: { 'c7i.8xlarge': 32, 'c7i.16xlarge': 64, 'c3-highcpu-22': 22, 'c3-highcpu-44': 44, 'e2-highcpu-32': 32 } },
      qos: { max_utilization: 0.9 },
      constraints: { providers: ['aws', 'gcp'], regions: ['us-east-1', 'us-central1'], purchase: ['on-demand', 'spot'], max_spot_fraction: 0.8, max_nodes: 20 },
    },
  ];
  return next;
}

/**
 * Planner settings for the time-compressed demo: a node may be stopped a minute after it started (30 min in
 * production), so scale-in is visible within minutes. The savings threshold stays at the default $0.50/h, so an
 * on-prem server ($0.30/h) is kept through the night rather than stopped and started with every dip, while cloud
 * nodes burst in and out.
 */
export const DEMO_PLAN_OPTIONS: Partial<PlanOptions> = { minNodeLifetimeSeconds: 60 };

/** Provider factories with the demo's simulated cloud: start-up delays compressed like the traces. */
export function demoProviderFactories(context: ProviderFactoryContext, onCreated: (sim: SimProvider) => void): Partial<Record<string, ProviderFactory>> {
  return {
    ...providerFactories(context),
    sim: (spec) => {
      const sim = createSimProvider({
        name: spec.name,
        offerings: context.offerings(),
        clock: context.clock,
        seed: 1,
        spot: { enabled: false },
        // Seconds instead of minutes: the traces run ×10 to ×300 faster than real time.
        startup: { cpu: { min: 4, max: 10 }, gpu: { min: 10, max: 25 }, owned: { min: 8, max: 15 } },
        stopDelay: { min: 2, max: 6 },
      });
      onCreated(sim);
      return sim;
    },
  };
}

export interface DemoRun {
  readonly replay: DemandReplay;
  stop(): void;
}

export interface StartDemoOptions {
  readonly sim: SimProvider;
  readonly telemetry: TelemetryService;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly pools: readonly LoopPool[];
  readonly offerings: () => readonly Offering[];
  readonly logger?: Logger;
  /** Where the traces are (default assets/demo/). */
  readonly assetsDir?: string;
}

/** Seed the starting fleet on the simulated cloud and start replaying the traces. */
export async function startDemo(options: StartDemoOptions): Promise<DemoRun> {
  const dir = options.assetsDir ?? DEMO_ASSETS_DIR;
  const nasa = await readTraceCsv(join(dir, 'nasa-http-1995-5m.csv'));
  const azure = await readTraceCsv(join(dir, 'azure-llm-code-2023-20s.csv'));
  const now = options.clock.now().getTime();
  const longAgo = new Date(now - 2 * 3_600_000);
  // The starting fleet: two of the four owned servers for web, the oversized H200 box for llm-inference, one
  // 32-vCPU VM for batch. Nodes started "two hours ago" may be stopped by a plan at once.
  const batchVm = options.offerings().find((o) => o.id === 'aws:us-east-1:c7i.8xlarge:on-demand') ?? null;
  options.sim.seed([
    { pool: 'web', offeringId: ONPREM_OFFERING, launchedAt: longAgo },
    { pool: 'web', offeringId: ONPREM_OFFERING, launchedAt: longAgo },
    { pool: 'llm-inference', offeringId: H200_BOX, launchedAt: longAgo },
    ...(batchVm === null ? [] : [{ pool: 'batch', offeringId: batchVm.id, launchedAt: longAgo }]),
  ]);
  const byPool = new Map(options.pools.map((p) => [p.name, p]));
  const byId = new Map<string, Offering>();
  const offering = (id: string | null): Offering | undefined => {
    if (id === null) return undefined;
    if (byId.size === 0) for (const o of options.offerings()) byId.set(o.id, o);
    return byId.get(id);
  };
  const replay = new DemandReplay({
    ingest: options.telemetry.ingest,
    clock: options.clock,
    scheduler: options.scheduler,
    traces: [
      // NASA: 5-minute steps, one per second (×300: a day in under 5 minutes); from 08:00 EDT on 4 July, with the
      // day and a third before it as history. Scaled ×500 (peak ≈ 1,200 req/s).
      { metric: DEMO_METRICS.requests, labels: { pool: 'web', trace: 'nasa-http-1995' }, values: nasa.values, scale: 500, wallStepMs: 1000, startIndex: 384 },
      // Azure LLM (code): 20-second steps, one per 2 s (×10), from the 60th step.
      { metric: DEMO_METRICS.tokens, labels: { pool: 'llm-inference', trace: 'azure-llm-code-2023' }, values: azure.values, scale: 1, wallStepMs: 2000, startIndex: 60 },
      // Batch: the NASA shape again, half a day later, as CPU cores in use (×60).
      { metric: DEMO_METRICS.cores, labels: { pool: 'batch', trace: 'nasa-http-1995' }, values: nasa.values, scale: 60, wallStepMs: 1000, startIndex: 528 },
    ],
    utilization: {
      metric: DEMO_METRICS.utilization,
      nodeLabel: 'governator_node',
      pools: { web: 0, 'llm-inference': 1 },
      capacityOf: (node: ProviderNode) => {
        const pool = node.pool === null ? undefined : byPool.get(node.pool);
        const o = offering(node.offeringId);
        return pool === undefined || o === undefined ? null : capacityOf(pool.capacity, o);
      },
      nodes: () => options.sim.listNodes(),
    },
    onError: (error) => options.logger?.warn({ err: error }, 'demo: writing the replayed demand failed; retrying at the next tick'),
  });
  await replay.start();
  options.logger?.info({ pools: options.pools.map((p) => `${p.name} (${p.actuation.mode})`), provider: DEMO_PROVIDER }, 'demo: simulated hybrid fleet seeded, replaying NASA HTTP 1995 and Azure LLM 2023 demand (time-compressed)');
  return { replay, stop: () => replay.stop() };
}
