/**
 * ForecastRepository's contract (src/ports/forecast-store.ts), run by store.contract.test.ts on PGlite and on
 * PostgreSQL. Tests share one database: every test uses series and pools of its own.
 */
import { expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import type { ForecastPoint } from '../../src/core/forecast/types.js';
import type { AccuracyInput, AnomalyInput, FitInput, ForecastInput } from '../../src/ports/forecast-store.js';
import type { Store } from '../../src/ports/store.js';

const at = (minute: number): Date => new Date(Date.UTC(2030, 0, 1, 0, minute, 0, 250));

async function expectValidation(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isGovError(err) && err.code === 'GOV_VALIDATION', String(err)).toBe(true);
}

function fit(series: string, pool: string | null, overrides: Partial<FitInput> = {}): FitInput {
  return {
    series, pool, windowFrom: at(0), windowTo: at(100), windowPoints: 101, stepSeconds: 60, reason: 'first', fittedAt: at(101),
    models: [
      { model: 'snaive_daily', parameters: { weight: 0.25, periods: [1440], backtest: { mase: 0.9, smape: 12.5, coverage90: null, points: 30 } } },
      { model: 'mstl', parameters: { weight: 0.75, periods: [1440], notes: ['«ünïcode» ✓'] } },
    ],
    ...overrides,
  };
}

function point(t: number, mean: number): ForecastPoint {
  return { t, mean, lo50: mean - 1, hi50: mean + 1, lo90: mean - 2, hi90: mean + 2, lo99: mean - 3, hi99: mean + 3.5 };
}

function forecast(series: string, pool: string, version: number, createdAt: Date, overrides: Partial<ForecastInput> = {}): ForecastInput {
  return {
    series, pool, version, createdAt, model: 'ensemble', stepSeconds: 60, windowFrom: at(0), windowTo: at(100),
    points: [point(1_893_456_060, 10.5), point(1_893_456_120, 11.25)],
    weights: { snaive_daily: 0.25, mstl: 0.75, ets: 0 },
    accuracy: { mstl: { mase: 0.6, smape: 20, coverage90: null, points: 30 }, ensemble: { mase: 0.55, smape: 19.5, coverage90: null, points: 30 } },
    periods: [1440], notes: ['ets: weight 0'], fallback: false, reason: 'first',
    ...overrides,
  };
}

export function forecastsContract(getStore: () => Store): void {
  it('numbers the fits of a series 1, 2, 3 …, one version for every model of a fit, and reads them back', async () => {
    const store = getStore();
    expect(await store.forecasts.fittedModels('fc-versions')).toEqual([]);
    expect(await store.forecasts.recordFit(fit('fc-versions', 'p1'))).toBe(1);
    expect(await store.forecasts.recordFit(fit('fc-versions-other', null))).toBe(1);
    expect(await store.forecasts.recordFit(fit('fc-versions', 'p1', { reason: 'changepoint', windowFrom: at(10), windowTo: at(110), fittedAt: at(111) }))).toBe(2);
    const latest = await store.forecasts.fittedModels('fc-versions');
    expect(latest.map((m) => [m.model, m.version, m.reason])).toEqual([['mstl', 2, 'changepoint'], ['snaive_daily', 2, 'changepoint']]);
    expect(latest[1]).toEqual({
      id: expect.any(Number), series: 'fc-versions', pool: 'p1', model: 'snaive_daily', version: 2,
      parameters: { weight: 0.25, periods: [1440], backtest: { mase: 0.9, smape: 12.5, coverage90: null, points: 30 } },
      windowFrom: at(10), windowTo: at(110), windowPoints: 101, stepSeconds: 60, reason: 'changepoint', fittedAt: at(111),
    });
    expect((await store.forecasts.fittedModels('fc-versions', 1)).map((m) => m.windowFrom)).toEqual([at(0), at(0)]);
    expect((await store.forecasts.fittedModels('fc-versions', 1))[0]?.parameters).toEqual({ weight: 0.75, periods: [1440], notes: ['«ünïcode» ✓'] });
  });

  it('gives concurrent fits of one series distinct versions', async () => {
    const store = getStore();
    const versions = await Promise.all(Array.from({ length: 5 }, () => store.forecasts.recordFit(fit('fc-race', 'race'))));
    expect([...versions].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a bad fit, storing nothing', async () => {
    const store = getStore();
    await expectValidation(store.forecasts.recordFit(fit('fc-bad', null, { models: [] })));
    await expectValidation(store.forecasts.recordFit(fit('fc-bad', null, { windowTo: at(-5) })));
    await expectValidation(store.forecasts.recordFit(fit('fc-bad', null, { stepSeconds: 0 })));
    await expectValidation(store.forecasts.recordFit(fit('', null)));
    await expectValidation(store.forecasts.recordFit(fit('fc-bad', null, { models: [{ model: 'ets', parameters: {} }, { model: 'ets', parameters: {} }] })));
    expect(await store.forecasts.fittedModels('fc-bad')).toEqual([]);
  });

  it('stores forecasts and returns the newest of a pool whole; null for a pool without one', async () => {
    const store = getStore();
    expect(await store.forecasts.latestForecast('fc-pool')).toBeNull();
    const first = await store.forecasts.recordForecast(forecast('demand{pool="fc-pool"}', 'fc-pool', 1, at(5)));
    const second = await store.forecasts.recordForecast(forecast('demand{pool="fc-pool"}', 'fc-pool', 2, at(6), {
      model: 'naive', fallback: true, weights: { naive: 1 }, accuracy: { ets: { mase: Number.POSITIVE_INFINITY, smape: 200, coverage90: null, points: 3 } },
    }));
    await store.forecasts.recordForecast(forecast('demand{pool="fc-other"}', 'fc-other', 1, at(7)));
    expect(first).toEqual({ id: expect.any(Number), ...forecast('demand{pool="fc-pool"}', 'fc-pool', 1, at(5)) });
    const latest = await store.forecasts.latestForecast('fc-pool');
    expect(latest?.id).toBe(second.id);
    expect(latest).toMatchObject({ version: 2, model: 'naive', fallback: true, weights: { naive: 1 } });
    // An infinite MASE (a flat history the model missed) survives the JSON column as Infinity.
    expect(latest?.accuracy.ets?.mase).toBe(Number.POSITIVE_INFINITY);
    expect(latest?.points[1]).toEqual(point(1_893_456_120, 11.25));
  });

  it('refuses a forecast with a non-finite point or weight', async () => {
    const store = getStore();
    await expectValidation(store.forecasts.recordForecast(forecast('fc-bad-f', 'fc-bad-f', 1, at(1), { points: [point(1, Number.NaN)] })));
    await expectValidation(store.forecasts.recordForecast(forecast('fc-bad-f', 'fc-bad-f', 1, at(1), { weights: { ets: Number.POSITIVE_INFINITY } })));
    await expectValidation(store.forecasts.recordForecast(forecast('fc-bad-f', 'fc-bad-f', 0, at(1))));
    expect(await store.forecasts.latestForecast('fc-bad-f')).toBeNull();
  });

  it('records accuracy and summarises it per model, weighted by points', async () => {
    const store = getStore();
    const base = { series: 'fc-acc', pool: 'acc', version: 1, actualFrom: at(101), actualTo: at(112) };
    const rows: AccuracyInput[] = [
      { ...base, model: 'ensemble', points: 12, mase: 0.5, smape: 10, coverage90: 0.9, evaluatedAt: at(113) },
      { ...base, model: 'ensemble', points: 4, mase: 1.5, smape: 30, coverage90: 0.5, evaluatedAt: at(200) },
      { ...base, model: 'mstl', points: 12, mase: 0.4, smape: 8, coverage90: null, evaluatedAt: at(113) },
      { ...base, model: 'ets', points: 12, mase: null, smape: 200, coverage90: null, evaluatedAt: at(113) },
    ];
    await store.forecasts.recordAccuracy(rows);
    await store.forecasts.recordAccuracy([]);
    const listed = await store.forecasts.listAccuracy('fc-acc', 10);
    expect(listed).toHaveLength(4);
    expect(listed[0]).toEqual({ id: expect.any(Number), ...rows[1] });
    const summary = await store.forecasts.accuracySummary('fc-acc', at(0));
    expect(summary.map((s) => s.model)).toEqual(['ensemble', 'ets', 'mstl']);
    expect(summary[0]?.mase).toBeCloseTo((0.5 * 12 + 1.5 * 4) / 16, 12);
    expect(summary[0]?.coverage90).toBeCloseTo((0.9 * 12 + 0.5 * 4) / 16, 12);
    expect(summary[0]).toMatchObject({ points: 16, evaluations: 2, lastEvaluatedAt: at(200) });
    expect(summary[1]).toMatchObject({ mase: null, smape: 200, coverage90: null });
    expect(summary[2]).toMatchObject({ coverage90: null, points: 12 });
    expect(summary[2]?.mase).toBeCloseTo(0.4, 12);
    const recent = await store.forecasts.accuracySummary('fc-acc', at(150));
    expect(recent.map((s) => [s.model, s.points])).toEqual([['ensemble', 4]]);
  });

  it('refuses accuracy out of bounds, storing none of the batch', async () => {
    const store = getStore();
    const good: AccuracyInput = { series: 'fc-acc-bad', pool: null, model: 'ensemble', version: 1, actualFrom: at(1), actualTo: at(2), points: 2, mase: 1, smape: 1, coverage90: 1, evaluatedAt: at(3) };
    await expectValidation(store.forecasts.recordAccuracy([good, { ...good, coverage90: 1.5 }]));
    await expectValidation(store.forecasts.recordAccuracy([good, { ...good, points: 0 }]));
    await expectValidation(store.forecasts.recordAccuracy([{ ...good, smape: Number.NaN }]));
    expect(await store.forecasts.listAccuracy('fc-acc-bad', 10)).toEqual([]);
    await expectValidation(store.forecasts.listAccuracy('fc-acc-bad', 0));
  });

  it('keeps one row per anomaly, updated when a later fit sees it again, and filters the list', async () => {
    const store = getStore();
    const spike: AnomalyInput = {
      series: 'fc-anom', pool: 'anom', kind: 'spike', start: at(10), end: at(12), value: 90, expected: 20, score: 7.5, detector: 'mad', detectedAt: at(100),
    };
    const shift: AnomalyInput = { ...spike, kind: 'level_shift', start: at(50), end: at(51), value: 40, expected: 20, score: 5, detector: 'changepoint' };
    const other: AnomalyInput = { ...spike, series: 'fc-anom-2', pool: 'anom-2', kind: 'outage', start: at(30), end: at(40), value: 0, score: 9 };
    expect(await store.forecasts.recordAnomalies([spike, shift, other, { ...spike, score: 6 }])).toBe(3);
    // The next fit sees the spike again, a little longer: no new row, end and score updated, detectedAt kept.
    expect(await store.forecasts.recordAnomalies([{ ...spike, end: at(13), score: 8, detectedAt: at(160) }])).toBe(0);
    expect(await store.forecasts.recordAnomalies([])).toBe(0);
    const all = await store.forecasts.listAnomalies({ pool: 'anom', limit: 10 });
    expect(all.map((a) => a.kind)).toEqual(['level_shift', 'spike']);
    expect(all[1]).toEqual({ id: expect.any(Number), ...spike, end: at(13), score: 8, detectedAt: at(100), lastSeenAt: at(160) });
    expect((await store.forecasts.listAnomalies({ series: 'fc-anom-2', limit: 10 })).map((a) => a.kind)).toEqual(['outage']);
    expect((await store.forecasts.listAnomalies({ pool: 'anom', kind: 'spike', limit: 10 })).map((a) => a.kind)).toEqual(['spike']);
    // Overlap with [from, to): the spike ends at 13, so from = 13 leaves only the shift; to = 50 leaves only the spike.
    expect((await store.forecasts.listAnomalies({ pool: 'anom', from: at(13), limit: 10 })).map((a) => a.kind)).toEqual(['level_shift']);
    expect((await store.forecasts.listAnomalies({ pool: 'anom', to: at(50), limit: 10 })).map((a) => a.kind)).toEqual(['spike']);
    expect(await store.forecasts.listAnomalies({ pool: 'anom', limit: 1 })).toHaveLength(1);
    await expectValidation(store.forecasts.listAnomalies({ limit: 1001 }));
    await expectValidation(store.forecasts.recordAnomalies([{ ...spike, kind: 'weird' as 'spike' }]));
    await expectValidation(store.forecasts.recordAnomalies([{ ...spike, end: at(1) }]));
    await expectValidation(store.forecasts.recordAnomalies([{ ...spike, score: Number.NaN }]));
  });
}
