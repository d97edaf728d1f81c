import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus, type EventEnvelope } from '../../src/app/events.js';
import type { Node } from '../../src/core/model/node.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

/** The dashboard's server side (issue #9): GET /api/v1/overview, the WebSocket stream and the static files. */

const node = (id: string, over: Partial<Node> = {}): Node => ({
  id, provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'p5.48xlarge', offeringId: 'aws:us-east-1:p5.48xlarge:on-demand', pool: 'llm',
  state: 'running', labels: {}, vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 98.32,
  startedAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-01T00:00:00Z'), ...over,
});

let server: TestServer;
let base: string;
let webRoot: string;
const events = new EventBus();

beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'gov-web-'));
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Governator</title><script type="module" src="/ui/assets/app-1234.js"></script>');
  writeFileSync(join(webRoot, 'assets', 'app-1234.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  server = await startTestServer({ events, webRoot, server: { streamHeartbeatMs: 150 } });
  await server.store.nodes.upsert(node('a-1'));
  await server.store.nodes.upsert(node('a-2', { state: 'pending', pricePerHour: null }));
  await server.store.nodes.upsert(node('g-1', { provider: 'gcp', pool: 'batch', gpu: null, vcpus: 8, memoryGiB: 32, pricePerHour: 0.4, offeringId: null }));
  await server.store.nodes.upsert(node('g-2', { provider: 'gcp', pool: 'batch', state: 'stopped', gpu: null, vcpus: 8, memoryGiB: 32, pricePerHour: 0.4 }));
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('GET /api/v1/overview', () => {
  it('answers the unified view with the original spec keys, totals over nodes in service', async () => {
    const res = await server.app.inject({ url: '/api/v1/overview', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json();
    expect(o).toMatchObject({
      total_nodes: 3, total_cpus: 392, total_memory_gb: 4128, total_gpus: 16, total_cost: 98.72,
      total_cost_per_month: 72065.6, gpus_by_model: { H100: 16 }, nodes_by_state: { running: 2, pending: 1, stopped: 1 },
      provider_breakdown: { aws: { nodes: 2, cpus: 384, gpus: 16, cost: 98.32 }, gcp: { nodes: 1, cpus: 8, gpus: 0, cost: 0.4 } },
      pool_breakdown: { llm: { nodes: 2 }, batch: { nodes: 1 } },
      unpriced_nodes: 1, cost_savings: 0, active_actions: 0, burst_workloads: 0, active_migrations: 0, policy_violations: 0, partial: false,
    });
    expect(o.savings).toMatchObject({ available_per_hour: 0, realised_per_hour: 0 });
  });

  it('needs a key', async () => {
    const res = await server.app.inject({ url: '/api/v1/overview' });
    expect(res.statusCode).toBe(401);
  });
});

function connect(protocols: string[], query = ''): Promise<{ ws: WebSocket; messages: EventEnvelope[]; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/stream${query}`, protocols);
    const messages: EventEnvelope[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as EventEnvelope));
    ws.on('open', () => resolve({ ws, messages, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}
const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('GET /api/v1/stream', () => {
  it('takes the key as a subprotocol, never echoes it, and streams bus events and heartbeats', async () => {
    const { ws, messages, protocol } = await connect(['governator.v1', `governator.key.${server.tokens.viewer}`]);
    expect(protocol).toBe('governator.v1');
    await until(() => messages.some((m) => (m.type as string) === 'hello'));
    events.publish('decision', new Date('2026-11-22T08:00:00Z'), { id: 7, pool: 'llm', source: 'loop', mode: 'approve', summary: 'stop a-1', savingsPerHour: 12 });
    await until(() => messages.some((m) => m.type === 'decision'));
    expect(messages.find((m) => m.type === 'decision')).toEqual({ type: 'decision', at: '2026-11-22T08:00:00.000Z', data: expect.objectContaining({ id: 7, savingsPerHour: 12 }) });
    await until(() => messages.some((m) => (m.type as string) === 'heartbeat'));
    ws.close();
    await until(() => events.subscriberCount === 0);
  });

  it('accepts the Authorization header too (non-browser clients)', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/stream`, { headers: bearer(server.tokens.operator) });
    await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
    ws.close();
  });

  it('filters by ?types=', async () => {
    const { ws, messages } = await connect(['governator.v1', `governator.key.${server.tokens.admin}`], '?types=action');
    await until(() => messages.length > 0);
    events.publish('decision', new Date(), { id: 8, pool: 'llm', source: 'loop', mode: 'auto', summary: 's', savingsPerHour: 1 });
    events.publish('action', new Date(), { id: 'x', planId: 8, kind: 'stop', pool: 'llm', provider: 'aws', nodeId: 'a-1', status: 'running' });
    await until(() => messages.some((m) => m.type === 'action'));
    expect(messages.some((m) => m.type === 'decision')).toBe(false);
    ws.close();
  });

  it('refuses a missing, wrong or under-privileged key at the upgrade, and a bad types list', async () => {
    await expect(connect(['governator.v1'])).rejects.toThrow('HTTP 401');
    await expect(connect(['governator.v1', `governator.key.gov_000000000000_${'A'.repeat(43)}`])).rejects.toThrow('HTTP 401');
    await expect(connect(['governator.v1', `governator.key.${server.tokens.ingest}`])).rejects.toThrow('HTTP 403');
    await expect(connect(['governator.v1', `governator.key.${server.tokens.viewer}`], '?types=nope')).rejects.toThrow('HTTP 400');
    const plain = await server.app.inject({ url: '/api/v1/stream', headers: bearer(server.tokens.viewer) });
    expect(plain.statusCode).toBe(426);
    expect(plain.json().error.code).toBe('GOV_UPGRADE_REQUIRED');
  });

  it('closes the stream of a key revoked while it is open (4401)', async () => {
    const { token, record } = await server.keys.create({ name: 'short-lived', role: 'viewer', createdBy: 'test' });
    const { ws } = await connect(['governator.v1', `governator.key.${token}`]);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await server.keys.revoke(record.id);
    expect(await closed).toBe(4401);
  });
});

describe('dashboard files', () => {
  it('serves index.html at / and for app pages, revalidated every time, with a CSP', async () => {
    for (const url of ['/', '/ui/', '/ui/nodes', '/ui/decisions']) {
      const res = await server.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.body).toContain('<title>Governator</title>');
    }
  });

  it('caches hashed assets for a year, answers 304 to a matching ETag and gzips when asked', async () => {
    const res = await server.app.inject({ url: '/ui/assets/app-1234.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toContain('text/javascript');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toContain('console.log');
    const again = await server.app.inject({ url: '/ui/assets/app-1234.js', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers 404 for a missing file and never serves outside its folder', async () => {
    expect((await server.app.inject({ url: '/ui/assets/gone-999.js' })).statusCode).toBe(404);
    expect((await server.app.inject({ url: '/ui/../package.json' })).statusCode).not.toBe(200);
    expect((await server.app.inject({ url: '/ui/%2e%2e/%2e%2e/package.json' })).statusCode).toBe(404);
  });

  it('says how to build the dashboard when it is missing (503)', async () => {
    const bare = await startTestServer({ webRoot: join(webRoot, 'nothing-here') });
    try {
      const res = await bare.app.inject({ url: '/ui/nodes' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });
});
