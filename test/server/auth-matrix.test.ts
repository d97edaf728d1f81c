import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { DEFAULT_ROLES, grantsPermission } from '../../src/core/auth/rbac.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';
import { encodeWriteRequest } from '../../src/adapters/telemetry/remote-write/index.js';

/**
 * The 401/403/200 matrix: every registered route × (no key, malformed, unknown, revoked, each role).
 * A route added without an entry in SAMPLES fails the first test, so the matrix cannot silently shrink.
 */
let server: TestServer;
let revokedToken: string;

/** A request that succeeds for a caller allowed to make it; `make` may prepare state first. */
type Sample = (s: TestServer) => Promise<InjectOptions> | InjectOptions;
let seq = 0;
/** A provider registered through the API (as admin) for the samples that need one. */
async function matrixProvider(s: TestServer): Promise<string> {
  const name = `matrix-p-${++seq}`;
  const res = await s.app.inject({ method: 'POST', url: '/api/multicloud/providers', headers: bearer(s.tokens.admin), payload: { name, kind: 'sim' } });
  if (res.statusCode !== 201) throw new Error(`registering ${name}: ${res.statusCode} ${res.body}`);
  return name;
}

const SAMPLES: Record<string, Sample> = {
  'GET /healthz': () => ({ method: 'GET', url: '/healthz' }),
  'GET /readyz': () => ({ method: 'GET', url: '/readyz' }),
  'GET /metrics': () => ({ method: 'GET', url: '/metrics' }),
  'GET /api/v1/nodes': () => ({ method: 'GET', url: '/api/v1/nodes' }),
  'GET /api/v1/nodes/:id': () => ({ method: 'GET', url: '/api/v1/nodes/i-matrix' }),
  'GET /api/v1/keys': () => ({ method: 'GET', url: '/api/v1/keys' }),
  'POST /api/v1/keys': () => ({ method: 'POST', url: '/api/v1/keys', payload: { name: `k-${Math.random().toString(36).slice(2)}`, role: 'viewer' } }),
  'DELETE /api/v1/keys/:id': async (s) => {
    const created = await s.keys.create({ name: `doomed-${Math.random().toString(36).slice(2)}`, role: 'viewer', createdBy: 'test' });
    return { method: 'DELETE', url: `/api/v1/keys/${created.record.id}` };
  },
  'GET /api/v1/audit': () => ({ method: 'GET', url: '/api/v1/audit?limit=5' }),
  'GET /api/v1/audit/verify': () => ({ method: 'GET', url: '/api/v1/audit/verify' }),
  'GET /api/v1/whoami': () => ({ method: 'GET', url: '/api/v1/whoami' }),
  'GET /api/v1/openapi.json': () => ({ method: 'GET', url: '/api/v1/openapi.json' }),
  'GET /api/v1/catalog/offerings': () => ({ method: 'GET', url: '/api/v1/catalog/offerings?gpu=H100&limit=2' }),
  // Telemetry (issue #5): a fresh series per call, so a second allowed caller is not refused as a duplicate.
  'POST /api/v1/write': () => ({
    method: 'POST', url: '/api/v1/write',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    payload: Buffer.from(encodeWriteRequest([{ labels: [['__name__', 'matrix_write'], ['k', Math.random().toString(36).slice(2)]], ts: [Date.now()], values: [1] }])),
  }),
  'POST /api/v1/ingest': () => ({
    method: 'POST', url: '/api/v1/ingest',
    payload: { series: [{ metric: 'matrix_json', labels: { k: Math.random().toString(36).slice(2) }, samples: [[Date.now() / 1000, 1]] }] },
  }),
  'GET /api/v1/ingest/ws': () => ({ method: 'GET', url: '/api/v1/ingest/ws' }),
  'GET /api/v1/nodes/:id/metrics': () => ({ method: 'GET', url: '/api/v1/nodes/i-matrix/metrics' }),
  'GET /api/v1/series/query': () => ({ method: 'GET', url: '/api/v1/series/query?metric=matrix_json' }),
  'GET /api/v1/telemetry/targets': () => ({ method: 'GET', url: '/api/v1/telemetry/targets' }),
  // Planner (issue #4).
  'POST /api/v1/cost/simulate': () => ({
    method: 'POST', url: '/api/v1/cost/simulate',
    payload: {
      offerings: [{ id: 'o', provider: 'aws', region: 'us-east-1', instanceType: 'm', purchase: 'on-demand', pricePerHour: 1, vcpus: 2, memoryGiB: 8 }],
      pools: [{ name: 'p', demand: 1, capacity: { perVcpu: 1 }, qos: { maxUtilization: 1 } }],
    },
  }),
  'GET /api/v1/optimization/recommendations': () => ({ method: 'GET', url: '/api/v1/optimization/recommendations' }),
  'GET /api/v1/decisions': () => ({ method: 'GET', url: '/api/v1/decisions?limit=5' }),
  // Action engine (issue #7). Approve/reject each need a plan of their own waiting for approval.
  'GET /api/v1/plans': () => ({ method: 'GET', url: '/api/v1/plans?status=pending-approval,running' }),
  'POST /api/v1/plans/:id/approve': async (s) => ({ method: 'POST', url: `/api/v1/plans/${(await matrixPlan(s)).id}/approve` }),
  'POST /api/v1/plans/:id/reject': async (s) => ({ method: 'POST', url: `/api/v1/plans/${(await matrixPlan(s)).id}/reject`, payload: { reason: 'matrix' } }),
  'POST /api/v1/nodes/:id/scale': async (s) => {
    await s.store.actions.setControl({ paused: false, reason: null, updatedBy: 'matrix', updatedAt: new Date() });
    return { method: 'POST', url: '/api/v1/nodes/i-matrix/scale', payload: { action: 'stop' } };
  },
  'GET /api/v1/actions': () => ({ method: 'GET', url: '/api/v1/actions?limit=5' }),
  'GET /api/v1/control': () => ({ method: 'GET', url: '/api/v1/control' }),
  'POST /api/v1/control/pause': () => ({ method: 'POST', url: '/api/v1/control/pause', payload: { reason: 'matrix' } }),
  'POST /api/v1/control/resume': () => ({ method: 'POST', url: '/api/v1/control/resume' }),
  // Credentials and the provider registry (issue #7). Samples that need an existing entry create it as admin first.
  'POST /api/v1/providers/credentials': () => ({ method: 'POST', url: '/api/v1/providers/credentials', payload: { name: 'matrix-cred', provider: 'digitalocean', values: { token: 'matrix-secret' } } }),
  'GET /api/v1/providers/credentials': () => ({ method: 'GET', url: '/api/v1/providers/credentials' }),
  'DELETE /api/v1/providers/credentials/:name': async (s) => {
    const name = `matrix-cred-${++seq}`;
    await s.app.inject({ method: 'POST', url: '/api/v1/providers/credentials', headers: bearer(s.tokens.admin), payload: { name, provider: 'digitalocean', values: { token: 'matrix-secret' } } });
    return { method: 'DELETE', url: `/api/v1/providers/credentials/${name}` };
  },
  'GET /api/multicloud/providers': () => ({ method: 'GET', url: '/api/multicloud/providers' }),
  'POST /api/multicloud/providers': () => ({ method: 'POST', url: '/api/multicloud/providers', payload: { name: `matrix-sim-${++seq}`, kind: 'sim' } }),
  'GET /api/multicloud/providers/:id': async (s) => ({ method: 'GET', url: `/api/multicloud/providers/${await matrixProvider(s)}` }),
  'DELETE /api/multicloud/providers/:id': async (s) => ({ method: 'DELETE', url: `/api/multicloud/providers/${await matrixProvider(s)}` }),
  // Dashboard (issue #9): the static files are public, the data behind them is not.
  'GET /': () => ({ method: 'GET', url: '/' }),
  'GET /ui/*': () => ({ method: 'GET', url: '/ui/nodes' }),
  'GET /api/v1/overview': () => ({ method: 'GET', url: '/api/v1/overview' }),
  'GET /api/v1/stream': () => ({ method: 'GET', url: '/api/v1/stream' }),
  // Forecasting (issue #6): a stored forecast for the pool, so an allowed caller gets 200.
  'GET /api/v1/forecasts/:pool': async (s) => {
    if ((await s.store.forecasts.latestForecast('matrix')) === null) {
      await s.store.forecasts.recordForecast({
        series: 'demand{pool="matrix"}', pool: 'matrix', version: 1, createdAt: new Date(), model: 'naive', stepSeconds: 60, windowFrom: new Date(0), windowTo: new Date(60_000),
        points: [{ t: 120, mean: 1, lo50: 1, hi50: 1, lo90: 1, hi90: 1, lo99: 1, hi99: 1 }], weights: { naive: 1 }, accuracy: {}, periods: [], notes: [], fallback: true, reason: 'first',
      });
    }
    return { method: 'GET', url: '/api/v1/forecasts/matrix' };
  },
  'GET /api/v1/anomalies': () => ({ method: 'GET', url: '/api/v1/anomalies?pool=matrix&limit=5' }),
};

/** A plan waiting for approval, for the approve/reject samples. */
function matrixPlan(s: TestServer) {
  return s.store.actions.createPlan({
    at: new Date(), pool: 'matrix', mode: 'approve', status: 'pending-approval', source: 'matrix', decisionId: null, actions: [], summary: 'nothing', detail: null,
  });
}

/** Routes whose allowed sample does not answer 2xx: the WebSocket endpoint answers a plain GET 426 once auth passed. */
const ALLOWED_STATUS: Record<string, number> = { 'GET /api/v1/ingest/ws': 426, 'GET /api/v1/stream': 426 };
/** Public routes that may answer 503: the dashboard's files when only tsc built the tree (no dist/web). */
const PUBLIC_STATUS: Record<string, readonly number[]> = { 'GET /': [200, 503], 'GET /ui/*': [200, 503] };

beforeAll(async () => {
  server = await startTestServer();
  await server.store.nodes.upsert({
    id: 'i-matrix', provider: 'sim', region: 'us-east-1', zone: null, instanceType: 'h100-box', offeringId: null, pool: 'llm',
    state: 'running', labels: {}, vcpus: 16, memoryGiB: 128, gpu: { model: 'H100', count: 1 }, pricePerHour: 9,
    startedAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-01T00:00:00Z'),
  });
  const doomed = await server.keys.create({ name: 'revoked-one', role: 'admin', createdBy: 'test' });
  await server.keys.revoke(doomed.record.id);
  revokedToken = doomed.token;
});
afterAll(async () => server?.close());

describe('authorisation matrix', () => {
  it('has a sample request for every registered route, and only /healthz, /readyz, /metrics and the dashboard files are public', () => {
    const registered = server.app.routeAccess.map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(Object.keys(SAMPLES).sort());
    const publicRoutes = server.app.routeAccess.filter((r) => r.access === 'public').map((r) => r.url).sort();
    expect(publicRoutes).toEqual(['/', '/healthz', '/metrics', '/readyz', '/ui/*']);
  });

  const callers: Array<{ who: string; headers: () => Record<string, string>; role?: string; invalid?: string }> = [
    { who: 'no key', headers: () => ({}), invalid: 'GOV_AUTH_REQUIRED' },
    { who: 'a non-bearer scheme', headers: () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), invalid: 'GOV_AUTH_INVALID' },
    { who: 'a malformed key', headers: () => bearer('not-a-key'), invalid: 'GOV_AUTH_INVALID' },
    { who: 'an unknown key', headers: () => bearer(`gov_000000000000_${'A'.repeat(43)}`), invalid: 'GOV_AUTH_INVALID' },
    { who: 'a tampered key', headers: () => bearer(server.tokens.admin.slice(0, -2) + (server.tokens.admin.endsWith('AA') ? 'BB' : 'AA')), invalid: 'GOV_AUTH_INVALID' },
    { who: 'a revoked key', headers: () => bearer(revokedToken), invalid: 'GOV_AUTH_INVALID' },
    ...DEFAULT_ROLES.map((r) => ({ who: `role ${r.name}`, headers: () => bearer(server.tokens[r.name as 'admin']), role: r.name })),
  ];

  for (const route of Object.keys(SAMPLES)) {
    for (const caller of callers) {
      it(`${route} as ${caller.who}`, async () => {
        const entry = server.app.routeAccess.find((r) => `${r.method} ${r.url}` === route)!;
        const request = await SAMPLES[route]!(server);
        const res = await server.app.inject({ ...request, headers: { ...request.headers, ...caller.headers() } });
        if (entry.access === 'public') {
          expect(PUBLIC_STATUS[route] ?? [200]).toContain(res.statusCode);
          return;
        }
        if (caller.invalid) {
          expect(res.statusCode).toBe(401);
          expect(res.json().error.code).toBe(caller.invalid);
          return;
        }
        const grants = DEFAULT_ROLES.find((r) => r.name === caller.role)!.permissions;
        const allowed = entry.access === 'authenticated' || grantsPermission(grants, entry.access);
        if (allowed && ALLOWED_STATUS[route] !== undefined) {
          expect(res.statusCode, res.body).toBe(ALLOWED_STATUS[route]);
        } else if (allowed) {
          expect(res.statusCode, res.body).toBeLessThan(300);
        } else {
          expect(res.statusCode).toBe(403);
          expect(res.json().error).toMatchObject({ code: 'GOV_FORBIDDEN', details: { required: entry.access, role: caller.role } });
        }
      });
    }
  }

  it('does not tell the client why a key was refused', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/nodes', headers: bearer(revokedToken) });
    expect(res.json()).toEqual({ error: { code: 'GOV_AUTH_INVALID', message: 'the API key is not valid', requestId: expect.any(String) } });
  });

  it('gives the seed roles their seed permissions (viewer also reads nodes)', () => {
    const viewer = DEFAULT_ROLES.find((r) => r.name === 'viewer')!.permissions;
    expect(grantsPermission(viewer, 'metrics:read')).toBe(true);
    expect(grantsPermission(viewer, 'nodes:scale')).toBe(false);
    expect(grantsPermission(viewer, 'keys:write')).toBe(false);
    const operator = DEFAULT_ROLES.find((r) => r.name === 'operator')!.permissions;
    expect(grantsPermission(operator, 'nodes:scale')).toBe(true);
    expect(grantsPermission(operator, 'audit:read')).toBe(false);
  });
});

describe('configured roles', () => {
  it('a role from [[rbac.roles]] with a resource wildcard reaches what it grants and nothing else', async () => {
    const custom = await startTestServer({ roles: [{ name: 'auditor', permissions: ['audit:*'] }] });
    try {
      const { token } = await custom.keys.create({ name: 'aud', role: 'auditor', createdBy: 'test' });
      expect((await custom.app.inject({ url: '/api/v1/audit', headers: bearer(token) })).statusCode).toBe(200);
      expect((await custom.app.inject({ url: '/api/v1/nodes', headers: bearer(token) })).statusCode).toBe(403);
    } finally {
      await custom.close();
    }
  });
});
