/**
 * Pull sources against recorded answers (test/fixtures/telemetry/, shaped as the real APIs answer), through
 * undici's MockAgent: nothing leaves the machine. Each source must return the samples it could read plus one
 * error per failed item (throttling with its wait, auth, bad queries, broken answers), never reject.
 */
import { readFileSync } from 'node:fs';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDatadogSource, createGoogleAnalyticsSource, createNewRelicSource, createPrometheusSource, zonedToUtc,
} from '../../src/adapters/telemetry/sources/index.js';
import { systemClock } from '../../src/adapters/clock/system.js';
import { systemScheduler } from '../../src/adapters/clock/scheduler.js';
import { createTelemetry } from '../../src/bootstrap/telemetry.js';
import { openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import type { TelemetrySource } from '../../src/ports/telemetry-source.js';
import { telemetryConfig } from '../support/server.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/telemetry/${name}`, import.meta.url), 'utf8');
const JSON_HEADERS = { 'content-type': 'application/json' };
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const window = { from: T0, to: T0 + 300_000, stepMs: 15_000 };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => agent.close());

describe('Prometheus (query_range)', () => {
  it('maps the matrix onto series, names unnamed results, and reports a bad query per item', async () => {
    const pool = agent.get('http://prom:9090');
    let seen: URLSearchParams | undefined;
    pool.intercept({ path: (p) => p.startsWith('/api/v1/query_range') && p.includes('node_load1'), method: 'GET' })
      .reply((opts) => { seen = new URL(opts.path, 'http://x').searchParams; return { statusCode: 200, data: fixture('prometheus-query-range.json'), responseOptions: { headers: JSON_HEADERS } }; });
    pool.intercept({ path: (p) => p.startsWith('/api/v1/query_range'), method: 'GET' }).reply(400, fixture('prometheus-bad-data.json'), { headers: JSON_HEADERS });
    const source = createPrometheusSource({ url: 'http://prom:9090/', queries: ['node_load1', 'rate(x['], bearerToken: 't', dispatcher: agent });
    const result = await source.pull(window);
    expect(seen?.get('start')).toBe('1767225600');
    expect(seen?.get('step')).toBe('15');
    expect(result.series).toEqual([
      { metric: 'node_load1', labels: { instance: '10.0.0.7:9100', job: 'node', source: 'prometheus' }, ts: [T0, T0 + 15_000, T0 + 30_000], values: [0.31, 0.42, 0.5] },
      { metric: 'promql_result', labels: { instance: '10.0.0.8:9100', job: 'node', mode: 'idle', promql: 'node_load1', source: 'prometheus' }, ts: [T0, T0 + 15_000], values: [0.97, Number.NaN] },
    ]);
    expect(result.errors).toEqual([{ item: 'rate(x[', kind: 'bad_query', message: 'HTTP 400: bad_data: invalid parameter "query": 1:15: parse error: unclosed left parenthesis' }]);
  });

  it('reports throttling with Retry-After, auth failures, outages and non-JSON answers', async () => {
    const pool = agent.get('http://prom:9090');
    pool.intercept({ path: (p) => p.includes('query=a'), method: 'GET' }).reply(429, 'slow down', { headers: { 'retry-after': '7' } });
    pool.intercept({ path: (p) => p.includes('query=b'), method: 'GET' }).reply(401, 'Unauthorized');
    pool.intercept({ path: (p) => p.includes('query=c'), method: 'GET' }).replyWithError(new Error('connect ECONNREFUSED'));
    pool.intercept({ path: (p) => p.includes('query=d'), method: 'GET' }).reply(200, '<html>proxy</html>');
    const result = await createPrometheusSource({ url: 'http://prom:9090', queries: ['a', 'b', 'c', 'd'], dispatcher: agent }).pull(window);
    expect(result.series).toEqual([]);
    expect(result.errors.map((e) => [e.item, e.kind, e.retryAfterMs])).toEqual([
      ['a', 'throttled', 7000], ['b', 'auth', undefined], ['c', 'unavailable', undefined], ['d', 'bad_response', undefined],
    ]);
  });
});

describe('Datadog (official client, v1 queryMetrics)', () => {
  const make = (queries: string[]) => createDatadogSource({ site: 'datadoghq.com', apiKey: 'api', appKey: 'app', queries, dispatcher: agent });

  it('maps series, tags and points (skipping null gaps), sending the keys and the window in seconds', async () => {
    let headers: Record<string, string> = {};
    let path = '';
    agent.get('https://api.datadoghq.com').intercept({ path: (p) => p.startsWith('/api/v1/query'), method: 'GET' }).reply((opts) => {
      headers = opts.headers as Record<string, string>;
      path = opts.path;
      return { statusCode: 200, data: fixture('datadog-query.json'), responseOptions: { headers: JSON_HEADERS } };
    });
    const result = await make(['avg:system.cpu.user{env:prod} by {host}']).pull(window);
    expect(result.errors).toEqual([]);
    expect(result.series).toEqual([
      { metric: 'system_cpu_user', labels: { host: 'web-1', source: 'datadog' }, ts: [T0, T0 + 120_000], values: [12.5, 14.25] },
      { metric: 'system_cpu_user', labels: { host: 'web-2', canary: 'true', source: 'datadog' }, ts: [T0], values: [55] },
    ]);
    const sent = new URL(path, 'https://x').searchParams;
    expect([sent.get('from'), sent.get('to')]).toEqual(['1767225600', '1767225900']);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(lower['dd-api-key']).toBe('api');
    expect(lower['dd-application-key']).toBe('app');
  });

  it('reports 403 as auth and 429 as throttled with the rate-limit reset, per query, keeping the good ones', async () => {
    const errors = JSON.parse(fixture('datadog-errors.json')) as Record<string, unknown>;
    const pool = agent.get('https://api.datadoghq.com');
    pool.intercept({ path: (p) => p.includes('query=forbidden'), method: 'GET' }).reply(403, errors.forbidden as object, { headers: JSON_HEADERS });
    pool.intercept({ path: (p) => p.includes('query=limited'), method: 'GET' }).reply(429, errors.rate_limited as object, { headers: { ...JSON_HEADERS, 'x-ratelimit-reset': '42' } });
    pool.intercept({ path: (p) => p.includes('query=good'), method: 'GET' }).reply(200, fixture('datadog-query.json'), { headers: JSON_HEADERS });
    const result = await make(['forbidden', 'limited', 'good']).pull(window);
    expect(result.errors).toEqual([
      { item: 'forbidden', kind: 'auth', message: 'HTTP 403: Forbidden' },
      { item: 'limited', kind: 'throttled', message: expect.stringContaining('Rate limit of 1600 requests'), retryAfterMs: 42_000 },
    ]);
    expect(result.series).toHaveLength(2);
  });
});

describe('New Relic (NerdGraph NRQL)', () => {
  const make = (queries: string[]) => createNewRelicSource({ endpoint: 'https://api.newrelic.com/graphql', accountId: 1234567, apiKey: 'NRAK-TEST', queries, dispatcher: agent });

  it('turns TIMESERIES FACET rows into one series per facet, appending the window to the NRQL', async () => {
    let body: { query: string; variables: { accountId: number; nrql: string } } | undefined;
    let key: string | undefined;
    agent.get('https://api.newrelic.com').intercept({ path: '/graphql', method: 'POST' }).reply((opts) => {
      body = JSON.parse(String(opts.body));
      key = (opts.headers as Record<string, string>)['api-key'];
      return { statusCode: 200, data: fixture('newrelic-nrql-timeseries.json'), responseOptions: { headers: JSON_HEADERS } };
    });
    const result = await make(['SELECT average(cpuPercent) FROM SystemSample FACET hostname TIMESERIES 1 minute']).pull(window);
    expect(key).toBe('NRAK-TEST');
    expect(body?.variables).toEqual({ accountId: 1234567, nrql: `SELECT average(cpuPercent) FROM SystemSample FACET hostname TIMESERIES 1 minute SINCE ${T0} UNTIL ${T0 + 300_000}` });
    expect(result.errors).toEqual([]);
    expect(result.series).toEqual([
      { metric: 'newrelic_average_cpuPercent', labels: { source: 'newrelic', hostname: 'web-1' }, ts: [T0, T0 + 60_000], values: [21.5, 23] },
      { metric: 'newrelic_average_cpuPercent', labels: { source: 'newrelic', hostname: 'web-2' }, ts: [T0 + 60_000], values: [64.25] },
    ]);
  });

  it('reports GraphQL errors (HTTP 200), HTTP 429 and 401 per query', async () => {
    const pool = agent.get('https://api.newrelic.com');
    pool.intercept({ path: '/graphql', method: 'POST', body: (b) => b.includes('FORM') }).reply(200, fixture('newrelic-graphql-error.json'), { headers: JSON_HEADERS });
    pool.intercept({ path: '/graphql', method: 'POST', body: (b) => b.includes('busy') }).reply(429, { errors: [{ message: 'Too many requests' }] }, { headers: { ...JSON_HEADERS, 'retry-after': '30' } });
    pool.intercept({ path: '/graphql', method: 'POST', body: (b) => b.includes('nokey') }).reply(401, { errors: [{ message: 'Invalid API key' }] }, { headers: JSON_HEADERS });
    const result = await make(['SELECT x FORM y', 'SELECT busy FROM z', 'SELECT nokey FROM z']).pull(window);
    expect(result.errors.map((e) => [e.kind, e.retryAfterMs])).toEqual([['bad_query', undefined], ['throttled', 30_000], ['auth', undefined]]);
    expect(result.errors[0]?.message).toMatch(/NRQL Syntax Error/);
  });
});

describe('Google Analytics Data API (runReport)', () => {
  const make = (granularity: 'minute' | 'hour' = 'minute') => createGoogleAnalyticsSource({
    propertyId: '123456789', accessToken: 'ya29.token', metrics: ['activeUsers', 'sessions'], granularity, timeZone: 'UTC', dispatcher: agent,
  });

  it("reads per-minute active users and sessions in the property's time zone", async () => {
    let body: Record<string, unknown> | undefined;
    let auth: string | undefined;
    agent.get('https://analyticsdata.googleapis.com').intercept({ path: '/v1beta/properties/123456789:runReport', method: 'POST' }).reply((opts) => {
      body = JSON.parse(String(opts.body));
      auth = (opts.headers as Record<string, string>).authorization;
      return { statusCode: 200, data: fixture('ga-run-report-minute.json'), responseOptions: { headers: JSON_HEADERS } };
    });
    const result = await make().pull(window);
    expect(auth).toBe('Bearer ya29.token');
    expect(body).toMatchObject({ dimensions: [{ name: 'dateHourMinute' }], metrics: [{ name: 'activeUsers' }, { name: 'sessions' }], dateRanges: [{ startDate: '2026-01-01', endDate: '2026-01-01' }] });
    // 2025-12-31 16:00 in Los Angeles (the report's metadata.timeZone) is 2026-01-01 00:00 UTC.
    expect(result.errors).toEqual([]);
    expect(result.series).toEqual([
      { metric: 'ga_active_users', labels: { property: '123456789', source: 'google-analytics' }, ts: [T0, T0 + 60_000, T0 + 120_000], values: [118, 124, 97] },
      { metric: 'ga_sessions', labels: { property: '123456789', source: 'google-analytics' }, ts: [T0, T0 + 60_000, T0 + 120_000], values: [131, 129, 104] },
    ]);
  });

  it('reports RESOURCE_EXHAUSTED as throttled and 401 as auth', async () => {
    const pool = agent.get('https://analyticsdata.googleapis.com');
    pool.intercept({ path: '/v1beta/properties/123456789:runReport', method: 'POST' }).reply(429, fixture('ga-resource-exhausted.json'), { headers: JSON_HEADERS });
    pool.intercept({ path: '/v1beta/properties/123456789:runReport', method: 'POST' }).reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }, { headers: JSON_HEADERS });
    const throttled = await make().pull(window);
    expect(throttled.errors).toEqual([{ item: 'properties/123456789', kind: 'throttled', message: expect.stringContaining('RESOURCE_EXHAUSTED') }]);
    expect((await make().pull(window)).errors[0]?.kind).toBe('auth');
  });

  it('converts wall-clock times across a DST change', () => {
    expect(zonedToUtc(2026, 3, 8, 3, 30, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30)); // just after spring-forward (EDT)
    expect(zonedToUtc(2026, 3, 8, 1, 30, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 6, 30)); // EST
    expect(zonedToUtc(2026, 1, 1, 0, 0, 'UTC')).toBe(T0);
  });
});

describe('pulling through the manager', () => {
  it('ingests what each source returns; one broken source does not stop the others', async () => {
    const store = await openPgliteStore({ dataDir: 'memory://' });
    await store.migrate();
    const now = Date.now();
    const good: TelemetrySource = { name: 'good', kind: 'test', pull: async (r) => ({ series: [{ metric: 'pulled', labels: { source: 'good' }, ts: [r.to - 1000, r.to], values: [1, 2] }], errors: [] }) };
    const broken: TelemetrySource = { name: 'broken', kind: 'test', pull: async () => { throw new Error('boom'); } };
    const partial: TelemetrySource = { name: 'partial', kind: 'test', pull: async (r) => ({ series: [{ metric: 'pulled', labels: { source: 'partial' }, ts: [r.to], values: [5] }], errors: [{ item: 'q2', kind: 'throttled', message: 'slow down', retryAfterMs: 90_000 }] }) };
    const telemetry = createTelemetry({ store, clock: systemClock, scheduler: systemScheduler, config: telemetryConfig() });
    const { PullManager } = await import('../../src/app/telemetry/pull.js');
    const schedule = (source: TelemetrySource) => ({ source, intervalMs: 60_000, lookbackMs: 60_000, stepMs: 15_000, timeoutMs: 5000 });
    const manager = new PullManager({ sources: [good, broken, partial].map(schedule), ingest: telemetry.ingest, scheduler: systemScheduler, clock: systemClock, metrics: telemetry.metrics });
    try {
      const waits = [];
      for (const s of [good, broken, partial]) waits.push(await manager.pull(schedule(s)));
      expect(waits).toEqual([0, 0, 90_000]);
      await telemetry.pipeline.flush();
      const got = telemetry.query.recent({ metric: 'pulled', windowMs: 120_000 });
      expect(got.map((s) => s.labels.source).sort()).toEqual(['good', 'partial']);
      const status = manager.status();
      expect(status.find((s) => s.name === 'broken')?.lastErrors).toEqual([{ item: 'broken', kind: 'unavailable', message: 'boom' }]);
      expect(status.find((s) => s.name === 'partial')).toMatchObject({ lastSamples: 1, lastErrors: [{ kind: 'throttled' }] });
      const errs = (await telemetry.metrics.pullErrors.get()).values;
      expect(errs.find((v) => v.labels.source === 'partial')?.value).toBe(1);
      // A second pull asks only for what is new since the first one.
      let asked: { from: number; to: number } | undefined;
      const probe: TelemetrySource = { name: 'good', kind: 'test', pull: async (r) => { asked = r; return { series: [], errors: [] }; } };
      await manager.pull(schedule(probe));
      expect(asked!.from).toBeGreaterThanOrEqual(now);
    } finally {
      await manager.stop();
      await telemetry.stop();
      await store.close();
    }
  });
});
