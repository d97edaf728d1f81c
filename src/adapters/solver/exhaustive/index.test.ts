import { describe, expect, it } from 'vitest';
import { ExhaustiveSolver } from './index.js';

const limits = { timeLimitMs: 1000, relativeGap: 0 };
const int = (name: string, upper: number, cost: number) => ({ name, lower: 0, upper, integer: true, cost });

describe('ExhaustiveSolver', () => {
  it('finds the optimum of a small MILP', async () => {
    const r = await new ExhaustiveSolver().solve({
      variables: [int('big', 10, 5), int('small', 10, 2.5)],
      constraints: [{ name: 'cap', terms: [{ variable: 0, coef: 8 }, { variable: 1, coef: 3 }], lower: 10, upper: Infinity }],
    }, limits);
    expect(r).toMatchObject({ status: 'optimal', objective: 7.5, values: [1, 1], gap: 0 });
  });

  it('reports infeasible', async () => {
    const r = await new ExhaustiveSolver().solve({
      variables: [int('x', 2, 1)],
      constraints: [{ name: 'c', terms: [{ variable: 0, coef: 1 }], lower: 3, upper: Infinity }],
    }, limits);
    expect(r.status).toBe('infeasible');
  });

  it('sets a continuous slack to the cheapest value its one row allows', async () => {
    const r = await new ExhaustiveSolver().solve({
      variables: [int('x', 3, 1), { name: 's', lower: 0, upper: 1, integer: false, cost: 10 }],
      // 2x + 10s ≥ 10: x = 3 leaves s = 0.4 (cost 7); x = 0 needs s = 1 (10) → 3 + 4 = 7 vs 10 → x = 3.
      constraints: [{ name: 'c', terms: [{ variable: 0, coef: 2 }, { variable: 1, coef: 10 }], lower: 10, upper: Infinity }],
    }, limits);
    expect(r.status).toBe('optimal');
    expect(r.objective).toBeCloseTo(7, 9);
    expect(r.values![1]).toBeCloseTo(0.4, 9);
  });

  it.each([
    ['an unbounded integer variable', { variables: [{ name: 'x', lower: 0, upper: Infinity, integer: true, cost: 1 }], constraints: [] }, /unbounded/],
    ['too many combinations', { variables: Array.from({ length: 30 }, (_, j) => int(`x${j}`, 9, 1)), constraints: [] }, /combinations/],
    ['a continuous variable in two rows', {
      variables: [{ name: 's', lower: 0, upper: 1, integer: false, cost: 1 }],
      constraints: [{ name: 'a', terms: [{ variable: 0, coef: 1 }], lower: 0, upper: 1 }, { name: 'b', terms: [{ variable: 0, coef: 1 }], lower: 0, upper: 1 }],
    }, /more than one constraint/],
  ])('refuses %s', async (_what, model, message) => {
    const r = await new ExhaustiveSolver().solve(model, limits);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(message);
  });
});
