/**
 * The ForecastService (src/app/forecast/service.ts) on the real augurs back-ends and a real store (PGlite in
 * memory, all migrations): what each fit records, continuous accuracy, anomalies, the changepoint refit, and that
 * a failing store never fails a decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_MEMORY, openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { Value } from '@sinclair/typebox/value';
import { createConfiguredForecastService, loadForecastEngine } from '../../src/bootstrap/forecast.js';
import { ForecastSchema, type Config } from '../../src/config/schema.js';
import { createForecastService, demandSeriesKey } from '../../src/app/forecast/service.js';
import { EventBus, type EventEnvelope } from '../../src/app/events.js';
import { coverage, mase, naiveScale, smape } from '../../src/core/forecast/metrics.js';
import type { ForecastEngine } from '../../src/core/forecast/index.js';
import type { ForecastRepository } from '../../src/ports/forecast-store.js';
import type { Store } from '../../src/ports/store.js';
import { prng } from '../support/prng.js';

const STEP = 300;
const DAY = 86_400 / STEP;
const START = 1_700_000_000 - (1_700_000_000 % 86_400);

function diurnal(days: number, seed = 11): number[] {
  const rand = prng(seed);
  return Array.from({ length: days * DAY }, (_, i) => 100 + 60 * Math.sin(2 * Math.PI * ((i % DAY) / DAY - 0.25)) + (rand() - 0.5) * 10);
}

const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
let engine: ForecastEngine;
let store: Store;

beforeAll(async () => {
  engine = await loadForecastEngine(['snaive_daily', 'snaive_weekly', 'ets', 'mstl']);
  store = await openPgliteStore({ dataDir: IN_MEMORY });
  await store.migrate();
});
afterAll(async () => store?.close());

const request = (pool: string, values: readonly number[], n: number) => ({
  pool, history: { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n) }, leadTimeSeconds: 900, intervalSeconds: 30, nowSeconds: START + (n - 1) * STEP,
});

describe('ForecastService', () => {
  it('records each fit: model versions with the fitted window, and the forecast the route serves', async () => {
    const events = new EventBus();
    const seen: EventEnvelope[] = [];
    events.subscribe((e) => { seen.push(e); });
    const service = createForecastService({ engine, repository: store.forecasts, clock, refitSeconds: 3600, events });
    const values = diurnal(5);
    const n = 4 * DAY;
    const estimate = await service.planningDemand(request('fit', values, n));
    expect(estimate.demand).toBeGreaterThanOrEqual(estimate.observed);
    const series = demandSeriesKey('fit');
    const models = await store.forecasts.fittedModels(series);
    const result = service.forecaster.latest('fit')!;
    expect(models.map((m) => m.model).sort()).toEqual(Object.keys(result.weights).sort());
    for (const m of models) {
      expect(m).toMatchObject({ version: 1, pool: 'fit', reason: 'first', windowPoints: n, stepSeconds: STEP, windowFrom: new Date(START * 1000), windowTo: new Date((START + (n - 1) * STEP) * 1000) });
      expect(m.parameters.weight).toBe(result.weights[m.model as keyof typeof result.weights]);
    }
    const stored = await store.forecasts.latestForecast('fit');
    expect(stored).toMatchObject({ series, version: 1, model: result.model, fallback: false, reason: 'first', stepSeconds: STEP });
    expect(stored?.points).toEqual(result.points);
    expect(stored?.weights).toEqual(result.weights);
    // A scheduled refit one hour of series time later is version 2.
    await service.planningDemand(request('fit', values, n + 12));
    expect((await store.forecasts.latestForecast('fit'))?.version).toBe(2);
    expect((await store.forecasts.fittedModels(series))[0]?.reason).toBe('schedule');
    expect(seen.filter((e) => e.type === 'forecast').map((e) => (e.data as { pool: string }).pool)).toEqual(['fit', 'fit']);
  });

  it('scores the forecast against arriving actuals, per model and for the ensemble, in batches and at the next fit', async () => {
    const service = createForecastService({ engine, repository: store.forecasts, clock, refitSeconds: 6 * 3600, accuracyBatchPoints: 12 });
    const values = diurnal(5, 3);
    const n = 4 * DAY;
    await service.planningDemand(request('acc', values, n));
    const fit = service.forecaster.latest('acc')!;
    const series = demandSeriesKey('acc');
    // 11 new actuals: below the batch, nothing scored yet.
    await service.planningDemand(request('acc', values, n + 11));
    expect(await store.forecasts.listAccuracy(series, 100)).toEqual([]);
    // The 12th scores all 12 steps.
    await service.planningDemand(request('acc', values, n + 12));
    const records = await store.forecasts.listAccuracy(series, 100);
    const members = Object.entries(fit.weights).filter(([, w]) => (w ?? 0) > 0).map(([m]) => m);
    expect(records.map((r) => r.model).sort()).toEqual(['ensemble', ...members].sort());
    const actual = values.slice(n, n + 12);
    const points = fit.points.slice(0, 12);
    const scale = naiveScale(values.slice(0, n), fit.periods[0] ?? 1);
    const ensemble = records.find((r) => r.model === 'ensemble')!;
    expect(ensemble).toMatchObject({ version: 1, points: 12, actualFrom: new Date(points[0]!.t * 1000), actualTo: new Date(points[11]!.t * 1000), evaluatedAt: clock.now() });
    expect(ensemble.mase).toBeCloseTo(mase(actual, points.map((p) => p.mean), scale), 9);
    expect(ensemble.smape).toBeCloseTo(smape(actual, points.map((p) => p.mean)), 9);
    expect(ensemble.coverage90).toBeCloseTo(coverage(actual, points.map((p) => p.lo90), points.map((p) => p.hi90)), 9);
    for (const r of records.filter((x) => x.model !== 'ensemble')) {
      expect(r.coverage90).toBeNull();
      expect(r.mase).toBeCloseTo(mase(actual, fit.members![r.model as 'mstl']!.slice(0, 12), scale), 9);
    }
    // A scheduled refit scores what is left of the old forecast first (5 steps), then replaces it.
    await service.planningDemand(request('acc', values, n + 6 * 12));
    const after = await store.forecasts.listAccuracy(series, 100);
    const ensembles = after.filter((r) => r.model === 'ensemble').map((r) => [r.version, r.points]);
    expect(ensembles).toContainEqual([1, 12]);
    expect(ensembles.reduce((sum, [, p]) => sum + (p as number), 0)).toBe(6 * 12);
    const summary = await store.forecasts.accuracySummary(series, new Date(0));
    expect(summary.find((s) => s.model === 'ensemble')?.points).toBe(6 * 12);
  });

  it('stores the anomalies of the fitted history once, excluded from the fit', async () => {
    const service = createForecastService({ engine, repository: store.forecasts, clock, refitSeconds: 3600 });
    const values = diurnal(7, 5);
    const spike = 5 * DAY + 100;
    for (let i = spike; i < spike + 3; i += 1) values[i] = (values[i] as number) * 3;
    const n = 6 * DAY;
    await service.planningDemand(request('anom', values, n));
    const listed = await store.forecasts.listAnomalies({ pool: 'anom', limit: 100 });
    const found = listed.find((a) => a.kind === 'spike' && Math.abs(a.start.getTime() / 1000 - (START + spike * STEP)) <= 2 * STEP);
    expect(found, JSON.stringify(listed)).toBeDefined();
    expect(found).toMatchObject({ series: demandSeriesKey('anom'), detectedAt: clock.now() });
    expect(service.forecaster.latest('anom')?.notes.join(' ')).toMatch(/anomalous point\(s\) were excluded/);
    // The next fit sees the same spike again: still one row.
    await service.planningDemand(request('anom', values, n + 12));
    const again = await store.forecasts.listAnomalies({ pool: 'anom', kind: 'spike', limit: 100 });
    expect(again.filter((a) => a.start.getTime() === found!.start.getTime())).toHaveLength(1);
    const filtered = await store.forecasts.listAnomalies({ pool: 'anom', from: new Date((START + spike * STEP + 3600) * 1000), limit: 100 });
    expect(filtered.some((a) => a.id === found!.id)).toBe(false);
  });

  it('refits at the next decision when a fit finds a level shift that happened since the previous fit', async () => {
    // Breakouts off: only the service's changepoint path can ask for this refit.
    const service = createForecastService({ engine, repository: store.forecasts, clock, refitSeconds: 2 * 86_400, breakoutPoints: 1_000_000 });
    const values = diurnal(11, 9);
    const n0 = 8 * DAY;
    const shift = n0 + 20;
    for (let i = shift; i < values.length; i += 1) values[i] = (values[i] as number) + 80;
    await service.planningDemand(request('shift', values, n0));
    await service.planningDemand(request('shift', values, n0 + 2 * DAY));
    const shifts = await store.forecasts.listAnomalies({ pool: 'shift', kind: 'level_shift', limit: 10 });
    expect(shifts.some((a) => Math.abs(a.start.getTime() / 1000 - (START + shift * STEP)) < DAY * STEP / 4), JSON.stringify(shifts)).toBe(true);
    await service.planningDemand(request('shift', values, n0 + 2 * DAY + 1));
    const fits = await store.forecasts.fittedModels(demandSeriesKey('shift'));
    expect(fits[0]).toMatchObject({ version: 3, reason: 'changepoint' });
    // And not again without a new shift.
    await service.planningDemand(request('shift', values, n0 + 2 * DAY + 2));
    expect((await store.forecasts.fittedModels(demandSeriesKey('shift')))[0]?.version).toBe(3);
  });

  it('is built from [forecast] config by bootstrap, loading the back-ends on the first fit', async () => {
    const config = { ...(Value.Default(ForecastSchema, {}) as Config['forecast']), refit_interval: '30m', models: ['snaive_daily', 'ets'] } as Config['forecast'];
    const service = createConfiguredForecastService({ config, store, clock });
    const values = diurnal(4, 17);
    await service.planningDemand(request('configured', values, 3 * DAY));
    const models = await store.forecasts.fittedModels(demandSeriesKey('configured'));
    expect(models.map((m) => m.model).sort()).toEqual(['ets', 'snaive_daily']);
    // refit_interval 30m = 6 steps of 5 minutes: a scheduled refit after 6 more.
    await service.planningDemand(request('configured', values, 3 * DAY + 5));
    expect((await store.forecasts.fittedModels(demandSeriesKey('configured')))[0]?.version).toBe(1);
    await service.planningDemand(request('configured', values, 3 * DAY + 6));
    expect((await store.forecasts.fittedModels(demandSeriesKey('configured')))[0]).toMatchObject({ version: 2, reason: 'schedule' });
  });

  it('never fails a decision because the store does, and says so in the log', async () => {
    const broken = new Proxy({}, { get: () => async () => { throw new Error('database down'); } }) as ForecastRepository;
    const warnings: string[] = [];
    const service = createForecastService({ engine, repository: broken, clock, logger: { warn: (_o, msg) => { warnings.push(msg); } } });
    const values = diurnal(3);
    const estimate = await service.planningDemand(request('down', values, 3 * DAY));
    expect(estimate.model.startsWith('ensemble')).toBe(true);
    expect(warnings.join('\n')).toMatch(/could not store the fit's fit/);
    expect(service.forecaster.latest('down')).toBeDefined();
  });
});
