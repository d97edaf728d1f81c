/**
 * GET /api/v1/forecasts/{pool} and GET /api/v1/anomalies (issue #6) over a real server and store, fed by the
 * ForecastService the control loop uses (real augurs back-ends).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForecastEngine } from '../../src/bootstrap/forecast.js';
import { createForecastService, demandSeriesKey } from '../../src/app/forecast/service.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { prng } from '../support/prng.js';
import { startTestServer, type TestServer } from '../support/server.js';

const STEP = 300;
const DAY = 86_400 / STEP;
const START = 1_700_000_000 - (1_700_000_000 % 86_400);

let server: TestServer;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, token = server.tokens.viewer) => server.app.inject({ method: 'GET', url, headers: bearer(token) });

beforeAll(async () => {
  server = await startTestServer();
  const engine = await loadForecastEngine(['snaive_daily', 'snaive_weekly', 'ets', 'mstl']);
  const service = createForecastService({ engine, repository: server.store.forecasts, clock: systemClock, accuracyBatchPoints: 6 });
  const rand = prng(21);
  const values = Array.from({ length: 7 * DAY }, (_, i) => 100 + 60 * Math.sin(2 * Math.PI * ((i % DAY) / DAY - 0.25)) + (rand() - 0.5) * 10);
  // An outage of two hours on day 5: flagged, stored, excluded.
  for (let i = 5 * DAY + 60; i < 5 * DAY + 84; i += 1) values[i] = 0;
  const n = 6 * DAY;
  for (const k of [0, 6]) {
    await service.planningDemand({ pool: 'web', history: { startSeconds: START, stepSeconds: STEP, values: values.slice(0, n + k) }, leadTimeSeconds: 900, intervalSeconds: 30, nowSeconds: START + (n + k - 1) * STEP });
  }
});
afterAll(async () => server?.close());

describe('GET /api/v1/forecasts/{pool}', () => {
  it('answers the latest forecast with intervals, weights, backtest and live accuracy', async () => {
    const res = await get('/api/v1/forecasts/web');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const stored = await server.store.forecasts.latestForecast('web');
    expect(body).toMatchObject({ pool: 'web', series: demandSeriesKey('web'), version: stored!.version, model: stored!.model, fallback: false, stepSeconds: STEP, reason: 'first' });
    expect(body.points).toHaveLength(stored!.points.length);
    expect(body.points[0]).toEqual({ ...stored!.points[0], t: new Date(stored!.points[0]!.t * 1000).toISOString() });
    for (const p of body.points) expect(p.lo99 <= p.lo90 && p.lo90 <= p.lo50 && p.lo50 <= p.mean && p.mean <= p.hi50 && p.hi50 <= p.hi90 && p.hi90 <= p.hi99).toBe(true);
    const weights = Object.values(body.weights as Record<string, number>);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(body.accuracy.backtest.ensemble).toMatchObject({ mase: expect.any(Number), smape: expect.any(Number), points: expect.any(Number) });
    // Six actuals arrived after the fit: scored live.
    expect(body.accuracy.live.ensemble).toMatchObject({ points: 6, evaluations: 1, coverage90: expect.any(Number) });
    expect(body.window.to).toBe(new Date((START + (6 * DAY - 1) * STEP) * 1000).toISOString());
  });

  it('is 404 GOV_FORECAST_NOT_FOUND for a pool without a forecast', async () => {
    const res = await get('/api/v1/forecasts/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'GOV_FORECAST_NOT_FOUND', details: { pool: 'nothing-here' } });
  });

  it('needs metrics:read (the ingest role has none)', async () => {
    expect((await get('/api/v1/forecasts/web', server.tokens.ingest)).statusCode).toBe(403);
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/forecasts/web' })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/anomalies', () => {
  it('lists the stored anomalies, newest first, with filters', async () => {
    const res = await get('/api/v1/anomalies?pool=web');
    expect(res.statusCode, res.body).toBe(200);
    const { anomalies } = res.json() as { anomalies: Array<{ kind: string; start: string; end: string; series: string }> };
    const outageStart = START + (5 * DAY + 60) * STEP;
    const outage = anomalies.find((a) => Math.abs(Date.parse(a.start) / 1000 - outageStart) <= 3 * STEP);
    expect(outage, res.body).toBeDefined();
    expect(['outage', 'dip']).toContain(outage!.kind);
    expect(outage!.series).toBe(demandSeriesKey('web'));
    const starts = anomalies.map((a) => Date.parse(a.start));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    // Time filters (Unix seconds and RFC 3339): an anomaly matches when it overlaps [from, to).
    const before = await get(`/api/v1/anomalies?pool=web&to=${outageStart - 3 * STEP}`);
    expect(before.json().anomalies.some((a: { start: string }) => a.start === outage!.start)).toBe(false);
    const around = await get(`/api/v1/anomalies?series=${encodeURIComponent(demandSeriesKey('web'))}&from=${new Date(outageStart * 1000).toISOString()}&to=${outageStart + 3600}&kind=${outage!.kind}`);
    expect(around.json().anomalies.map((a: { start: string }) => a.start)).toContain(outage!.start);
    expect((await get('/api/v1/anomalies?pool=other')).json()).toEqual({ anomalies: [] });
    expect((await get('/api/v1/anomalies?pool=web&limit=1')).json().anomalies).toHaveLength(1);
  });

  it('refuses a bad query with 400 GOV_VALIDATION', async () => {
    for (const query of ['limit=0', 'limit=1001', 'kind=weird', 'from=yesterday', 'from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'unknown=1', 'pool=']) {
      const res = await get(`/api/v1/anomalies?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('GOV_VALIDATION');
    }
  });
});
