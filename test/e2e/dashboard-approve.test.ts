import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { systemClock } from '../../src/adapters/clock/system.js';
import { createSimProvider, type SimProvider } from '../../src/adapters/cloud/sim/index.js';
import { ActionEngine, DEFAULT_POOL_ACTUATION } from '../../src/app/actions/index.js';
import { EventBus } from '../../src/app/events.js';
import type { Node } from '../../src/core/model/node.js';
import type { Offering } from '../../src/core/model/offering.js';
import type { ProviderNode } from '../../src/ports/cloud-provider.js';
import { fixtureCatalog } from '../support/catalog.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { buildDashboard, signIn } from './support.js';

/**
 * Approving a plan from the dashboard (issue #9): a plan waits for approval in an `approve` pool; a viewer sees
 * it but is offered no approve/reject; an operator approves it in the browser, the action engine carries it out
 * on the simulated cloud, and the Nodes page shows the new node and the stopped one without a reload.
 *
 * The server is in-process (the same buildServer as `governator serve`) with an action engine over the sim
 * provider and the event bus the stream publishes, so the test does not depend on the demo being wired.
 */

const GATED = 'gated';

/** A node of the store for a node the simulator already runs. */
function inventoryNode(node: ProviderNode, offering: Offering, pool: string): Node {
  return {
    id: node.id, provider: 'sim', region: node.region, zone: null, instanceType: node.instanceType, offeringId: offering.id, pool,
    state: 'running', labels: { ...node.labels }, vcpus: offering.vcpus, memoryGiB: offering.memoryGiB, gpu: offering.gpu,
    pricePerHour: offering.pricePerHour, startedAt: new Date(), updatedAt: new Date(),
  };
}

describeWithChromium('dashboard: approving a plan (Chromium, in-process server, sim provider)', () => {
  let browser: Browser;
  let server: TestServer;
  let engine: ActionEngine;
  let sim: SimProvider;
  let base: string;
  let webRoot: string;
  const events = new EventBus();
  const catalog = fixtureCatalog();
  const small = catalog.offerings.find((o) => o.instanceType === 'm7i.large')!;
  const large = catalog.offerings.find((o) => o.instanceType === 'm7i.16xlarge')!;

  beforeAll(async () => {
    webRoot = buildDashboard();
    // Starts take 3 s and stops 1 s on this cloud, long enough to watch the Nodes page change while it happens.
    sim = createSimProvider({
      offerings: catalog.offerings, clock: systemClock, spot: { enabled: false },
      startup: { cpu: { min: 3, max: 3 } }, stopDelay: { min: 1, max: 1 },
    });
    server = await startTestServer({
      catalog, events, webRoot,
      actions: (store) => {
        engine = new ActionEngine({
          journal: store.actions, nodes: store.nodes, providers: [sim], offerings: (id) => catalog.byId.get(id), clock: systemClock, events,
          pools: (pool) => ({ ...DEFAULT_POOL_ACTUATION, mode: pool === GATED ? 'approve' : 'recommend', cooldownSeconds: 0 }),
          settings: { pollIntervalMs: 200 },
        });
        return engine;
      },
    });
    const running = sim.seed([{ pool: GATED, offeringId: small.id }, { pool: GATED, offeringId: small.id }, { pool: 'web', offeringId: small.id }]);
    for (const [i, node] of running.entries()) await server.store.nodes.upsert(inventoryNode(node, small, i < 2 ? GATED : 'web'));
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.idle();
    await server?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('a viewer sees the waiting plan without approve/reject; an operator approves it and the node list changes without a reload', async () => {
    const [old] = (await server.store.nodes.list({ pool: GATED, limit: 10 })).nodes;
    // A decision recorded by the planner, with its explanation, for the plan to point at (what the loop records).
    const simulated = await fetch(`${base}/api/v1/cost/simulate`, {
      method: 'POST', headers: { authorization: `Bearer ${server.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offerings: 'bundled', pools: [{ name: GATED, demand: 100, capacity: { byGpuModel: { H100: 10 } }, qos: { maxUtilization: 1 } }] }),
    });
    expect(simulated.status).toBe(200);
    const decision = await simulated.json() as { decisionId: number; explanation: string[] };
    expect(decision.explanation.length).toBeGreaterThan(0);
    // What the control loop does for an `approve` pool: submit the plan, which then waits (make-before-break:
    // start one large node, then stop a small one).
    const [plan] = await engine.submit({
      plan: { actions: [
        { action: 'start', pool: GATED, offering: large.id, count: 1, costDeltaPerHour: large.pricePerHour },
        { action: 'stop', pool: GATED, offering: small.id, nodeId: old!.id, costDeltaPerHour: -small.pricePerHour },
      ] },
      source: 'loop', decisionId: decision.decisionId,
    });
    expect(plan).toMatchObject({ pool: GATED, mode: 'approve', status: 'pending-approval' });
    const card = (page: Page) => page.locator(`article.plan[data-plan="${plan!.id}"]`);

    const viewer = await browser.newPage();
    try {
      await signIn(viewer, base, server.tokens.viewer);
      await viewer.getByRole('link', { name: 'Decisions' }).click();
      await viewer.locator(`article.plan[data-plan="${plan!.id}"][data-status="pending-approval"]`).waitFor();
      await card(viewer).getByTestId('no-approve').waitFor();
      // The plan's explanation comes from the decision it was recorded as.
      await card(viewer).locator('details li').getByText(decision.explanation[0]!, { exact: true }).waitFor();
      expect(await viewer.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Reject' }).count()).toBe(0);
    } finally {
      await viewer.close();
    }

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signIn(page, base, server.tokens.operator);
      await page.locator('[data-stream="live"]').waitFor();
      await page.getByRole('link', { name: 'Nodes' }).click();
      await expect.poll(() => page.getByTestId('node-count').textContent()).toBe('3 of 3 nodes');
      await page.evaluate(() => { (globalThis as unknown as { marker: number }).marker = 9; });

      await page.getByRole('link', { name: 'Decisions' }).click();
      const pending = card(page);
      await pending.getByText(`start 1 × ${large.id}, stop ${old!.id}`).waitFor();
      await pending.getByRole('button', { name: 'Approve' }).click();
      // The card follows the plan (approved → running → succeeded) from the stream, without a reload.
      await expect.poll(() => pending.getAttribute('data-status'), { timeout: 10_000 }).not.toBe('pending-approval');
      expect(await pending.getByRole('button', { name: 'Approve' }).count()).toBe(0);

      // Back to the Nodes page while the plan runs: the new node appears and the old one is stopped.
      await page.getByRole('link', { name: 'Nodes' }).click();
      await expect.poll(() => page.getByTestId('node-count').textContent(), { timeout: 20_000 }).toBe('4 of 4 nodes');
      const started = sim.allNodes().find((n) => n.instanceType === large.instanceType);
      expect(started).toBeDefined();
      await expect.poll(() => page.locator(`.vrow[data-row="${started!.id}"] .state-pill`).textContent(), { timeout: 20_000 }).toBe('running');
      await expect.poll(() => page.locator(`.vrow[data-row="${old!.id}"] .state-pill`).textContent(), { timeout: 20_000 }).toBe('terminated');
      // Only running nodes: the stopped one is gone from the list, the new one is in it.
      await page.locator('select[name="state"]').selectOption('running');
      await expect.poll(() => page.getByTestId('node-count').textContent()).toBe('3 of 4 nodes');
      expect(await page.locator(`.vrow[data-row="${old!.id}"]`).count()).toBe(0);
      await page.locator(`.vrow[data-row="${started!.id}"]`).waitFor();

      await page.getByRole('link', { name: 'Decisions' }).click();
      await expect.poll(() => card(page).getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
      await card(page).getByText(/Decided by key:/).waitFor();
      // One document all along: the marker set before approving is still there.
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(9);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
    expect((await server.store.actions.getPlan(plan!.id))?.status).toBe('succeeded');
  }, 90_000);
});
