import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServe, type ServeProcess } from '../support/cli.js';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { api, signIn } from './support.js';

/**
 * The dashboard against the first-run demo (issue #9 "Must show", issue #8 part 4): the real `governator serve
 * --demo` (what `npm start` runs) in a child process, the control loop replaying real demand on the simulated
 * cloud, and Chromium. Sign in; the overview shows the demo fleet; a decision the loop makes after the page loaded
 * appears without a reload; approving the plan that waits in the demo's `approve` pool (`llm-inference`) carries
 * it out and the node list changes; a viewer is offered no approve button.
 *
 * Needs the built dashboard (dist/web, made by `npm run build`, which `npm test` runs first).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_MS = 150_000;
const APPROVE_POOL = 'llm-inference';

interface PlanRow { id: number; pool: string; mode: string; status: string }

const planIds = async (page: Page): Promise<number[]> =>
  (await page.locator('article.plan').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-plan'))))).filter((n) => Number.isFinite(n));

describeWithChromium('dashboard on the demo (serve --demo, Chromium)', () => {
  let browser: Browser;
  let serve: ServeProcess;
  let dir: string;
  let adminKey: string;
  let operatorKey: string;
  let viewerKey: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is missing: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'gov-e2e-demo-'));
    serve = await startServe(['--demo'], { env: { GOVERNATOR_DATA_DIR: dir, GOVERNATOR_LOG_LEVEL: 'info' }, timeoutMs: START_MS });
    adminKey = readFileSync(join(dir, 'initial-admin-key'), 'utf8').trim();
    const make = async (role: string) => {
      const res = await api<{ key: string }>(serve.baseUrl, adminKey, '/api/v1/keys', { body: { name: `e2e-${role}`, role } });
      expect(res.status).toBe(201);
      return res.body.key;
    };
    operatorKey = await make('operator');
    viewerKey = await make('viewer');
    browser = await launchChromium();
  }, START_MS + 30_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) expect(await serve.stop('SIGTERM')).toBe(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the demo fleet, a new decision live, and an approved plan changing the node list; a viewer cannot approve', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signIn(page, serve.baseUrl, operatorKey);
      await page.locator('[data-stream="live"]').waitFor();
      // The overview shows the demo fleet: the same total as the API, and the simulated cloud in the breakdown.
      await expect.poll(async () => {
        const shown = await page.getByTestId('total-nodes').locator('.card-value').textContent();
        const { body: json } = await api<{ total_nodes: number }>(serve.baseUrl, adminKey, '/api/v1/overview');
        return json.total_nodes > 0 && shown === json.total_nodes.toLocaleString('en-US');
      }, { timeout: 30_000 }).toBe(true);
      await page.locator('tr[data-key="demo-sim"]').waitFor();
      await page.evaluate(() => { (globalThis as unknown as { marker: number }).marker = 7; });

      // A plan the loop records after the page is open appears on Decisions without a reload.
      await page.getByRole('link', { name: 'Decisions' }).click();
      await page.locator('article.plan').first().waitFor({ timeout: 60_000 });
      const seen = new Set(await planIds(page));
      await expect.poll(async () => (await planIds(page)).some((id) => !seen.has(id)), { timeout: 90_000, interval: 1000 }).toBe(true);

      // Approve the plan waiting in the approve pool. The demo replaces a waiting plan when demand moves, so one
      // may be superseded between reading and clicking: then approve the newer one.
      await page.getByRole('link', { name: 'Nodes' }).click();
      const countText = async () => (await page.getByTestId('node-count').textContent()) ?? '';
      await expect.poll(countText, { timeout: 30_000 }).toMatch(/^\d+ of \d+ nodes$/);
      const before = await countText();
      let approved: number | null = null;
      for (let attempt = 0; attempt < 5 && approved === null; attempt++) {
        const { body: json } = await api<{ plans: PlanRow[] }>(serve.baseUrl, adminKey, `/api/v1/plans?status=pending-approval&pool=${APPROVE_POOL}`);
        const waiting = json.plans[0];
        if (waiting === undefined) {
          await new Promise((r) => setTimeout(r, 5000));
          continue;
        }
        await page.getByRole('link', { name: 'Decisions' }).click();
        const card = page.locator(`article.plan[data-plan="${waiting.id}"]`);
        await card.waitFor({ timeout: 30_000 });
        await card.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).not.toBe('pending-approval');
        const status = await card.getAttribute('data-status');
        if (status !== 'superseded') approved = waiting.id;
      }
      expect(approved, 'no plan of the approve pool could be approved').not.toBeNull();
      const statusOf = async (id: number) => (await api<{ plans: PlanRow[] }>(serve.baseUrl, adminKey, `/api/v1/plans?pool=${APPROVE_POOL}&limit=100`)).body.plans.find((p) => p.id === id)?.status;
      await expect.poll(() => statusOf(approved!), { timeout: 60_000 }).toMatch(/^(running|succeeded)$/);
      // The approved plan starts a node on the simulated cloud: the Nodes page changes without a reload.
      await page.getByRole('link', { name: 'Nodes' }).click();
      await expect.poll(countText, { timeout: 60_000, interval: 1000 }).not.toBe(before);
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(7);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }

    const viewer = await browser.newPage();
    try {
      await signIn(viewer, serve.baseUrl, viewerKey);
      await viewer.getByRole('link', { name: 'Decisions' }).click();
      await viewer.locator('article.plan').first().waitFor({ timeout: 30_000 });
      await viewer.getByText('can see plans but not approve them').waitFor();
      expect(await viewer.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      // And the API refuses it anyway.
      const { body: json } = await api<{ plans: PlanRow[] }>(serve.baseUrl, adminKey, `/api/v1/plans?pool=${APPROVE_POOL}&limit=1`);
      const refused = await api<{ error: { code: string } }>(serve.baseUrl, viewerKey, `/api/v1/plans/${json.plans[0]!.id}/approve`, { method: 'POST', body: {} });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('GOV_FORBIDDEN');
    } finally {
      await viewer.close();
    }
  }, 300_000);
});
