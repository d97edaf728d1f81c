/**
 * The planner bounds new-node variables (formulate.ts, newNodeBounds) so HiGHS works less. A bound must never
 * cut off every optimal solution: here the exhaustive solver solves each model twice, as formulated and with
 * every new-node bound widened by 3, and the optima must agree.
 */
import { describe, expect, it } from 'vitest';
import { ExhaustiveSolver } from '../../src/adapters/solver/exhaustive/index.js';
import { buildContext, formulate, parseScenario, resolvePlanOptions, type MilpModel } from '../../src/core/planner/index.js';
import { randomScenario } from './random.js';

const exhaustive = new ExhaustiveSolver({ maxCombinations: 200_000_000 });
const limits = { timeLimitMs: 60_000, relativeGap: 0 };

describe('new-node bounds keep an optimal solution', () => {
  let compared = 0;
  it.each(Array.from({ length: 120 }, (_, i) => 7000 + i))('seed %i', async (seed) => {
    const s = parseScenario(randomScenario(seed));
    const options = resolvePlanOptions();
    const ctx = buildContext({ ...s, now: s.now! }, options);
    for (const pools of ctx.components) {
      for (const mode of [{ pools }, { pools, keepAll: true }]) {
        const form = formulate(ctx, options, mode);
        const widened: MilpModel = {
          ...form.model,
          variables: form.model.variables.map((v, j) => {
            const role = form.variables[j]!;
            if (role.kind !== 'new') return v;
            const c = ctx.candidates[role.candidate]!;
            const hard = Math.min(c.offering.available ?? Infinity, ctx.pools[c.pool]!.pool.constraints.maxNodes ?? Infinity);
            return { ...v, upper: Math.min(hard, v.upper + 3) };
          }),
        };
        const tight = await exhaustive.solve(form.model, limits);
        const wide = await exhaustive.solve(widened, limits);
        expect(wide.status, wide.message).not.toBe('error');
        expect(tight.status).toBe(wide.status);
        if (wide.objective !== null) {
          expect(tight.objective).toBeCloseTo(wide.objective, 6);
          compared += 1;
        }
      }
    }
  });

  it('compared feasible models', () => expect(compared).toBeGreaterThan(60));
});
