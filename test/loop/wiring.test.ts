import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { createSimProvider } from '../../src/adapters/cloud/sim/index.js';
import { DEFAULT_POOL_ACTUATION, type PoolActuation } from '../../src/app/actions/policy.js';
import { ActionEngineExecutor } from '../../src/app/loop/engine-executor.js';
import { ProviderInventory } from '../../src/app/loop/inventory.js';
import type { LoopPool } from '../../src/app/loop/pool.js';
import { SeriesLoopTelemetry } from '../../src/app/loop/series-telemetry.js';
import type { QueriedSeries, SeriesQuery } from '../../src/app/telemetry/query.js';
import { applyDemoConfig, demoDecision } from '../../src/bootstrap/demo.js';
import { forecasterFor, loopPoolsFromConfig, withPoolQueries, type ControlLoopWiring } from '../../src/bootstrap/loop.js';
import { HeadroomForecaster } from '../../src/app/loop/forecaster.js';
import type { Runtime } from '../../src/bootstrap/runtime.js';
import { loadConfig } from '../../src/config/load.js';
import { isGovError } from '../../src/core/errors.js';
import type { Node } from '../../src/core/model/node.js';
import type { Offering } from '../../src/core/model/offering.js';
import type { PlanAction } from '../../src/core/model/plan.js';
import type { ActionPlanRecord, PlanQuery } from '../../src/ports/action-journal.js';
import type { NodeFilter, NodePage, NodeRepository } from '../../src/ports/store.js';

/** The pieces `createControlLoopFromRuntime` composes (docs/loop.md): config → pools, telemetry, inventory, executor. */

const OFFERING: Offering = {
  id: 'aws:us-east-1:c7i.large:on-demand', provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'c7i.large', vcpus: 2, memoryGiB: 4,
  gpu: null, purchase: 'on-demand', term: null, pricePerHour: 0.09, available: null, source: 'test', asOf: null,
};

function loopPool(overrides: Partial<LoopPool> = {}): LoopPool {
  return {
    name: 'web', unit: 'req/s', demand: { metric: 'http_rps', labels: { app: 'web' }, aggregate: 'sum' }, capacity: { perVcpu: 10 },
    learnCapacity: false, utilization: null, qos: { maxUtilization: 0.8, metric: null }, constraints: {},
    actuation: DEFAULT_POOL_ACTUATION, leadTimeSeconds: null, nodeSelector: null, ...overrides,
  };
}

function configFrom(toml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gov-loop-config-'));
  try {
    writeFileSync(join(dir, 'governator.toml'), toml);
    return loadConfig({ env: {}, cwd: dir }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('[[pools]] as loop pools', () => {
  it('maps demand, capacity, QoS, constraints and actuation, and adds PromQL demand to the Prometheus puller', () => {
    const config = configFrom(`
[telemetry.sources.prometheus]
url = "http://127.0.0.1:9090"
queries = ["up"]

[[pools]]
name = "api"
unit = "req/s"
demand = { promql = "sum(rate(http_requests_total[1m]))" }
capacity = { per_vcpu = 25 }
mode = "auto"
min_nodes = 2
cooldown = "2m"
lead_time = "90s"
qos = { max_utilization = 0.7, metric = "p95_ms", target = 250 }
constraints = { providers = ["aws"], purchase = ["on-demand", "spot"], max_spot_fraction = 0.5 }
node_selector = { app = "api" }
start_on = ["k8s-prod"]

[[pools]]
name = "gpu"
demand = { metric = "tokens", labels = { model = "llama" }, aggregate = "max" }
capacity = { by_gpu_model = { H100 = 2500 } }
`);
    const [api, gpu] = loopPoolsFromConfig(config);
    expect(api).toEqual(expect.objectContaining({
      name: 'api', unit: 'req/s', capacity: { perVcpu: 25 }, leadTimeSeconds: 90, nodeSelector: { app: 'api' },
      demand: { metric: 'promql_result', labels: { promql: 'sum(rate(http_requests_total[1m]))' }, aggregate: 'sum' },
      qos: { maxUtilization: 0.7, metric: { metric: 'p95_ms', labels: {}, target: 250, aggregate: 'max' } },
      constraints: { providers: ['aws'], purchase: ['on-demand', 'spot'], maxSpotFraction: 0.5, minNodes: 2 },
    }));
    expect(api?.actuation).toEqual(expect.objectContaining({ mode: 'auto', minNodes: 2, cooldownSeconds: 120, providers: ['k8s-prod'] }));
    expect(gpu).toEqual(expect.objectContaining({ demand: { metric: 'tokens', labels: { model: 'llama' }, aggregate: 'max' }, leadTimeSeconds: null }));
    expect(gpu?.actuation.mode).toBe('recommend');
    expect(gpu?.actuation.providers).toBeUndefined();
    expect(withPoolQueries(config).telemetry.sources.prometheus.queries).toEqual(['up', 'sum(rate(http_requests_total[1m]))']);
  });

  it('refuses a pool without a demand signal or a capacity model, naming the key', () => {
    for (const [toml, key] of [
      ['[[pools]]\nname = "a"\ndemand = {}\ncapacity = { per_vcpu = 1 }\n', 'pools[0].demand'],
      ['[[pools]]\nname = "a"\ndemand = { metric = "m" }\n', 'pools[0].capacity'],
      ['[[pools]]\nname = "a"\ndemand = { metric = "m" }\ncapacity = { per_vcpu = 1 }\nqos = { metric = "lat" }\n', 'pools[0].qos.target'],
    ] as const) {
      let error: unknown;
      try {
        loopPoolsFromConfig(configFrom(toml));
      } catch (e) {
        error = e;
      }
      expect(isGovError(error) && error.code === 'GOV_CONFIG_INVALID').toBe(true);
      expect((error as Error).message).toContain(key);
    }
  });

  it('runs the demo only when asked and nothing real is configured', () => {
    const bare = configFrom('');
    expect(demoDecision(bare, false).run).toBe(false);
    expect(demoDecision(bare, true).run).toBe(true);
    expect(demoDecision(configFrom('[demo]\nenabled = false\n'), true).run).toBe(false);
    expect(demoDecision(configFrom('[[providers]]\nname = "aws-prod"\nkind = "aws"\n[providers.aws]\nregion = "us-east-1"\n'), true).run).toBe(false);
    const demo = applyDemoConfig(bare);
    const pools = loopPoolsFromConfig(demo);
    expect(pools.map((p) => [p.name, p.actuation.mode])).toEqual([['web', 'auto'], ['llm-inference', 'approve'], ['batch', 'recommend']]);
    expect(demo.providers.map((p) => p.kind)).toEqual(['sim']);
    expect(demo.catalog.owned.map((o) => o.provider)).toEqual(['onprem']);
  });
});

describe('loop.forecaster', () => {
  const runtime = { store: {}, clock: new FakeClock() } as unknown as Runtime;
  const wiring = (extra: object = {}) => ({ providers: {}, actions: {}, offerings: [], ...extra }) as unknown as ControlLoopWiring;
  it('plans with the headroom forecaster at loop.forecast_quantile when configured, and with the ensemble by default', () => {
    const headroom = forecasterFor(runtime, configFrom('[loop]\nforecaster = "headroom"\nforecast_quantile = 0.95\n'), wiring(), true);
    expect(headroom).toBeInstanceOf(HeadroomForecaster);
    const ensemble = forecasterFor(runtime, configFrom(''), wiring(), true);
    expect(ensemble).not.toBeInstanceOf(HeadroomForecaster);
    // The composer's own choice wins over the file.
    expect(forecasterFor(runtime, configFrom('[loop]\nforecaster = "ensemble"\n'), wiring({ forecaster: 'headroom' }), true)).toBeInstanceOf(HeadroomForecaster);
  });

  it('refuses an unknown forecaster, naming the key', () => {
    let error: unknown;
    try { configFrom('[loop]\nforecaster = "prophet"\n'); } catch (e) { error = e; }
    expect(isGovError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('loop.forecaster');
  });
});

describe('SeriesLoopTelemetry', () => {
  /** A query over fixed raw samples, windowed like TelemetryQuery (window start, average). */
  function store(series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>) {
    const calls: SeriesQuery[] = [];
    return {
      calls,
      query: {
        async query(q: SeriesQuery) {
          calls.push(q);
          const step = q.step as number;
          return {
            resolution: 'raw' as const,
            series: series.map((s): QueriedSeries => {
              const windows = new Map<number, number[]>();
              for (const [t, v] of s.points) if (t >= q.from && t < q.to) windows.set(q.from + Math.floor((t - q.from) / step) * step, [...(windows.get(q.from + Math.floor((t - q.from) / step) * step) ?? []), v]);
              return { metric: 'http_rps', labels: s.labels, points: [...windows.entries()].sort((a, b) => a[0] - b[0]).map(([t, vs]) => [t, vs.reduce((a, v) => a + v, 0) / vs.length]) };
            }).filter((s) => s.points.length > 0),
          };
        },
        recent: () => [],
      },
    };
  }

  it('sums the series per interval window, carries gaps forward, and reads only the tail once it has the history', async () => {
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const s = store([
      { labels: { app: 'web', instance: 'a' }, points: [[t0, 10], [t0 + 10_000, 12], [t0 + 40_000, 14]] },
      { labels: { app: 'web', instance: 'b' }, points: [[t0, 5], [t0 + 10_000, 6], [t0 + 40_000, 7]] },
    ]);
    const telemetry = new SeriesLoopTelemetry({ query: s.query, stepMs: 10_000, historySteps: 100 });
    const history = await telemetry.demandHistory(loopPool(), t0 + 45_000);
    expect(history).toEqual({ startSeconds: t0 / 1000, stepSeconds: 10, values: [15, 18, 18, 18, 21] });
    expect(s.calls[0]).toEqual(expect.objectContaining({ metric: 'http_rps', labels: { app: 'web' }, step: 10_000, to: t0 + 50_000 }));
    await telemetry.demandHistory(loopPool(), t0 + 55_000);
    // The second read starts two windows before the cached end (late samples), not at the start of the history.
    expect(s.calls[1]?.from).toBe(t0 + 30_000);
  });

  it('reports a signal that stopped as no data instead of planning on its last value', async () => {
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const s = store([{ labels: { app: 'web' }, points: [[t0, 10], [t0 + 10_000, 10]] }]);
    const telemetry = new SeriesLoopTelemetry({ query: s.query, stepMs: 10_000, staleMs: 60_000 });
    expect(await telemetry.demandHistory(loopPool(), t0 + 30_000)).not.toBeNull();
    expect(await telemetry.demandHistory(loopPool(), t0 + 200_000)).toBeNull();
    expect(await new SeriesLoopTelemetry({ query: store([]).query, stepMs: 10_000 }).demandHistory(loopPool(), t0)).toBeNull();
  });
});

describe('ProviderInventory', () => {
  class MemoryNodes implements NodeRepository {
    readonly rows = new Map<string, Node>();
    async list(filter: NodeFilter): Promise<NodePage> {
      const nodes = [...this.rows.values()].filter((n) => (filter.provider === undefined || n.provider === filter.provider) && (filter.pool === undefined || n.pool === filter.pool))
        .sort((a, b) => a.id.localeCompare(b.id)).filter((n) => filter.after === undefined || n.id > filter.after).slice(0, filter.limit);
      return { nodes, nextCursor: null };
    }
    async get(id: string) { return this.rows.get(id) ?? null; }
    async upsert(node: Node) { this.rows.set(node.id, node); }
    async countByState() { return {}; }
  }

  it('writes what the providers list, maps nodes to pools by label or selector, and marks vanished nodes terminated', async () => {
    const clock = new FakeClock('2026-03-01T00:00:00Z');
    const sim = createSimProvider({ name: 'sim', offerings: [OFFERING], clock, spot: { enabled: false } });
    const [labelled, selected, other] = sim.seed([
      { pool: 'web', offeringId: OFFERING.id },
      { pool: null, offeringId: OFFERING.id, labels: { app: 'web-legacy' } },
      { pool: null, offeringId: OFFERING.id, labels: { app: 'db' } },
    ]);
    const nodes = new MemoryNodes();
    const inventory = new ProviderInventory({ providers: { all: () => [sim] }, nodes, offerings: (id) => (id === OFFERING.id ? OFFERING : undefined), clock });
    const pools = [loopPool(), loopPool({ name: 'legacy', nodeSelector: { app: 'web-legacy' } })];
    const view = await inventory.refresh(pools);
    expect(view.errors).toEqual([]);
    expect(view.nodes.map((n) => [n.id, n.pool, n.offering, n.state])).toEqual([
      [labelled!.id, 'web', OFFERING.id, 'running'],
      [selected!.id, 'legacy', OFFERING.id, 'running'],
    ]);
    expect(nodes.rows.get(other!.id)).toEqual(expect.objectContaining({ pool: null, state: 'running', pricePerHour: 0.09 }));
    expect(nodes.rows.get(selected!.id)?.pool).toBe('legacy');
    // Every alive node holds its offering, governed or not: limited offerings (owned servers) are planned net of them.
    expect(view.consumed).toEqual(new Map([[OFFERING.id, 3]]));
    sim.vanish(labelled!.id);
    const after = await inventory.refresh(pools);
    expect(after.nodes.map((n) => n.id)).toEqual([selected!.id]);
    expect(nodes.rows.get(labelled!.id)?.state).toBe('terminated');
    // A provider that cannot be listed is an error in words; its stored nodes are left alone.
    sim.failNext('listNodes', 'Unavailable');
    const failed = await inventory.refresh(pools);
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0]).toMatch(/^sim: /);
    expect(nodes.rows.get(selected!.id)?.state).toBe('running');
  });
});

describe('ActionEngineExecutor', () => {
  const start = (count: number): PlanAction => ({ action: 'start', pool: 'web', offering: OFFERING.id, count, costDeltaPerHour: 0.09 * count });

  function harness(mode: PoolActuation['mode'], open: ActionPlanRecord[]) {
    const submitted: PlanAction[][] = [];
    const executor = new ActionEngineExecutor({
      engine: {
        policy: () => ({ ...DEFAULT_POOL_ACTUATION, mode }),
        submit: async (input) => {
          submitted.push([...input.plan.actions]);
          return [{ id: 9, pool: 'web', status: mode === 'auto' ? 'approved' : 'pending-approval', detail: null } as unknown as ActionPlanRecord];
        },
      },
      journal: { listPlans: async (q: PlanQuery) => open.filter((p) => (q.status ?? []).includes(p.status)) },
    });
    return { executor, submitted };
  }
  const record = (status: ActionPlanRecord['status'], actions: PlanAction[]) => ({ id: 4, pool: 'web', status, actions } as unknown as ActionPlanRecord);
  const planOf = (actions: PlanAction[]) => ({ plan: { actions } as never, decisionId: 7 });

  it('keeps an identical plan waiting for approval instead of superseding it, and submits a different one', async () => {
    const h = harness('approve', [record('pending-approval', [start(3)])]);
    expect(await h.executor.submit(planOf([start(3)]))).toEqual([{ pool: 'web', status: 'pending-approval', detail: 'the same plan #4 is still waiting for approval' }]);
    expect(h.submitted).toEqual([]);
    expect(await h.executor.submit(planOf([start(4)]))).toEqual([{ pool: 'web', status: 'pending-approval', detail: null }]);
    expect(h.submitted).toEqual([[start(4)]]);
  });

  it('holds an auto pool\'s next plan while its last one runs', async () => {
    const busy = harness('auto', [record('running', [start(2)])]);
    expect((await busy.executor.submit(planOf([start(3)])))[0]?.status).toBe('deferred');
    expect(busy.submitted).toEqual([]);
    const idle = harness('auto', [record('succeeded', [start(2)])]);
    expect((await idle.executor.submit(planOf([start(3)])))[0]?.status).toBe('approved');
    expect(idle.submitted).toEqual([[start(3)]]);
  });
});
