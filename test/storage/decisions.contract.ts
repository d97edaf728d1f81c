/**
 * DecisionRepository's contract (src/ports/store.ts), run by store.contract.test.ts on PGlite and on
 * PostgreSQL. Tests share one database: these decisions are dated in 2099 so they are the newest there.
 */
import { expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import type { Plan } from '../../src/core/model/plan.js';
import type { Store } from '../../src/ports/store.js';

const at = (second: number): Date => new Date(Date.UTC(2099, 0, 1, 0, 0, second, 123));

function samplePlan(savingsPerHour: number, feasible = true): Plan {
  return {
    feasible,
    costPerHourBefore: 25,
    costPerHourAfter: 25 - savingsPerHour,
    savingsPerHour,
    actions: [
      { action: 'start', pool: 'llm', offering: 'aws:us-east-1:h100-box:on-demand', count: 2, costDeltaPerHour: 18 },
      { action: 'stop', pool: 'llm', nodeId: 'node-h200-1', offering: 'aws:us-east-1:h200-box:on-demand', costDeltaPerHour: -25 },
    ],
    pools: [{
      name: 'llm', unit: 'req/s', demand: 20, requiredCapacity: 22.222222, capacityBefore: 100, capacityAfter: 22.4, utilizationBefore: 0.2,
      utilizationAfter: 0.893, nodesBefore: 1, nodesAfter: 2, costPerHourBefore: 25, costPerHourAfter: 18, shortfall: 0,
    }],
    targetFleet: [{ pool: 'llm', offering: 'aws:us-east-1:h100-box:on-demand', count: 2 }],
    explanation: ['Start 2 node(s), stop 1 — «ключ» ✓'],
    diagnostics: {
      decision: 'optimize',
      decisions: [{ pools: ['llm'], decision: 'optimize', keepCostPerHour: 25, keepCostIsLowerBound: false, optimumCostPerHour: 18, savingsThresholdPerHour: 1.25 }],
      bindingConstraints: [], unmetConstraints: [], alternatives: [{ description: 'keep the running fleet unchanged', costPerHour: 25, whyLost: 'costs more' }],
      solver: { name: 'highs', status: 'optimal', gap: 0, timeMs: 3.5, solves: 1, components: 1, candidateOfferings: 2, prunedOfferings: 0, variables: 3, constraints: 2 },
      protectedNodes: [], ignoredNodes: [],
    },
  };
}

async function expectValidation(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isGovError(err) && err.code === 'GOV_VALIDATION', String(err)).toBe(true);
}

export function decisionsContract(getStore: () => Store): void {
  it('records a plan and returns it whole, with id, feasibility and savings rounded to 4 decimals', async () => {
    const store = getStore();
    const plan = samplePlan(7.123456);
    const record = await store.decisions.record({ at: at(1), source: 'simulate', workload: 'llm', plan });
    expect(record).toEqual({ id: expect.any(Number), at: at(1), source: 'simulate', workload: 'llm', plan, feasible: true, savingsPerHour: 7.1235 });
    const [newest] = await store.decisions.listRecent(1);
    expect(newest).toEqual(record);
  });

  it('lists the newest first (time, then id) and honours the limit', async () => {
    const store = getStore();
    const a = await store.decisions.record({ at: at(10), source: 'recommendation', workload: 'a,b', plan: samplePlan(-2, false) });
    const b = await store.decisions.record({ at: at(10), source: 'recommendation', workload: 'c', plan: samplePlan(0) });
    const c = await store.decisions.record({ at: at(5), source: 'simulate', workload: 'd', plan: samplePlan(1) });
    const recent = await store.decisions.listRecent(3);
    expect(recent.map((r) => r.id)).toEqual([b.id, a.id, c.id]);
    expect(recent[1]).toMatchObject({ feasible: false, savingsPerHour: -2, workload: 'a,b' });
    expect(await store.decisions.listRecent(1)).toHaveLength(1);
  });

  it('refuses bad input with GOV_VALIDATION and stores nothing', async () => {
    const store = getStore();
    const before = (await store.decisions.listRecent(1))[0]?.id;
    await expectValidation(store.decisions.record({ at: at(20), source: '', workload: 'x', plan: samplePlan(1) }));
    await expectValidation(store.decisions.record({ at: at(20), source: 's', workload: 'x'.repeat(1001), plan: samplePlan(1) }));
    await expectValidation(store.decisions.record({ at: at(20), source: 's', workload: 'x', plan: samplePlan(Number.NaN) }));
    await expectValidation(store.decisions.record({ at: at(20), source: 's', workload: 'x', plan: samplePlan(1e9) }));
    await expectValidation(store.decisions.record({ at: new Date(Number.NaN), source: 's', workload: 'x', plan: samplePlan(1) }));
    expect((await store.decisions.listRecent(1))[0]?.id).toBe(before);
    await expectValidation(store.decisions.listRecent(0));
    await expectValidation(store.decisions.listRecent(1001));
  });
}
