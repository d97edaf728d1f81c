/**
 * The action engine over HTTP and the command line: plans listed, approved and rejected; a manual scale of one
 * node; the journal; the kill switch through `governator pause` / `resume` against a listening server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { createSimProvider, type SimProvider } from '../../src/adapters/cloud/sim/index.js';
import { ActionEngine, DEFAULT_POOL_ACTUATION } from '../../src/app/actions/index.js';
import { runCli } from '../support/cli.js';
import { bearer, startTestServer, type TestServer } from '../support/server.js';
import { fixtureCatalog } from '../support/catalog.js';

let server: TestServer;
let engine: ActionEngine;
let sim: SimProvider;
let baseUrl: string;
const clock = new FakeClock('2026-03-01T00:00:00.000Z');
const catalog = fixtureCatalog();
const cpu = catalog.offerings.find((o) => o.instanceType === 'm7i.large')!;

beforeAll(async () => {
  sim = createSimProvider({ offerings: catalog.offerings, clock, spot: { enabled: false } });
  server = await startTestServer({
    catalog,
    actions: (store) => {
      engine = new ActionEngine({
        journal: store.actions, nodes: store.nodes, providers: [sim], offerings: (id) => catalog.byId.get(id), clock,
        pools: (pool) => ({ ...DEFAULT_POOL_ACTUATION, mode: pool === 'gated' ? 'approve' : 'auto', cooldownSeconds: 0 }),
        sleep: async (ms) => { clock.advance(ms); }, random: () => 0.5,
      });
      return engine;
    },
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await engine?.idle();
  await server?.close();
});

describe('plans API', () => {
  it('lists a plan waiting for approval, approves it (it runs), and refuses a second decision', async () => {
    const [plan] = await engine.submit({ plan: { actions: [{ action: 'start', pool: 'gated', offering: cpu.id, count: 1, costDeltaPerHour: cpu.pricePerHour }] }, source: 'loop' });
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/plans?status=pending-approval', headers: bearer(server.tokens.viewer) });
    expect(list.statusCode).toBe(200);
    expect(list.json().plans.map((p: { id: number }) => p.id)).toContain(plan!.id);
    const bad = await server.app.inject({ method: 'GET', url: '/api/v1/plans?status=nope', headers: bearer(server.tokens.viewer) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('GOV_VALIDATION');
    // Approving needs nodes:scale: a viewer is refused and the plan keeps waiting.
    const byViewer = await server.app.inject({ method: 'POST', url: `/api/v1/plans/${plan!.id}/approve`, headers: bearer(server.tokens.viewer) });
    expect(byViewer.statusCode).toBe(403);
    expect(byViewer.json().error.code).toBe('GOV_FORBIDDEN');
    expect((await server.store.actions.getPlan(plan!.id))?.status).toBe('pending-approval');
    const approved = await server.app.inject({ method: 'POST', url: `/api/v1/plans/${plan!.id}/approve`, headers: bearer(server.tokens.operator) });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ id: plan!.id, status: 'approved', decidedBy: expect.stringMatching(/^key:/) });
    await engine.idle();
    const after = await server.app.inject({ method: 'GET', url: `/api/v1/actions?planId=${plan!.id}`, headers: bearer(server.tokens.viewer) });
    expect(after.json().actions).toMatchObject([{ kind: 'start', status: 'succeeded', pool: 'gated', provider: 'sim' }]);
    const again = await server.app.inject({ method: 'POST', url: `/api/v1/plans/${plan!.id}/reject`, headers: bearer(server.tokens.operator) });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('GOV_CONFLICT');
    const missing = await server.app.inject({ method: 'POST', url: '/api/v1/plans/987654/approve', headers: bearer(server.tokens.operator) });
    expect(missing.statusCode).toBe(404);
  });

  it('scales one node by hand through the journal: 202, then the node stops', async () => {
    const [node] = sim.seed([{ pool: 'web', offeringId: cpu.id }]);
    await server.store.nodes.upsert({
      id: node!.id, provider: 'sim', region: node!.region, zone: null, instanceType: node!.instanceType, offeringId: cpu.id, pool: 'web',
      state: 'running', labels: node!.labels, vcpus: 2, memoryGiB: 8, gpu: null, pricePerHour: cpu.pricePerHour, startedAt: clock.now(), updatedAt: clock.now(),
    });
    const res = await server.app.inject({ method: 'POST', url: `/api/v1/nodes/${node!.id}/scale`, headers: bearer(server.tokens.operator), payload: { action: 'stop' } });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ mode: 'manual', status: 'approved', pool: 'web' });
    await engine.idle();
    expect((await server.store.nodes.get(node!.id))?.state).toMatch(/stopping|terminated/);
    const invalid = await server.app.inject({ method: 'POST', url: `/api/v1/nodes/${node!.id}/scale`, headers: bearer(server.tokens.operator), payload: { action: 'reboot' } });
    expect(invalid.statusCode).toBe(400);
    const unknown = await server.app.inject({ method: 'POST', url: '/api/v1/nodes/nope/scale', headers: bearer(server.tokens.operator), payload: { action: 'stop' } });
    expect(unknown.statusCode).toBe(404);
    const viewer = await server.app.inject({ method: 'POST', url: `/api/v1/nodes/${node!.id}/scale`, headers: bearer(server.tokens.viewer), payload: { action: 'stop' } });
    expect(viewer.statusCode).toBe(403);
  });
});

describe('governator pause / resume / plans (CLI against a listening server)', () => {
  it('pauses and resumes the engine, lists and rejects plans, and refuses bad input with exit 2', async () => {
    const env = { GOVERNATOR_API_KEY: server.tokens.operator };
    const paused = await runCli(['pause', '--url', baseUrl, '--reason', 'incident 42'], { env });
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^actions PAUSED by key:\S+ at \S+: incident 42$/m);
    expect((await engine.control()).paused).toBe(true);
    const refused = await server.app.inject({ method: 'POST', url: '/api/v1/nodes/whatever/scale', headers: bearer(server.tokens.operator), payload: { action: 'stop' } });
    expect(refused.json().error.code).toBe('GOV_ACTIONS_PAUSED');
    const status = await server.app.inject({ method: 'GET', url: '/api/v1/control', headers: bearer(server.tokens.viewer) });
    expect(status.json()).toMatchObject({ paused: true, reason: 'incident 42' });
    const resumed = await runCli(['resume', '--url', baseUrl, '--json'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ paused: false });

    // The same switch over the API: a viewer may read it but not flip it.
    const viewerPause = await server.app.inject({ method: 'POST', url: '/api/v1/control/pause', headers: bearer(server.tokens.viewer), payload: { reason: 'x' } });
    expect(viewerPause.statusCode).toBe(403);
    expect((await engine.control()).paused).toBe(false);
    const apiPause = await server.app.inject({ method: 'POST', url: '/api/v1/control/pause', headers: bearer(server.tokens.operator), payload: { reason: 'api' } });
    expect(apiPause.statusCode, apiPause.body).toBe(200);
    expect((await engine.control()).paused).toBe(true);
    const [held] = await engine.submit({ plan: { actions: [{ action: 'start', pool: 'auto', offering: cpu.id, count: 1, costDeltaPerHour: 0 }] }, source: 'loop' });
    await engine.idle();
    expect((await server.store.actions.listActions({ planId: held!.id, limit: 10 })).filter((a) => a.status === 'succeeded')).toHaveLength(0);
    expect((await server.store.actions.getPlan(held!.id))?.status).toBe('blocked');
    const apiResume = await server.app.inject({ method: 'POST', url: '/api/v1/control/resume', headers: bearer(server.tokens.operator) });
    expect(apiResume.statusCode, apiResume.body).toBe(200);
    expect((await engine.control()).paused).toBe(false);

    const [plan] = await engine.submit({ plan: { actions: [{ action: 'start', pool: 'gated', offering: cpu.id, count: 2, costDeltaPerHour: 0 }] }, source: 'loop' });
    const listed = await runCli(['plans', 'list', '--url', baseUrl, '--status', 'pending-approval'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${plan!.id}\\s+gated\\s+approve\\s+pending-approval\\s`, 'm'));
    const rejected = await runCli(['plans', 'reject', String(plan!.id), '--url', baseUrl, '--reason', 'too big'], { env });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toBe(`plan ${plan!.id} (gated) rejected\n`);
    const twice = await runCli(['plans', 'approve', String(plan!.id), '--url', baseUrl], { env });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/GOV_CONFLICT/);
    const badId = await runCli(['plans', 'approve', 'x1', '--url', baseUrl], { env });
    expect(badId.code).toBe(2);
    const noKey = await runCli(['pause', '--url', baseUrl]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/GOVERNATOR_API_KEY/);
    const viewer = await runCli(['pause', '--url', baseUrl], { env: { GOVERNATOR_API_KEY: server.tokens.viewer } });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/GOV_FORBIDDEN/);
    const down = await runCli(['resume', '--url', 'http://127.0.0.1:9'], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the Governator server/);
  });
});
