import { describe, expect, it } from 'vitest';
import type { MilpModel } from '../../../ports/solver.js';
import { ExhaustiveSolver } from '../exhaustive/index.js';
import { HighsSolver } from './index.js';

const solver = new HighsSolver();
const limits = { timeLimitMs: 10_000, relativeGap: 0 };

/** min 25a + 9b  s.t. 100a + 11.2b ≥ 22.2, a ≤ 1, b ≤ 10 (the seed: two H100s beat one H200). */
const seed: MilpModel = {
  variables: [
    { name: 'a', lower: 0, upper: 1, integer: true, cost: 25 },
    { name: 'b', lower: 0, upper: 10, integer: true, cost: 9 },
  ],
  constraints: [{ name: 'capacity', terms: [{ variable: 0, coef: 100 }, { variable: 1, coef: 11.2 }], lower: 20 / 0.9, upper: Infinity }],
};

/** A multi-dimensional covering knapsack with many near-equal items: hard enough that 1 ms is not enough to prove. */
function hard(n: number): MilpModel {
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const variables = Array.from({ length: n }, (_, j) => ({ name: `x${j}`, lower: 0, upper: 20, integer: true, cost: 10 + rand() }));
  const constraints = Array.from({ length: 8 }, (_, i) => ({
    name: `r${i}`, terms: variables.map((_, j) => ({ variable: j, coef: 3 + Math.floor(rand() * 17) })), lower: 1000 + 137 * i, upper: Infinity,
  }));
  return { variables, constraints };
}

describe('HighsSolver', () => {
  it('solves a MILP to optimality with whole numbers, bound and zero gap', async () => {
    const r = await solver.solve(seed, limits);
    expect(r).toMatchObject({ status: 'optimal', objective: 18, values: [0, 2], gap: 0 });
    expect(r.bestBound).toBeCloseTo(18, 9);
    expect(r.timeMs).toBeGreaterThan(0);
  });

  it('reports infeasible', async () => {
    const r = await solver.solve({ ...seed, constraints: [{ ...seed.constraints[0]!, lower: 1000 }] }, limits);
    expect(r).toMatchObject({ status: 'infeasible', values: null, objective: null });
  });

  it('answers a model with no variables without calling HiGHS', async () => {
    expect(await solver.solve({ variables: [], constraints: [] }, limits)).toMatchObject({ status: 'optimal', objective: 0, values: [] });
    expect(await solver.solve({ variables: [], constraints: [{ name: 'c', terms: [], lower: 1, upper: Infinity }] }, limits)).toMatchObject({ status: 'infeasible' });
  });

  it('merges a variable named twice in one row, and keeps continuous variables continuous', async () => {
    const r = await solver.solve({
      variables: [{ name: 'x', lower: 0, upper: 10, integer: true, cost: 1 }, { name: 's', lower: 0, upper: Infinity, integer: false, cost: 0.5 }],
      constraints: [{ name: 'c', terms: [{ variable: 0, coef: 1 }, { variable: 0, coef: 1 }, { variable: 1, coef: 1 }], lower: 3, upper: Infinity }],
    }, limits);
    // 2x + s ≥ 3: x = 1, s = 1 costs 1.5; x = 2 costs 2; s = 3 costs 1.5 → optimum 1.5.
    expect(r.status).toBe('optimal');
    expect(r.objective).toBeCloseTo(1.5, 9);
  });

  it('takes a start solution, and ignores one that does not fit', async () => {
    expect((await solver.solve({ ...seed, start: [1, 0] }, limits)).objective).toBe(18);
    expect((await solver.solve({ ...seed, start: [5, 5] }, limits)).objective).toBe(18);
  });

  it('stops at the time limit with the best solution found, never claiming a gap it has not proven', async () => {
    const model = hard(200);
    const r = await solver.solve({ ...model, start: model.variables.map(() => 20) }, { timeLimitMs: 1, relativeGap: 0 });
    expect(r.status).toBe('time-limit-feasible');
    expect(r.values).not.toBeNull();
    // Stopped this early HiGHS has no dual bound yet (gap unknown), or a bound strictly below the incumbent.
    if (r.gap === null) expect(r.bestBound).toBeNull();
    else {
      expect(r.gap).toBeGreaterThan(0);
      expect(r.bestBound!).toBeLessThan(r.objective!);
    }
  });

  it('agrees with the exhaustive solver on small models', async () => {
    const brute = new ExhaustiveSolver();
    for (let k = 0; k < 10; k++) {
      const model: MilpModel = {
        variables: [0, 1, 2].map((j) => ({ name: `x${j}`, lower: 0, upper: 4, integer: true, cost: 1 + ((k * 7 + j * 3) % 5) })),
        constraints: [
          { name: 'cap', terms: [0, 1, 2].map((j) => ({ variable: j, coef: 2 + ((k + j) % 4) })), lower: 7 + k, upper: Infinity },
          { name: 'count', terms: [0, 1, 2].map((j) => ({ variable: j, coef: 1 })), lower: 0, upper: 5 },
        ],
      };
      const [h, b] = [await solver.solve(model, limits), await brute.solve(model, limits)];
      expect(h.status).toBe(b.status);
      if (b.objective !== null) expect(h.objective).toBeCloseTo(b.objective, 9);
    }
  });
});
