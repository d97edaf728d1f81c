import { describe, expect, it } from 'vitest';
import { aggregate, aggregateSteps, bucketStart, chooseResolution, rollUp, sampleBucket, sumPoints, weightedQuantile } from './rollup.js';

const DAY = 86_400_000;

describe('rollups', () => {
  it('buckets by start, also before 1970', () => {
    expect(bucketStart(125_000, 60_000)).toBe(120_000);
    expect(bucketStart(-1, 60_000)).toBe(-60_000);
  });

  it('rolls samples up and finer buckets up again without loss', () => {
    const samples = [[0, 1], [10_000, 5], [59_999, 3], [60_000, 10], [3_599_999, -2]].map(([t, v]) => sampleBucket(t!, v!));
    const m = rollUp(samples, 60_000);
    expect(m.map((b) => [b.ts, b.count, b.sum, b.min, b.max])).toEqual([[0, 3, 9, 1, 5], [60_000, 1, 10, 10, 10], [3_540_000, 1, -2, -2, -2]]);
    const h = rollUp(m, 3_600_000);
    expect(h).toEqual(rollUp(samples, 3_600_000));
    expect(h[0]).toMatchObject({ count: 5, sum: 17, min: -2, max: 10 });
  });

  it('computes avg, max, min, sum exactly from buckets and p95 by nearest rank', () => {
    const raw = Array.from({ length: 100 }, (_, i) => sampleBucket(i * 1000, i + 1));
    expect(aggregate(raw, 'avg')).toBe(50.5);
    expect(aggregate(raw, 'sum')).toBe(5050);
    expect(aggregate(raw, 'max')).toBe(100);
    expect(aggregate(raw, 'min')).toBe(1);
    expect(aggregate(raw, 'p95')).toBe(95);
    const m = rollUp(raw, 10_000); // 10 buckets of 10 samples, means 5.5 … 95.5
    expect(aggregate(m, 'avg')).toBe(50.5);
    expect(aggregate(m, 'sum')).toBe(5050);
    expect(weightedQuantile(m, 0.95)).toBe(95.5);
    expect(aggregate([], 'avg')).toBeNaN();
  });

  it('puts buckets into step windows from `from`, leaving empty windows out', () => {
    const raw = [0, 1000, 2000, 10_000, 31_000].map((t) => sampleBucket(t, t / 1000));
    expect(aggregateSteps(raw, { from: 0, to: 40_000, step: 10_000, agg: 'sum' })).toEqual([[0, 3], [10_000, 10], [30_000, 31]]);
    expect(aggregateSteps(raw, { from: 1000, to: 10_000, step: 5000, agg: 'max' })).toEqual([[1000, 2]]);
    expect(sumPoints([[[0, 1], [10, 2]], [[10, 3]]])).toEqual([[0, 1], [10, 5]]);
  });

  it('chooses the coarsest resolution that fits the step and still holds `from`', () => {
    const retentionMs = { raw: 7 * DAY, '1m': 90 * DAY, '1h': 730 * DAY };
    const nowMs = 1000 * DAY;
    const at = (from: number, step: number | undefined) => chooseResolution({ from, step, nowMs, retentionMs }).resolution;
    expect(at(nowMs - DAY, undefined)).toBe('raw');
    expect(at(nowMs - DAY, 15_000)).toBe('raw');
    expect(at(nowMs - DAY, 300_000)).toBe('1m');
    expect(at(nowMs - DAY, 90_000)).toBe('raw');
    expect(at(nowMs - DAY, 3_600_000)).toBe('1h');
    expect(at(nowMs - 30 * DAY, 15_000)).toBe('1h');
    expect(at(nowMs - 30 * DAY, 120_000)).toBe('1m');
    expect(at(nowMs - 30 * DAY, undefined)).toBe('1h');
    const p95 = (from: number, step: number) => chooseResolution({ from, step, nowMs, retentionMs, quantile: true }).resolution;
    expect(p95(nowMs - DAY, 3_600_000)).toBe('1m');
    expect(p95(nowMs - DAY, 300_000)).toBe('raw');
    expect(p95(nowMs - 100 * DAY, 86_400_000)).toBe('1h');
    expect(p95(nowMs - 100 * DAY, 3_600_000)).toBe('1h');
  });
});
