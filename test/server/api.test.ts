import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../../src/core/model/node.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

function node(id: string, overrides: Partial<Node> = {}): Node {
  return {
    id, provider: 'aws', region: 'us-east-1', zone: 'us-east-1a', instanceType: 'p5.48xlarge', offeringId: null,
    pool: 'llm', state: 'running', labels: { 'governator:pool': 'llm' }, vcpus: 192, memoryGiB: 2048,
    gpu: { model: 'H100', count: 8 }, pricePerHour: 98.32, startedAt: new Date('2026-11-01T10:00:00.000Z'),
    updatedAt: new Date('2026-11-01T10:05:00.000Z'), ...overrides,
  };
}

beforeAll(async () => {
  server = await startTestServer();
  for (let i = 0; i < 25; i++) {
    await server.store.nodes.upsert(node(`i-${String(i).padStart(3, '0')}`, i % 5 === 0
      ? { provider: 'gcp', region: 'us-central1', state: 'stopped', gpu: null, pool: 'batch', labels: {} }
      : {}));
  }
});
afterAll(async () => server?.close());

describe('health', () => {
  it('/healthz answers without a key', async () => {
    const res = await server.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: '0.0.0-test' });
  });

  it('/readyz says ready while the database answers, 503 GOV_NOT_READY when it does not', async () => {
    expect((await server.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', store: 'pglite' });
    const down = await startTestServer();
    (down.store as { ping: unknown }).ping = async () => {
      throw new Error('connection refused');
    };
    try {
      const res = await down.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('GOV_NOT_READY');
    } finally {
      await down.close();
    }
  });
});

describe('/metrics', () => {
  it('exposes process metrics and governator_* series in the Prometheus text format', async () => {
    await server.app.inject({ url: '/api/v1/nodes', headers: bearer(server.tokens.viewer) });
    await server.app.inject({ url: '/api/v1/nodes' });
    const res = await server.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^governator_build_info\{version="0\.0\.0-test",node_version="v\d+[^"]*",store="pglite"\} 1$/m);
    expect(text).toMatch(/^governator_http_requests_total\{method="GET",route="\/api\/v1\/nodes",status_code="200"\} [1-9]/m);
    expect(text).toMatch(/^governator_auth_failures_total\{reason="missing"\} [1-9]/m);
    expect(text).toMatch(/^governator_nodes\{state="running"\} 20$/m);
    expect(text).toMatch(/^governator_nodes\{state="stopped"\} 5$/m);
    expect(text).toMatch(/^governator_store_up 1$/m);
  });
});

describe('GET /api/v1/nodes', () => {
  it('lists nodes from the store with every field', async () => {
    const res = await server.app.inject({ url: '/api/v1/nodes?limit=1', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode).toBe(200);
    expect(res.json().nodes[0]).toEqual({
      id: 'i-000', provider: 'gcp', region: 'us-central1', zone: 'us-east-1a', instanceType: 'p5.48xlarge', offeringId: null,
      pool: 'batch', state: 'stopped', labels: {}, vcpus: 192, memoryGiB: 2048, gpu: null, pricePerHour: 98.32,
      startedAt: '2026-11-01T10:00:00.000Z', updatedAt: '2026-11-01T10:05:00.000Z',
    });
  });

  it('pages through every node exactly once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/nodes?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = (await server.app.inject({ url, headers: bearer(server.tokens.viewer) })).json();
      seen.push(...body.nodes.map((n: Node) => n.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).toEqual([...seen].sort());
  });

  it('filters by provider, state, pool and region', async () => {
    const get = async (q: string) => (await server.app.inject({ url: `/api/v1/nodes?${q}`, headers: bearer(server.tokens.viewer) })).json().nodes as Node[];
    expect(await get('provider=gcp')).toHaveLength(5);
    expect(await get('state=running')).toHaveLength(20);
    expect(await get('pool=llm&provider=aws')).toHaveLength(20);
    expect(await get('region=us-central1&state=running')).toHaveLength(0);
  });

  it('GET /api/v1/nodes/:id returns one node', async () => {
    const res = await server.app.inject({ url: '/api/v1/nodes/i-003', headers: bearer(server.tokens.operator) });
    expect(res.json()).toMatchObject({ id: 'i-003', gpu: { model: 'H100', count: 8 }, state: 'running' });
  });
});

describe('OpenAPI document', () => {
  it('is generated from the route schemas and declares bearer auth', async () => {
    const res = await server.app.inject({ url: '/api/v1/openapi.json', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/healthz', '/readyz', '/api/v1/nodes', '/api/v1/nodes/{id}', '/api/v1/keys', '/api/v1/keys/{id}', '/api/v1/audit', '/api/v1/audit/verify', '/api/v1/whoami',
    ]));
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    const params = doc.paths['/api/v1/nodes'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['provider', 'state', 'limit', 'cursor']));
    expect(doc.paths['/api/v1/keys'].post.requestBody.content['application/json'].schema.required).toEqual(['name', 'role']);
  });
});

describe('keys over HTTP', () => {
  it('creates a key that works at once, lists it without secrets, and revokes it', async () => {
    const created = await server.app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(server.tokens.admin), payload: { name: 'ci-bot', role: 'operator' } });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json();
    expect(key).toMatch(/^gov_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const me = await server.app.inject({ url: '/api/v1/whoami', headers: bearer(key) });
    expect(me.json()).toMatchObject({ keyId: apiKey.id, name: 'ci-bot', role: 'operator' });
    const list = await server.app.inject({ url: '/api/v1/keys', headers: bearer(server.tokens.admin) });
    expect(list.body).not.toContain(key.split('_')[2]);
    expect(list.body).not.toMatch(/"(salt|hash)"/);
    const revoked = await server.app.inject({ method: 'DELETE', url: `/api/v1/keys/${apiKey.id}`, headers: bearer(server.tokens.admin) });
    expect(revoked.json().apiKey.revokedAt).toEqual(expect.any(String));
    expect((await server.app.inject({ url: '/api/v1/whoami', headers: bearer(key) })).statusCode).toBe(401);
  });
});
