/** plan() against fake solvers: what it does when the solver runs out of time, fails, or only bounds the gap. */
import { describe, expect, it } from 'vitest';
import type { Offering } from '../model/offering.js';
import type { PlanningSnapshot } from '../model/scenario.js';
import { violations, type MilpModel, type MilpResult, type Solver } from './milp.js';
import { plan } from './plan.js';

const offering = (id: string, pricePerHour: number): Offering => ({
  id, provider: 'aws', region: 'r', zone: null, instanceType: id, vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand', term: null,
  pricePerHour, available: 10, source: 'test', asOf: null,
});

const snapshot = (demand: number): PlanningSnapshot => ({
  offerings: [offering('a', 10), offering('b', 1)],
  pools: [{ name: 'p', unit: 'u', demand, capacity: { byOffering: { a: 10, b: 10 } }, qos: { maxUtilization: 1 }, constraints: {} }],
  nodes: [{ id: 'n1', pool: 'p', offering: 'a', state: 'running', startedAt: '2026-01-01T00:00:00Z' }],
  now: '2026-06-01T12:00:00Z',
});

/** A solver that answers every solve with `answer(model)`. */
const fake = (answer: (model: MilpModel) => MilpResult): Solver => ({ name: 'fake', solve: async (model) => answer(model) });
const none = (status: MilpResult['status']): MilpResult => ({ status, objective: null, values: null, bestBound: null, gap: null, timeMs: 5 });

describe('plan() when the solver falls short', () => {
  it('changes nothing when no plan was found in time', async () => {
    const p = await plan(snapshot(5), {}, fake(() => none('time-limit-no-solution')));
    expect(p.actions).toEqual([]);
    expect(p.diagnostics.decision).toBe('no-solution');
    expect(p.diagnostics.solver).toMatchObject({ status: 'time-limit-no-solution', gap: null });
    expect(p.costPerHourAfter).toBe(10);
    expect(p.explanation.join('\n')).toMatch(/no plan within the time limit/);
  });

  it('reports the best fleet found and its proven gap when the time limit stopped the search', async () => {
    // The fake hands back the start it was given (the running fleet) as its best-so-far, with a bound below it.
    const p = await plan(snapshot(5), {}, fake((model) => {
      const values = model.start ?? model.variables.map((v) => v.lower);
      expect(violations(model, values)).toEqual([]);
      const objective = model.variables.reduce((s, v, j) => s + v.cost * values[j]!, 0);
      return { status: 'time-limit-feasible', objective, values, bestBound: objective * 0.9, gap: 0.1, timeMs: 5 };
    }));
    expect(p.actions).toEqual([]);
    expect(p.diagnostics.solver).toMatchObject({ status: 'time-limit-feasible', gap: 0.1 });
  });

  it('fails with GOV_INTERNAL when the solver errs', async () => {
    await expect(plan(snapshot(5), {}, fake(() => ({ ...none('error'), message: 'boom' })))).rejects.toMatchObject({ code: 'GOV_INTERNAL', message: /boom/ });
  });

  it('shares one time budget across solves', async () => {
    const limits: number[] = [];
    const solver: Solver = { name: 'fake', solve: async (_model, l) => { limits.push(l.timeLimitMs); return { ...none('infeasible'), timeMs: 300 }; } };
    await plan(snapshot(5), { timeLimitMs: 1000 }, solver);
    expect(limits[0]).toBe(1000);
    expect(limits[1]).toBe(700);
  });
});
