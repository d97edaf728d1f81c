/**
 * The planner's REST routes (issue #4): POST /api/v1/cost/simulate and GET /api/v1/optimization/recommendations,
 * each plan recorded in deployment_decisions.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/core/model/pool.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';

const seed = JSON.parse(readFileSync(new URL('../../../shared/scenarios/h200-to-h100.json', import.meta.url), 'utf8')) as Record<string, unknown>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const simulate = (payload: unknown, token = server.tokens.viewer) =>
  server.app.inject({ method: 'POST', url: '/api/v1/cost/simulate', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

describe('POST /api/v1/cost/simulate', () => {
  it('plans the seed scenario exactly, and records the plan', async () => {
    const res = await simulate(seed);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      feasible: true, costPerHourBefore: 25, costPerHourAfter: 18, savingsPerHour: 7,
      actions: [
        { action: 'start', pool: 'llm', offering: 'aws:us-east-1:h100-box:on-demand', count: 2, costDeltaPerHour: 18 },
        { action: 'stop', pool: 'llm', nodeId: 'node-h200-1', offering: 'aws:us-east-1:h200-box:on-demand', costDeltaPerHour: -25 },
      ],
      pools: [{ name: 'llm', demand: 20, utilizationBefore: 0.2, utilizationAfter: 0.893, nodesAfter: 2 }],
    });
    expect(body.explanation.length).toBeGreaterThan(2);
    expect(body.diagnostics.solver).toMatchObject({ name: 'highs', status: 'optimal' });

    const [stored] = await server.store.decisions.listRecent(1);
    expect(stored).toMatchObject({ id: body.decisionId, source: 'simulate', workload: 'llm', feasible: true, savingsPerHour: 7 });
    const { decisionId: _id, ...plan } = body;
    expect(stored!.plan).toEqual(plan);
  });

  it('answers an infeasible scenario with feasible: false and the shortfall, never a stop of needed capacity', async () => {
    const res = await simulate({ ...seed, pools: [{ ...(seed.pools as Pool[])[0], demand: 1500 }] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.feasible).toBe(false);
    // 10 more H200 (100 each) + 10 H100 (11.2 each) + the running H200: 1212 capacity serves 1090.8 at 90%.
    expect(body.pools[0].shortfall).toBeCloseTo(1500 - 0.9 * (11 * 100 + 10 * 11.2), 6);
    expect(body.actions.some((a: { action: string }) => a.action === 'stop')).toBe(false);
  });

  it('uses the server catalog when offerings is "bundled"', async () => {
    const res = await simulate({
      offerings: 'bundled',
      pools: [{ name: 'gpu', demand: 100, capacity: { byGpuModel: { H100: 10 } }, qos: { maxUtilization: 1 }, constraints: { providers: ['aws', 'digitalocean'] } }],
    });
    expect(res.statusCode, res.body).toBe(200);
    // One spot p5 (8 × H100 = 80, $28.10) + 2 DigitalOcean H100 (10 each, $6.74) = $41.58.
    expect(res.json().costPerHourAfter).toBeCloseTo(41.58, 6);
  });

  it('refuses a malformed scenario with 400 GOV_VALIDATION naming each problem by JSON path, and records nothing', async () => {
    const before = (await server.store.decisions.listRecent(1))[0]?.id;
    const bad = {
      ...seed,
      pools: [{ ...(seed.pools as Pool[])[0], qos: { maxUtilization: 1.5 } }],
      nodes: [{ id: 'n1', pool: 'llm', offering: 'no-such-offering', state: 'running' }],
    };
    const res = await simulate(bad);
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('GOV_VALIDATION');
    expect(error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['$.nodes[0].offering', '$.pools[0].qos.maxUtilization']);
    expect(error.message).toContain('$.pools[0].qos.maxUtilization');
    expect((await server.store.decisions.listRecent(1))[0]?.id).toBe(before);
  });

  it('refuses a body that is not a JSON object', async () => {
    const res = await simulate([1, 2, 3]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('GOV_VALIDATION');
  });

  it('takes bodies up to server.body_limit, and 413 beyond', async () => {
    const big = {
      ...seed,
      offerings: [
        ...(seed.offerings as unknown[]),
        ...Array.from({ length: 8000 }, (_, i) => ({
          id: `filler-${i}`, provider: 'aws', region: 'us-east-1', instanceType: `filler-${i}`, purchase: 'on-demand', pricePerHour: 100 + i, vcpus: 4, memoryGiB: 16,
        })),
      ],
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(1_048_576);
    expect((await simulate(big)).statusCode).toBe(413);
    const roomy = await startTestServer({ server: { bodyLimit: 4 * 1_048_576 } });
    try {
      const res = await roomy.app.inject({ method: 'POST', url: '/api/v1/cost/simulate', headers: bearer(roomy.tokens.viewer), payload: big });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().costPerHourAfter).toBe(18);
    } finally {
      await roomy.close();
    }
  });
});

describe('GET /api/v1/optimization/recommendations', () => {
  it('is empty, saying why, while no pools are configured', async () => {
    const res = await server.app.inject({ url: '/api/v1/optimization/recommendations', headers: bearer(server.tokens.viewer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recommendations: [], plan: null, decisionId: null, reason: 'no pools configured' });
  });

  it('plans the stored fleet once pools exist, and records the plan', async () => {
    const pools: Pool[] = [{ name: 'web', unit: 'cores', demand: 6, capacity: { perVcpu: 1 }, qos: { maxUtilization: 0.75 }, constraints: {} }];
    const withPools = await startTestServer({ pools: () => pools });
    try {
      // Two m7i.16xlarge (64 vCPUs, $3.2256) serve 6 cores; 4 m7i.large (2 vCPUs, $0.1008 each) are enough: 8 ≥ 6 / 0.75.
      for (const id of ['i-big-1', 'i-big-2']) {
        await withPools.store.nodes.upsert({
          id, provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'm7i.16xlarge', offeringId: 'aws:us-east-1:m7i.16xlarge:on-demand',
          pool: 'web', state: 'running', labels: {}, vcpus: 64, memoryGiB: 256, gpu: null, pricePerHour: 3.2256,
          startedAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-01T00:00:00Z'),
        });
      }
      // A node the catalog does not know is planned from its own recorded shape and price.
      await withPools.store.nodes.upsert({
        id: 'i-odd', provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'x-unknown', offeringId: null, pool: 'web', state: 'running',
        labels: {}, vcpus: 4, memoryGiB: 16, gpu: null, pricePerHour: 5, startedAt: new Date('2026-01-01T00:00:00Z'), updatedAt: new Date('2026-01-01T00:00:00Z'),
      });
      const res = await withPools.app.inject({ url: '/api/v1/optimization/recommendations', headers: bearer(withPools.tokens.viewer) });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.plan.costPerHourBefore).toBeCloseTo(2 * 3.2256 + 5, 6);
      expect(body.plan.costPerHourAfter).toBeCloseTo(4 * 0.1008, 6);
      expect(body.recommendations).toEqual(body.plan.actions);
      expect(body.recommendations.filter((a: { action: string }) => a.action === 'stop').map((a: { nodeId: string }) => a.nodeId).sort()).toEqual(['i-big-1', 'i-big-2', 'i-odd']);
      const [stored] = await withPools.store.decisions.listRecent(1);
      expect(stored).toMatchObject({ id: body.decisionId, source: 'recommendation', workload: 'web' });
    } finally {
      await withPools.close();
    }
  });
});
