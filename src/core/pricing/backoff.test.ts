import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { baseDelayMs: 1000, maxDelayMs: 30_000 };

describe('backoffDelay', () => {
  it('draws from [0, base × 2^(retry−1)), capped at maxDelayMs', () => {
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(500);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(2000);
    expect(backoffDelay(policy, 10, () => 0.5)).toBe(15_000);
    expect(backoffDelay(policy, 1, () => 0)).toBe(0);
    expect(backoffDelay(policy, 40, () => 0.999_999)).toBeLessThan(30_000);
  });

  it('waits at least as long as Retry-After asked', () => {
    expect(backoffDelay(policy, 1, () => 0.1, 7000)).toBe(7000);
    expect(backoffDelay(policy, 5, () => 0.9, 100)).toBe(14_400);
  });

  it('stays in range whatever the random source returns', () => {
    for (const r of [-1, 1, 2, Number.NaN]) {
      const d = backoffDelay(policy, 3, () => r);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(4000);
    }
  });
});
