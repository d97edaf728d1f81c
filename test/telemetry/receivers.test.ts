/**
 * The push receivers end to end through the HTTP layer (issue #5): remote_write, JSON and WebSocket ingest,
 * the queries, and every kind of bad input with its status, error code and counted reason.
 */
import { once } from 'node:events';
import snappy from 'snappyjs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest, encodeWriteRequestProto } from '../../src/adapters/telemetry/remote-write/index.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';
import { metricValue, remoteWrite, remoteWriteWithStale, type WireSeries } from './helpers.js';

let server: TestServer;
const now = () => Date.now();

beforeAll(async () => {
  server = await startTestServer({
    telemetry: { overrides: { maxSeriesPerMetric: 5, maxBodyBytes: 64 * 1024, maxDecodedBytes: 256 * 1024, flushIntervalMs: 20 } },
  });
});
afterAll(async () => server?.close());

async function rawPoints(metric: string, labels: Record<string, string> = {}, from = now() - 3_600_000) {
  const q = new URLSearchParams({ metric, from: String(from / 1000), to: String((now() + 60_000) / 1000) });
  if (Object.keys(labels).length > 0) q.set('labels', JSON.stringify(labels));
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/series/query?${q}`, headers: bearer(server.tokens.viewer) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { resolution: string; series: Array<{ metric: string; labels: Record<string, string>; points: Array<[number, number]> }> };
}

describe('remote_write', () => {
  it('stores what Prometheus sends, durably before answering 204, and serves it back', async () => {
    const t0 = now() - 60_000;
    const series: WireSeries[] = [
      { labels: [['__name__', 'rw_cpu'], ['instance', '10.0.0.7:9100'], ['job', 'node']], ts: [t0, t0 + 15_000, t0 + 30_000], values: [0.5, 0.25, 1e-9] },
      { labels: [['job', 'node'], ['__name__', 'rw_cpu'], ['instance', '10.0.0.8:9100']], ts: [t0], values: [-3] },
    ];
    const res = await server.app.inject(remoteWrite(server.tokens.ingest, series));
    expect(res.statusCode, res.body).toBe(204);
    // Durable already: read the store directly, not through the hot window.
    const body = await rawPoints('rw_cpu', { instance: '10.0.0.7:9100' });
    expect(body.resolution).toBe('raw');
    expect(body.series).toEqual([{ metric: 'rw_cpu', labels: { instance: '10.0.0.7:9100', job: 'node' }, points: [[t0 / 1000, 0.5], [(t0 + 15_000) / 1000, 0.25], [(t0 + 30_000) / 1000, 1e-9]] }]);
    const node = await server.app.inject({ method: 'GET', url: `/api/v1/nodes/10.0.0.8/metrics?metric=rw_cpu&step=1h&agg=min&from=${(t0 - 1000) / 1000}`, headers: bearer(server.tokens.viewer) });
    expect(node.statusCode, node.body).toBe(200);
    expect(node.json(), node.body).toMatchObject({ node: '10.0.0.8', series: [{ metric: 'rw_cpu', points: [[Math.floor((t0 - 1000) / 3_600_000) * 3600, -3]] }] });
    expect(server.telemetry.query.nodeAverage('10.0.0.7', 'rw_cpu', 3_600_000)).toBeCloseTo((0.5 + 0.25 + 1e-9) / 3, 12);
    expect(await metricValue(server.app, 'governator_ingest_samples_total', { receiver: 'remote_write' })).toBeGreaterThanOrEqual(4);
  });

  it('skips staleness markers without calling them errors', async () => {
    const before = await metricValue(server.app, 'governator_ingest_stale_markers_total');
    const t = now();
    const res = await server.app.inject({
      ...remoteWrite(server.tokens.ingest, []),
      payload: remoteWriteWithStale([['__name__', 'rw_stale']], [{ ts: t - 1000, value: 7 }, { ts: t, value: 'stale' }]),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await metricValue(server.app, 'governator_ingest_stale_markers_total')).toBe(before + 1);
    expect((await rawPoints('rw_stale')).series[0]?.points).toEqual([[(t - 1000) / 1000, 7]]);
  });

  const big = Buffer.alloc(70 * 1024, 1);
  const garbage = Buffer.from(snappy.compress(Buffer.from('this is not a protobuf message at all \xff\xff\xff\xff')));
  const hugeDecoded = Buffer.from(snappy.compress(Buffer.alloc(300 * 1024)));
  const valid = (name: string) => Buffer.from(encodeWriteRequest([{ labels: [['__name__', name]], ts: [now()], values: [1] }]));
  const cases: Array<{ name: string; headers?: Record<string, string>; body: () => Buffer | string; status: number; code: string; reason: string }> = [
    { name: 'bad snappy', body: () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), status: 400, code: 'GOV_VALIDATION', reason: 'bad_snappy' },
    { name: 'snappy with a corrupt stream', body: () => Buffer.concat([Buffer.from([20]), Buffer.from([0xf0, 0xff, 0xff])]), status: 400, code: 'GOV_VALIDATION', reason: 'bad_snappy' },
    { name: 'a protobuf that is not a WriteRequest', body: () => garbage, status: 400, code: 'GOV_VALIDATION', reason: 'bad_protobuf' },
    { name: 'an uncompressed protobuf', body: () => Buffer.from(encodeWriteRequestProto([{ labels: [['__name__', 'x']], ts: [1], values: [1] }])), status: 400, code: 'GOV_VALIDATION', reason: 'bad_snappy' },
    { name: 'a body over max_body_bytes', body: () => big, status: 413, code: 'GOV_PAYLOAD_TOO_LARGE', reason: 'too_large' },
    { name: 'a body that decompresses over max_decoded_bytes', body: () => hugeDecoded, status: 413, code: 'GOV_PAYLOAD_TOO_LARGE', reason: 'too_large' },
    { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: () => valid('ct1'), status: 415, code: 'GOV_UNSUPPORTED_MEDIA_TYPE', reason: 'content_type' },
    { name: 'application/json', headers: { 'content-type': 'application/json' }, body: () => '{"timeseries":[]}', status: 415, code: 'GOV_UNSUPPORTED_MEDIA_TYPE', reason: 'content_type' },
  ];
  it.each(cases)('refuses $name with $status $code, counted as $reason', async (c) => {
    const before = await metricValue(server.app, 'governator_ingest_rejected_total', { reason: c.reason });
    const res = await server.app.inject({
      method: 'POST', url: '/api/v1/write', payload: c.body(),
      headers: { ...bearer(server.tokens.ingest), 'content-type': 'application/x-protobuf', ...c.headers },
    });
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.json().error.code).toBe(c.code);
    expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason: c.reason })).toBe(before + 1);
  });

  it.each([
    { name: 'NaN', values: [Number.NaN], ts: (t: number) => [t], reason: 'nan' },
    { name: '+Inf', values: [Infinity], ts: (t: number) => [t], reason: 'inf' },
    { name: 'a far-future timestamp', values: [1], ts: (t: number) => [t + 3_600_000], reason: 'future' },
    { name: 'a timestamp older than raw retention', values: [1], ts: (t: number) => [t - 30 * 86_400_000], reason: 'too_old' },
    { name: 'out-of-order samples', values: [1, 2], ts: (t: number) => [t, t - 5000], reason: 'out_of_order' },
    { name: 'a duplicate timestamp', values: [1, 2], ts: (t: number) => [t, t], reason: 'duplicate' },
  ])('refuses $name with 400 GOV_INGEST_REJECTED, stores the good samples, counts $reason', async (c) => {
    const t = now();
    const metric = `rw_bad_${c.reason}`;
    const before = await metricValue(server.app, 'governator_ingest_rejected_total', { reason: c.reason });
    const res = await server.app.inject(remoteWrite(server.tokens.ingest, [
      { labels: [['__name__', metric], ['ok', 'yes']], ts: [t - 2000], values: [42] },
      { labels: [['__name__', metric], ['ok', 'no']], ts: c.ts(t), values: c.values },
    ]));
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('GOV_INGEST_REJECTED');
    expect(error.details.rejected).toEqual({ [c.reason]: 1 });
    expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason: c.reason })).toBe(before + 1);
    const stored = await rawPoints(metric, { ok: 'yes' });
    expect(stored.series[0]?.points).toEqual([[(t - 2000) / 1000, 42]]);
  });

  it('refuses invalid series and new series beyond the per-metric limit, but keeps taking known ones', async () => {
    const t = now();
    const make = (i: number) => ({ labels: [['__name__', 'rw_card'], ['id', String(i)]] as Array<[string, string]>, ts: [t - 10_000], values: [i] });
    const first = await server.app.inject(remoteWrite(server.tokens.ingest, [make(1), make(2), make(3), make(4), make(5)]));
    expect(first.statusCode, first.body).toBe(204);
    const before = await metricValue(server.app, 'governator_ingest_rejected_total', { reason: 'cardinality_limit' });
    const second = await server.app.inject(remoteWrite(server.tokens.ingest, [make(6), make(7), { ...make(1), ts: [t] }]));
    expect(second.statusCode).toBe(400);
    expect(second.json().error.details).toMatchObject({ accepted: 1, rejected: { cardinality_limit: 2 } });
    expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason: 'cardinality_limit' })).toBe(before + 2);
    const bad = await server.app.inject(remoteWrite(server.tokens.ingest, [{ labels: [['__name__', 'rw bad'], ['a', 'b']], ts: [t], values: [1] }]));
    expect(bad.json().error.details.rejected).toEqual({ invalid_series: 1 });
  });
});

describe('JSON ingest', () => {
  it('stores samples given as [unixSeconds, value] and refuses NaN/Inf strings with a count', async () => {
    const t = Math.floor(now() / 1000) * 1000;
    const ok = await server.app.inject({
      method: 'POST', url: '/api/v1/ingest', headers: bearer(server.tokens.ingest),
      payload: { series: [{ metric: 'json_qps', labels: { node: 'n1', pool: 'llm' }, samples: [[t / 1000 - 2, 10], [t / 1000 - 1, 12.5]] }] },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ accepted: 2, staleMarkers: 0 });
    expect((await rawPoints('json_qps')).series[0]?.points).toEqual([[t / 1000 - 2, 10], [t / 1000 - 1, 12.5]]);
    const bad = await server.app.inject({
      method: 'POST', url: '/api/v1/ingest', headers: bearer(server.tokens.ingest),
      payload: { series: [{ metric: 'json_qps', labels: { node: 'n2' }, samples: [[t / 1000, 'NaN'], [t / 1000 + 1, '-Inf'], [t / 1000 + 2, 3]] }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toMatchObject({ accepted: 1, rejected: { nan: 1, inf: 1 } });
  });

  it.each([
    { name: 'a body that is not JSON', payload: '{"series": [', type: 'application/json', status: 400, code: 'GOV_MALFORMED_JSON' },
    { name: 'a sample that is not a pair', payload: JSON.stringify({ series: [{ metric: 'm', samples: [[1]] }] }), type: 'application/json', status: 400, code: 'GOV_VALIDATION' },
    { name: 'an unknown field', payload: JSON.stringify({ series: [], extra: 1 }), type: 'application/json', status: 400, code: 'GOV_VALIDATION' },
    { name: 'text/plain', payload: 'x', type: 'text/plain', status: 415, code: 'GOV_UNSUPPORTED_MEDIA_TYPE' },
  ])('refuses $name with $status $code, counted', async (c) => {
    const reason = c.status === 415 ? 'content_type' : 'bad_json';
    const before = await metricValue(server.app, 'governator_ingest_rejected_total', { reason });
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { ...bearer(server.tokens.ingest), 'content-type': c.type }, payload: c.payload });
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.json().error.code).toBe(c.code);
    expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason })).toBe(before + 1);
  });
});

describe('queries', () => {
  it('validates its parameters and names the one that is wrong', async () => {
    const get = (qs: string) => server.app.inject({ method: 'GET', url: `/api/v1/series/query?${qs}`, headers: bearer(server.tokens.viewer) });
    for (const [qs, field] of [
      ['labels=job%3Dnode&from=yesterday', 'from'], ['metric=x&step=0', 'step'], ['metric=x&from=10&to=5', 'to'],
      ['metric=x&labels=%7Bbad', 'labels'], ['from=1', 'metric'], ['metric=x&step=1&from=0&to=100000', 'step'],
    ]) {
      const res = await get(qs!);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.details.field, qs).toBe(field);
    }
    expect((await get('metric=x&agg=median')).statusCode).toBe(400);
    const missing = await server.app.inject({ method: 'GET', url: '/api/v1/nodes/nowhere/metrics', headers: bearer(server.tokens.viewer) });
    expect(missing.statusCode).toBe(404);
  });
});

describe('WebSocket ingest', () => {
  it('acknowledges each message, refuses a bad one without closing, and needs the key at the upgrade', async () => {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.app.server.address() as { port: number }).port;
    const url = `ws://127.0.0.1:${port}/api/v1/ingest/ws`;

    // Refused at the upgrade with the API's own 401/403 (the client must then drop the request itself).
    for (const [headers, status] of [[{}, 401], [bearer(server.tokens.viewer), 403]] as const) {
      const refused = new WebSocket(url, { headers });
      const [req, res] = await once(refused, 'unexpected-response') as [{ destroy(): void }, { statusCode: number }];
      expect(res.statusCode).toBe(status);
      req.destroy();
    }

    const ws = new WebSocket(url, { headers: bearer(server.tokens.ingest) });
    await once(ws, 'open');
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    const t = now();
    ws.send(JSON.stringify({ id: 'a', series: [{ metric: 'ws_rps', labels: { node: 'w1' }, samples: [[t / 1000 - 1, 5], [t / 1000, 6]] }] }));
    ws.send('not json');
    ws.send(JSON.stringify({ id: 7, series: [{ metric: 'ws_rps', samples: [] }] }));
    ws.send(JSON.stringify({ id: 'c', series: [{ metric: 'ws_rps', labels: { node: 'w1' }, samples: [[t / 1000 + 1, 7]] }] }));
    await expect.poll(() => replies.length, { timeout: 5000 }).toBe(4);
    const byId = (id: unknown) => replies.find((r) => r.id === id);
    expect(byId('a')).toEqual({ id: 'a', accepted: 2, staleMarkers: 0 });
    expect(replies.find((r) => r.id === undefined)).toMatchObject({ error: { code: 'GOV_MALFORMED_JSON' } });
    expect(byId(7)).toMatchObject({ id: 7, error: { code: 'GOV_VALIDATION' } });
    expect(byId('c')).toEqual({ id: 'c', accepted: 1, staleMarkers: 0 });
    ws.close();
    expect((await rawPoints('ws_rps')).series[0]?.points.map((p) => p[1])).toEqual([5, 6, 7]);
  });
});

describe('mapping telemetry to nodes and pools', () => {
  it("sums a pool's running nodes' demand and names the nodes without telemetry", async () => {
    const at = new Date();
    const node = (id: string, pool: string, state: 'running' | 'stopped') => ({
      id, provider: 'sim', region: null, zone: null, instanceType: null, offeringId: null, pool, state, labels: {},
      vcpus: null, memoryGiB: null, gpu: null, pricePerHour: null, startedAt: null, updatedAt: at,
    });
    for (const n of [node('p-1', 'pool-x', 'running'), node('p-2', 'pool-x', 'running'), node('p-3', 'pool-x', 'running'), node('p-4', 'pool-x', 'stopped'), node('q-1', 'other', 'running')]) {
      await server.store.nodes.upsert(n);
    }
    const t = now();
    const res = await server.app.inject({
      method: 'POST', url: '/api/v1/ingest', headers: bearer(server.tokens.ingest),
      payload: {
        series: [
          { metric: 'pool_rps', labels: { node: 'p-1', route: 'a' }, samples: [[t / 1000 - 20, 10], [t / 1000 - 10, 20]] },
          { metric: 'pool_rps', labels: { node: 'p-1', route: 'b' }, samples: [[t / 1000 - 10, 5]] },
          { metric: 'pool_rps', labels: { governator_node: 'p-2', node: 'ignored' }, samples: [[t / 1000 - 10, 7]] },
          { metric: 'pool_rps', labels: { node: 'p-4' }, samples: [[t / 1000 - 10, 1000]] },
          { metric: 'pool_rps', labels: { node: 'q-1' }, samples: [[t / 1000 - 10, 1000]] },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    // p-1: 15 (route a) + 5 (route b); p-2: 7; p-3 has none; p-4 is stopped; q-1 is another pool.
    expect(await server.telemetry.query.poolDemand('pool-x', 'pool_rps', 60_000)).toEqual({ demand: 27, nodes: 3, missing: ['p-3'] });
  });
});
