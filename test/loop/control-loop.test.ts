import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { HighsSolver } from '../../src/adapters/solver/highs/index.js';
import { DEFAULT_POOL_ACTUATION } from '../../src/app/actions/policy.js';
import { HeadroomForecaster, type DemandHistory } from '../../src/app/loop/forecaster.js';
import { ControlLoop, type FleetView, type PlanExecutor } from '../../src/app/loop/loop.js';
import { LoopMetrics } from '../../src/app/loop/metrics.js';
import type { LoopPool } from '../../src/app/loop/pool.js';
import type { Offering } from '../../src/core/model/offering.js';
import type { Plan } from '../../src/core/model/plan.js';
import { plan } from '../../src/core/planner/plan.js';

/** The control loop's scheduling (never stacked) and its waiting plans (docs/loop.md). */

const OFFERING: Offering = {
  id: 'test:r1:box:on-demand', provider: 'test', region: 'r1', zone: null, instanceType: 'box', vcpus: 4, memoryGiB: 8, gpu: null,
  purchase: 'on-demand', term: null, pricePerHour: 1, available: null, source: 'test', asOf: null,
};

function pool(mode: LoopPool['actuation']['mode']): LoopPool {
  return {
    name: 'web', unit: 'req/s', demand: { metric: 'rps', labels: {}, aggregate: 'sum' }, capacity: { byOffering: { [OFFERING.id]: 10 } },
    learnCapacity: false, utilization: null, qos: { maxUtilization: 1, metric: null }, constraints: {},
    actuation: { ...DEFAULT_POOL_ACTUATION, mode }, leadTimeSeconds: 10, nodeSelector: null,
  };
}

const counter = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> => (await metric.get()).values[0]?.value ?? 0;

describe('ControlLoop scheduling', () => {
  it('never runs two iterations at once: ticks inside a slow iteration are counted as missed and dropped', async () => {
    const clock = new FakeClock('2026-03-01T00:00:00Z');
    const scheduler = new ManualScheduler(clock);
    const metrics = new LoopMetrics();
    let refreshes = 0;
    let release: () => void = () => undefined;
    const loop = new ControlLoop({
      pools: () => [pool('auto')], offerings: () => [OFFERING],
      inventory: {
        refresh: () => {
          refreshes += 1;
          // The first iteration hangs until released; the later ones answer at once.
          if (refreshes > 1) return Promise.resolve<FleetView>({ nodes: [], extraOfferings: [], errors: [] });
          return new Promise<FleetView>((resolve) => { release = () => resolve({ nodes: [], extraOfferings: [], errors: [] }); });
        },
      },
      telemetry: { demandHistory: async () => null },
      forecaster: new HeadroomForecaster(), plan: () => Promise.reject(new Error('not planned')),
      executor: { submit: async () => [] }, clock, scheduler, intervalMs: 10_000, metrics,
    });
    loop.start();
    await scheduler.advance(0);
    expect(refreshes).toBe(1);
    // A caller asking for an iteration meanwhile shares the one in progress.
    const first = loop.runOnce();
    const second = loop.runOnce();
    expect(second).toBe(first);
    expect(await counter(metrics.missed)).toBe(2);
    // 3.5 intervals pass while the first iteration hangs: nothing else starts.
    await scheduler.advance(35_000);
    expect(refreshes).toBe(1);
    release();
    await first;
    await scheduler.advance(0);
    expect(await counter(metrics.slow)).toBe(1);
    expect(await counter(metrics.missed)).toBe(2 + 3);
    // Realigned on the interval grid: the next tick is 5 s after the slow one ended (40 s after the start).
    expect(scheduler.dueTimes()).toEqual([Date.parse('2026-03-01T00:00:40Z')]);
    await scheduler.advance(5_000);
    expect(refreshes).toBe(2);
    await loop.stop();
    expect(scheduler.pending).toBe(0);
    expect(await counter(metrics.iterations)).toBe(2);
  });
});

describe('ControlLoop limited offerings', () => {
  it('plans a limited offering (owned servers) net of the nodes of it that are alive, in any pool', async () => {
    const owned: Offering = { ...OFFERING, id: 'onprem:dc1:box:owned', purchase: 'owned', available: 4 };
    const seen: Array<number | null> = [];
    const loop = new ControlLoop({
      pools: () => [{ ...pool('auto'), capacity: { byOffering: { [owned.id]: 10 } } }], offerings: () => [owned, OFFERING],
      inventory: {
        refresh: async () => ({
          nodes: [{ id: 'n1', pool: 'web', offering: owned.id, state: 'running', startedAt: null }],
          extraOfferings: [], errors: [], consumed: new Map([[owned.id, 3]]),
        }),
      },
      telemetry: { demandHistory: async () => ({ startSeconds: 0, stepSeconds: 10, values: [100] }) },
      forecaster: new HeadroomForecaster(),
      plan: async (snapshot) => {
        seen.push(snapshot.offerings.find((o) => o.id === owned.id)?.available ?? null, snapshot.offerings.find((o) => o.id === OFFERING.id)?.available ?? null);
        throw new Error('enough');
      },
      executor: { submit: async () => [] }, clock: new FakeClock(), intervalMs: 10_000,
    });
    await expect(loop.runOnce()).rejects.toThrow('enough');
    // Four servers, three alive (one in this pool, two elsewhere): one more can start; the unlimited offering is untouched.
    expect(seen).toEqual([1, null]);
  });
});

describe('ControlLoop waiting plans', () => {
  const solver = new HighsSolver();

  function harness(mode: LoopPool['actuation']['mode'], waitingTolerance: number | undefined) {
    const clock = new FakeClock('2026-03-01T00:00:00Z');
    let level = 50;
    const submitted: Plan[] = [];
    const executor: PlanExecutor = { submit: async ({ plan: p }) => { submitted.push(p); return [{ pool: 'web', status: mode, detail: null }]; } };
    const history = (): DemandHistory => ({ startSeconds: clock.now().getTime() / 1000 - 40, stepSeconds: 10, values: [level, level, level, level, level] });
    const loop = new ControlLoop({
      pools: () => [pool(mode)], offerings: () => [OFFERING],
      // Nobody acts on the plans: the fleet stays empty.
      inventory: { refresh: async () => ({ nodes: [], extraOfferings: [], errors: [] }) },
      telemetry: { demandHistory: async () => history() },
      forecaster: new HeadroomForecaster(), plan: (snapshot, options) => plan(snapshot, options, solver),
      executor, clock, intervalMs: 10_000, replanIntervalMs: 600_000,
      ...(waitingTolerance === undefined ? {} : { waitingTolerance }),
    });
    return {
      loop, submitted,
      next: async (demand: number) => {
        level = demand;
        clock.advance(10_000);
        return loop.runOnce();
      },
    };
  }

  it('keeps a plan waiting for approval while the fleet and the demand have not moved', async () => {
    const h = harness('approve', 0.2);
    expect((await h.next(50)).pools[0]?.result).toBe('planned');
    expect(h.submitted).toHaveLength(1);
    expect(h.submitted[0]?.actions).toEqual([expect.objectContaining({ action: 'start', count: 5, offering: OFFERING.id })]);
    const held = await h.next(55);
    expect(held.pools[0]?.result).toBe('steady');
    expect(held.pools[0]?.explanation.at(-1)).toMatch(/unchanged since the last plan .* that plan stands/);
    expect(held.decisionId).toBeNull();
    // Less demand than the waiting plan was made for: it still serves, it stands.
    expect((await h.next(20)).pools[0]?.result).toBe('steady');
    expect(h.submitted).toHaveLength(1);
    // Demand moved beyond the tolerance: a new plan for the new demand.
    const moved = await h.next(80);
    expect(moved.pools[0]?.result).toBe('planned');
    expect(h.submitted.at(-1)?.actions).toEqual([expect.objectContaining({ action: 'start', count: 8 })]);
  });

  it('re-plans an auto pool that is still short (its plan may have failed), and any pool without a tolerance', async () => {
    for (const [mode, tolerance] of [['auto', 0.2], ['approve', undefined]] as const) {
      const h = harness(mode, tolerance);
      await h.next(50);
      expect((await h.next(50)).pools[0]?.result).toBe('planned');
      expect(h.submitted).toHaveLength(2);
    }
  });
});
