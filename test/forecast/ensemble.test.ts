import { beforeAll, describe, expect, it } from 'vitest';
import { loadForecastEngine } from '../../src/adapters/forecast/index.js';
import {
  autoOrigins, COMBINATION_MARGIN, excessT, forecastSeries, oneSidedT90, MIN_HISTORY,
} from '../../src/core/forecast/ensemble.js';
import { mae } from '../../src/core/forecast/metrics.js';
import { GovError } from '../../src/core/errors.js';
import type { ForecastEngine, ForecastResult } from '../../src/core/forecast/index.js';
import { prng } from '../support/prng.js';

const START = 1_700_006_400; // a midnight UTC
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A flat level with uniform noise in [-spread, spread]: no season, so naive is the yardstick (1-min steps). */
function level(n: number, seed: number, spread = 10, base = 100): number[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => base + (rand() * 2 - 1) * spread);
}

/** Fake back-ends whose forecasts are the history's mean plus a fixed bias, to steer the backtest exactly. */
function biased(ets: number | undefined, prophet: number | undefined): ForecastEngine {
  return {
    ...(ets !== undefined ? { ets: (y: readonly number[], h: number) => new Array<number>(h).fill(mean(y) + ets) } : {}),
    ...(prophet !== undefined ? { prophet: (_ds: readonly number[], y: readonly number[], future: readonly number[]) => new Array<number>(future.length).fill(mean(y) + prophet) } : {}),
  };
}

function checkBands(result: ForecastResult): void {
  for (const p of result.points) {
    expect(p.lo99).toBeLessThanOrEqual(p.lo90);
    expect(p.lo90).toBeLessThanOrEqual(p.lo50);
    expect(p.lo50).toBeLessThanOrEqual(p.mean);
    expect(p.mean).toBeLessThanOrEqual(p.hi50);
    expect(p.hi50).toBeLessThanOrEqual(p.hi90);
    expect(p.hi90).toBeLessThanOrEqual(p.hi99);
  }
  const total = Object.values(result.weights).reduce((a, b) => a + (b ?? 0), 0);
  expect(total).toBeCloseTo(1, 9);
}

describe('excessT and oneSidedT90', () => {
  it('is +∞ / −∞ for a constant excess or shortfall and 0 for equal errors', () => {
    expect(excessT([2, 3, 4], [1, 2, 3])).toBe(Number.POSITIVE_INFINITY);
    expect(excessT([1, 2, 3], [2, 3, 4])).toBe(Number.NEGATIVE_INFINITY);
    expect(excessT([1, 2], [1, 2])).toBe(0);
  });

  it('is the mean excess over its standard error', () => {
    // Differences 1, 2, 3: mean 2, sd 1, n 3 → t = 2 / (1 / √3).
    expect(excessT([2, 4, 6], [1, 2, 3])).toBeCloseTo(2 * Math.sqrt(3), 12);
    // One origin among three much worse, two better: not beyond the noise at 90%.
    const t = excessT([5, 0.8, 0.8], [1, 1, 1]);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(oneSidedT90(2));
  });

  it('uses Student t critical values and 0 with no degrees of freedom', () => {
    expect(oneSidedT90(0)).toBe(0);
    expect(oneSidedT90(2)).toBeCloseTo(1.886, 3);
    expect(oneSidedT90(6)).toBeCloseTo(1.44, 3);
    expect(oneSidedT90(50)).toBe(oneSidedT90(10));
  });
});

describe('autoOrigins', () => {
  it('spans the longest season, from 3 to 7 origins', () => {
    expect(autoOrigins([288, 2016], 288)).toBe(7); // day-ahead on a weekly season: each day of the last week
    expect(autoOrigins([288], 288)).toBe(3);
    expect(autoOrigins([], 60)).toBe(3);
    expect(autoOrigins([288, 2016], 12)).toBe(7);
    expect(autoOrigins([48], 12)).toBe(4);
  });
});

describe('forecastSeries weights', () => {
  const series = (values: number[]) => ({ startSeconds: START, stepSeconds: 60, values });

  it('gives a fitted model that beats the naive yardstick all the weight', async () => {
    // History mean ± 0 against a noisy last value: the smoother wins at every origin.
    const result = await forecastSeries(series(level(400, 1)), biased(0, undefined), { horizon: 20, models: ['ets'] });
    expect(result.model).toBe('ets');
    expect(result.weights).toEqual({ naive: 0, ets: 1 });
    checkBands(result);
  });

  it('gives a fitted model that is worse than the yardstick beyond the noise weight 0, and says why', async () => {
    const result = await forecastSeries(series(level(400, 2)), biased(40, undefined), { horizon: 20, models: ['ets'] });
    expect(result.model).toBe('naive');
    expect(result.weights).toEqual({ naive: 1, ets: 0 });
    expect(result.notes.some((n) => n.startsWith('ets: weight 0') && n.includes('naive'))).toBe(true);
    // The naive forecast is the last value.
    const values = level(400, 2);
    expect(result.points[0]?.mean).toBeCloseTo(values[values.length - 1] as number, 9);
  });

  it('combines two models when the mix beats the better one by the margin, and otherwise uses the better alone', async () => {
    // Opposite biases cancel in the mix: its error is the noise alone, well over 10% below either model's.
    const mixed = await forecastSeries(series(level(2000, 3)), biased(4, -4), { horizon: 200, models: ['ets', 'prophet'] });
    expect(mixed.model).toBe('ensemble');
    expect(mixed.weights.ets).toBeGreaterThan(0.3);
    expect(mixed.weights.prophet).toBeGreaterThan(0.3);
    expect(mixed.weights.naive).toBe(0);
    checkBands(mixed);
    // Same-sign biases: the mix is no better than the less biased model, which then takes all the weight.
    const single = await forecastSeries(series(level(2000, 3)), biased(4, 4.5), { horizon: 200, models: ['ets', 'prophet'] });
    expect(single.model).toBe('ets');
    expect(single.weights).toEqual({ naive: 0, ets: 1, prophet: 0 });
    expect(single.notes.some((n) => n.includes(`by ${COMBINATION_MARGIN * 100}%`))).toBe(true);
  });

  it('calibrates intervals against the history as observed, so excluded spikes still widen them', async () => {
    const clean = level(400, 4);
    const spiky = [...clean];
    const spikes: number[] = [];
    // Spikes every 10th step over the last 100 steps (the backtest's span): excluded from fitting.
    for (let i = 300; i < 400; i += 10) { spiky[i] = 400; spikes.push(i); }
    const engine = biased(0, undefined);
    const a = await forecastSeries(series(clean), engine, { horizon: 20, models: ['ets'], origins: 5 });
    const b = await forecastSeries(series(spiky), engine, { horizon: 20, models: ['ets'], origins: 5, exclude: spikes });
    // The point forecast ignores the excluded spikes (imputed), the upper bands do not.
    expect(b.points[0]?.mean).toBeCloseTo(a.points[0]?.mean as number, 0);
    expect(mean(b.points.map((p) => p.hi90))).toBeGreaterThan(mean(a.points.map((p) => p.hi90)) + 5);
    expect(mean(b.points.map((p) => p.hi99))).toBeGreaterThan(mean(a.points.map((p) => p.hi99)) + 50);
  });
});

describe('forecastSeries with the real back-ends (augurs)', () => {
  let engine: ForecastEngine;
  beforeAll(async () => { engine = await loadForecastEngine(['snaive_daily', 'snaive_weekly', 'ets', 'mstl']); });

  const STEP = 300;
  const DAY = 86_400 / STEP;
  /** Diurnal demand with a quieter weekend and 15% noise, 5-minute steps. */
  function weekly(days: number, seed: number): number[] {
    const rand = prng(seed);
    return Array.from({ length: days * DAY }, (_, i) => {
      const phase = (i % DAY) / DAY;
      const weekend = Math.floor(i / DAY) % 7 >= 5 ? 0.6 : 1;
      const base = weekend * (100 + 60 * Math.sin(2 * Math.PI * (phase - 0.25)));
      return base * (1 + (rand() - 0.5) * 0.3);
    });
  }

  // 21 days of history: at every backtest origin MSTL has the two weekly cycles it needs, so the backtest judges
  // the same model the final fit uses (with 14 days it judges a daily-only MSTL; docs/forecasting.md).
  it('beats seasonal naive out of sample on a noisy daily/weekly series, backtested from each day of the last week', async () => {
    const values = weekly(22, 11);
    const history = values.slice(0, 21 * DAY);
    const actual = values.slice(21 * DAY);
    const result = await forecastSeries({ startSeconds: START, stepSeconds: STEP, values: history }, engine, { horizon: DAY });
    expect(result.periods).toEqual([DAY, 7 * DAY]);
    checkBands(result);
    expect(result.points).toHaveLength(DAY);
    expect(result.points[0]?.t).toBe(START + 21 * DAY * STEP);
    const ensembleError = mae(actual, result.points.map((p) => p.mean));
    const snaiveDay = history.slice(20 * DAY);
    const snaiveWeek = history.slice(14 * DAY, 15 * DAY);
    expect(ensembleError).toBeLessThan(0.8 * mae(actual, snaiveWeek));
    expect(ensembleError).toBeLessThan(0.8 * mae(actual, snaiveDay));
    // The weight went to fitted models, not to the noisy yardsticks.
    expect((result.weights.ets ?? 0) + (result.weights.mstl ?? 0)).toBeCloseTo(1, 9);
    // 7 daily origins → 7 × 288 backtest points per model.
    expect(result.accuracy.ensemble?.points).toBe(7 * DAY);
    // 90% interval covers most of the next day.
    const inside = actual.filter((v, h) => v >= (result.points[h]?.lo90 as number) && v <= (result.points[h]?.hi90 as number)).length;
    expect(inside / DAY).toBeGreaterThan(0.8);
  });

  it('never crashes on bad input: gaps, NaN, a constant series, too-short history', async () => {
    const values = weekly(3, 5);
    for (let i = 100; i < 140; i++) values[i] = Number.NaN;
    const gappy = await forecastSeries({ startSeconds: START, stepSeconds: STEP, values }, engine, { horizon: 24 });
    expect(gappy.notes.some((n) => n.includes('40 non-finite history value(s) were interpolated'))).toBe(true);
    expect(gappy.points.every((p) => Number.isFinite(p.mean) && Number.isFinite(p.hi99))).toBe(true);

    const flat = await forecastSeries({ startSeconds: START, stepSeconds: STEP, values: new Array<number>(600).fill(42) }, engine, { horizon: 12 });
    for (const p of flat.points) {
      expect(p.mean).toBeCloseTo(42, 6);
      expect(p.hi99 - p.lo99).toBeLessThan(1e-6);
    }

    const short = await forecastSeries({ startSeconds: START, stepSeconds: STEP, values: [5, 6, 7] }, engine, { horizon: 4 });
    expect(short.fallback).toBe(true);
    expect(short.model).toBe('naive');
    expect(short.notes.join(' ')).toContain(`at least ${MIN_HISTORY} are needed`);
    expect(short.points.map((p) => p.mean)).toEqual([7, 7, 7, 7]);
    checkBands(short);
    // A steady trend is not certainty: the last value misses it, and the bands say so, wider with each step.
    expect((short.points[0]?.hi90 as number) - 7).toBeGreaterThan(1);
    expect((short.points[3]?.hi90 as number) - (short.points[3]?.lo90 as number)).toBeGreaterThan((short.points[0]?.hi90 as number) - (short.points[0]?.lo90 as number));

    await expect(forecastSeries({ startSeconds: START, stepSeconds: STEP, values: [] }, engine, { horizon: 4 })).rejects.toThrow(GovError);
    await expect(forecastSeries({ startSeconds: START, stepSeconds: STEP, values: [Number.NaN, Number.NaN] }, engine, { horizon: 4 })).rejects.toThrow(/no finite value/);
    await expect(forecastSeries({ startSeconds: START, stepSeconds: STEP, values: [1, 2, 3] }, engine, { horizon: 0 })).rejects.toThrow(/horizon/);
    await expect(forecastSeries({ startSeconds: START, stepSeconds: 0, values: [1, 2, 3] }, engine, { horizon: 2 })).rejects.toThrow(/stepSeconds/);
  });
});
