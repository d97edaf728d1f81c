import { beforeAll, describe, expect, it } from 'vitest';
import { loadForecastEngine } from '../../src/bootstrap/forecast.js';
import { createEnsembleDemandForecaster, type PoolFit } from '../../src/app/forecast/demand-forecaster.js';
import type { ForecastEngine } from '../../src/core/forecast/index.js';
import { prng } from '../support/prng.js';

const STEP = 300;
const DAY_STEPS = 86_400 / STEP;
const START = 1_700_000_000 - (1_700_000_000 % 86_400);

/** Diurnal demand (peak at midday) with 5% noise, `days` days at 5-minute steps. */
function diurnal(days: number, seed = 7): number[] {
  const rand = prng(seed);
  const out: number[] = [];
  for (let i = 0; i < days * DAY_STEPS; i += 1) {
    const phase = (i % DAY_STEPS) / DAY_STEPS;
    out.push(100 + 60 * Math.sin(2 * Math.PI * (phase - 0.25)) + (rand() - 0.5) * 10);
  }
  return out;
}

let engine: ForecastEngine;
beforeAll(async () => { engine = await loadForecastEngine(['snaive_daily', 'snaive_weekly', 'ets', 'mstl']); });

describe('EnsembleDemandForecaster', () => {
  it('plans for an upper quantile of the coming ramp, never below the observed value', async () => {
    const fits: PoolFit[] = [];
    const forecaster = createEnsembleDemandForecaster({ engine, quantile: 0.9, onFit: (f) => { fits.push(f); } });
    const values = diurnal(5);
    // Cut the history at 06:00, on the morning ramp: demand in the next hour is clearly above now.
    const n = 4 * DAY_STEPS + DAY_STEPS / 4;
    const history = { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n) };
    const estimate = await forecaster.planningDemand({ pool: 'web', history, leadTimeSeconds: 1800, intervalSeconds: 1800, nowSeconds: START + (n - 1) * STEP });
    expect(estimate.demand).toBeGreaterThanOrEqual(estimate.observed);
    expect(estimate.observed).toBe(Math.max(0, values[n - 1] as number));
    // The true mean one hour ahead on the ramp.
    const ahead = 100 + 60 * Math.sin(2 * Math.PI * (((n + 12) % DAY_STEPS) / DAY_STEPS - 0.25));
    expect(estimate.demand).toBeGreaterThan(ahead - 10);
    expect(estimate.model.startsWith('ensemble')).toBe(true);
    expect(fits).toHaveLength(1);
    expect(fits[0]?.reason).toBe('first');
  });

  it('reuses the fit between scheduled refits and refits on schedule', async () => {
    const fits: PoolFit[] = [];
    const forecaster = createEnsembleDemandForecaster({ engine, refitSeconds: 3600, onFit: (f) => { fits.push(f); } });
    const values = diurnal(4);
    const base = 3 * DAY_STEPS;
    for (let k = 0; k <= 14; k += 1) {
      const n = base + k;
      await forecaster.planningDemand({ pool: 'p', history: { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n) }, leadTimeSeconds: 600, intervalSeconds: 30, nowSeconds: START + (n - 1) * STEP });
    }
    // 14 steps of 5 minutes = 70 minutes: the first fit plus one scheduled refit.
    expect(fits.map((f) => f.reason)).toEqual(['first', 'schedule']);
  });

  it('fits at most maxFitsPerIteration pools per decision time; the rest keep their fit or plan for the latest value', async () => {
    const fits: PoolFit[] = [];
    const forecaster = createEnsembleDemandForecaster({ engine, refitSeconds: 3600, maxFitsPerIteration: 2, models: ['snaive_daily', 'ets'], onFit: (f) => { fits.push(f); } });
    const values = diurnal(3);
    const pools = ['a', 'b', 'c', 'd', 'e'];
    const decide = async (n: number) => {
      const out = [];
      for (const pool of pools) {
        out.push(await forecaster.planningDemand({ pool, history: { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n) }, leadTimeSeconds: 600, intervalSeconds: 300, nowSeconds: START + (n - 1) * STEP }));
      }
      return out;
    };
    const base = 2 * DAY_STEPS;
    const first = await decide(base);
    expect(fits.map((f) => f.pool)).toEqual(['a', 'b']);
    expect(first.slice(2).every((e) => e.model === 'naive' && e.demand === e.observed && /deferred/.test(e.detail))).toBe(true);
    await decide(base + 1);
    await decide(base + 2);
    expect(fits.map((f) => f.pool)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // An hour later every pool is due on schedule: two refit, the other three keep their cached fit (not naive).
    const later = await decide(base + 14);
    expect(fits.slice(5).map((f) => f.reason)).toEqual(['schedule', 'schedule']);
    const kept = later.filter((e) => /deferred/.test(e.detail));
    expect(kept).toHaveLength(3);
    expect(kept.every((e) => e.model.startsWith('ensemble'))).toBe(true);
  });

  it('refits at once when demand breaks out of the forecast interval (a level shift)', async () => {
    const fits: PoolFit[] = [];
    const forecaster = createEnsembleDemandForecaster({ engine, refitSeconds: 6 * 3600, onFit: (f) => { fits.push(f); } });
    const values = diurnal(4);
    const base = 3 * DAY_STEPS;
    for (let i = base; i < values.length; i += 1) values[i] = (values[i] as number) * 3;
    for (let k = 0; k <= 5; k += 1) {
      const n = base + k;
      await forecaster.planningDemand({ pool: 'p', history: { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n) }, leadTimeSeconds: 600, intervalSeconds: 30, nowSeconds: START + (n - 1) * STEP });
    }
    expect(fits.map((f) => f.reason)).toContain('changepoint');
  });

  it('falls back to the latest value with a reason on short history, and never throws on flat or NaN input', async () => {
    const forecaster = createEnsembleDemandForecaster({ engine });
    const short = await forecaster.planningDemand({ pool: 's', history: { startSeconds: START, stepSeconds: 60, values: [3, 4, 5] }, leadTimeSeconds: 300, intervalSeconds: 30, nowSeconds: START + 120 });
    expect(short).toMatchObject({ demand: 5, observed: 5, model: 'naive' });
    expect(short.detail).toMatch(/only 3 demand point/);
    const flat = await forecaster.planningDemand({ pool: 'f', history: { startSeconds: START, stepSeconds: 60, values: new Float64Array(500).fill(7) }, leadTimeSeconds: 300, intervalSeconds: 30, nowSeconds: START + 499 * 60 });
    expect(flat.demand).toBeGreaterThanOrEqual(7);
    const gappy = diurnal(2).map((v, i) => (i % 37 === 0 ? Number.NaN : v));
    const nan = await forecaster.planningDemand({ pool: 'n', history: { startSeconds: START, stepSeconds: STEP, values: gappy }, leadTimeSeconds: 300, intervalSeconds: 30, nowSeconds: START + (gappy.length - 1) * STEP });
    expect(Number.isFinite(nan.demand)).toBe(true);
    expect(nan.demand).toBeGreaterThanOrEqual(nan.observed);
  });
});
