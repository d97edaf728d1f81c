import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { EventBus } from '../../src/app/events.js';
import { seededFleet } from '../../scripts/dashboard/demo-fleet.mjs';
import { describeWithChromium, launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { buildDashboard, signIn } from './support.js';

/**
 * The dashboard's quality bar (issue #9): usable from the keyboard alone, and clear about an empty server, a
 * failed request (in words, with its code, request id and a retry), an unreachable server and a feature this
 * server does not run. Failures are made in the browser (playwright routes), so the server stays as it is.
 */

// page.evaluate bodies run in the browser; this project compiles with Node's types only.
declare const document: { activeElement: { id: string; tagName: string; textContent: string | null; getAttribute(name: string): string | null } | null };

/** What has the keyboard focus: its id, tag, text, name and aria-label. */
function focused(page: Page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return {
      id: e?.id ?? '', tag: e?.tagName.toLowerCase() ?? '', text: (e?.textContent ?? '').trim(),
      name: e?.getAttribute('name') ?? '', label: e?.getAttribute('aria-label') ?? '',
    };
  });
}

/** Press Tab until the focused element matches, as a keyboard user would; fails after `max` presses. */
async function tabTo(page: Page, match: (f: Awaited<ReturnType<typeof focused>>) => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (match(await focused(page))) return;
  }
  throw new Error(`nothing matching was reached in ${max} presses of Tab; focus is on ${JSON.stringify(await focused(page))}`);
}

/** Follow a page link from the navigation with the keyboard only. */
async function keyboardNavigate(page: Page, name: string): Promise<void> {
  await tabTo(page, (f) => f.tag === 'a' && f.text === name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  // Focus moves to the new page, so the next Tab starts there. The app moves it on the next animation frame
  // after the route renders (web/src/main.tsx), which can come after the heading is already on screen.
  await expect.poll(async () => (await focused(page)).id, { timeout: 5000 }).toBe('main');
}

describeWithChromium('dashboard: keyboard, empty and error states (Chromium, in-process server)', () => {
  let browser: Browser;
  let server: TestServer;
  let base: string;
  let webRoot: string;

  beforeAll(async () => {
    webRoot = buildDashboard();
    server = await startTestServer({ events: new EventBus(), webRoot });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('an empty server: signed in and every page reached from the keyboard, each saying what is missing', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(`${base}/`);
      await tabTo(page, (f) => f.id === 'key');
      await page.keyboard.type(server.tokens.admin);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByText('No nodes in service yet.').waitFor();
      await page.getByText('Nothing has happened since you opened the dashboard.').waitFor();

      await keyboardNavigate(page, 'Nodes');
      await page.getByText('No nodes yet. Governator lists what its providers report.').waitFor();
      await keyboardNavigate(page, 'Pools');
      await page.getByText('No pools yet').waitFor();
      await keyboardNavigate(page, 'Decisions');
      await page.getByText('No plans yet.').waitFor();
      await keyboardNavigate(page, 'Catalog');
      await page.getByTestId('offering-count').waitFor();
      // A filter that matches nothing says so, rather than showing an empty table.
      await tabTo(page, (f) => f.tag === 'input' && f.name === 'maxPrice');
      await page.keyboard.type('0.01');
      await page.keyboard.press('Enter');
      await page.getByText('No offering matches.').waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      // A filter the server refuses: its reason, in words, with the code.
      await page.locator('input[name="region"]').fill('nowhere-1');
      await page.keyboard.press('Enter');
      const refused = page.getByRole('alert');
      await refused.getByText('Could not load the catalog.').waitFor();
      expect(await refused.textContent()).toMatch(/region "nowhere-1" is not valid: expected one of .*us-east-1.*\(GOV_VALIDATION/);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a failed request is explained with its code and request id and can be retried; a lost server and a missing feature say so', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await signIn(page, base, server.tokens.admin);
      // The server fails once: the error is in words, with the code and request id, and Retry loads the page.
      await page.route('**/api/v1/nodes?*', (route) => route.fulfill({
        status: 500, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'GOV_INTERNAL', message: 'the database did not answer in time', requestId: 'req-e2e-1' } }),
      }));
      await keyboardNavigate(page, 'Nodes');
      const alert = page.getByRole('alert');
      await alert.getByText('Could not load the nodes.').waitFor();
      expect(await alert.textContent()).toContain('the database did not answer in time');
      expect(await alert.textContent()).toContain('(GOV_INTERNAL, request req-e2e-1)');
      await page.unroute('**/api/v1/nodes?*');
      await tabTo(page, (f) => f.tag === 'button' && f.text === 'Retry');
      await page.keyboard.press('Enter');
      await page.getByText('No nodes yet.').waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);

      // The server cannot be reached at all.
      await page.route('**/api/v1/plans?*', (route) => route.abort('connectionrefused'));
      await keyboardNavigate(page, 'Decisions');
      await page.getByRole('alert').getByText('check that Governator is running').waitFor();
      await page.unroute('**/api/v1/plans?*');

      // An endpoint this server does not run (a feature not enabled) is not an error: it says what is missing.
      await page.route('**/api/v1/anomalies?*', (route) => route.fulfill({
        status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'GOV_NOT_FOUND', message: 'Route GET:/api/v1/anomalies not found' } }),
      }));
      await keyboardNavigate(page, 'Pools');
      await page.locator('[data-state="not-available"]').getByText('Anomaly detection is not available on this server.').waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a 1,000-row table is scrolled and sorted from the keyboard', async () => {
    for (const node of seededFleet(1000, 4)) await server.store.nodes.upsert(node);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await signIn(page, base, server.tokens.viewer);
      await keyboardNavigate(page, 'Nodes');
      await expect.poll(() => page.getByTestId('node-count').textContent()).toBe('1000 of 1000 nodes');
      // Sort by node id, descending, with Enter on the column header.
      await tabTo(page, (f) => f.tag === 'button' && f.text.startsWith('Node'));
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      expect(await page.locator('[role="columnheader"][aria-sort="descending"]').textContent()).toContain('Node');
      const ids = seededFleet(1000, 4).map((n) => n.id).sort();
      expect(await page.locator('.vbody .vrow').first().getAttribute('data-row')).toBe(ids[ids.length - 1]);
      // The body takes the focus and scrolls with the keys: End shows the last row (a virtual table: the first left the DOM).
      await tabTo(page, (f) => f.label.startsWith('Nodes: 1000 rows'));
      await page.keyboard.press('End');
      await page.locator(`.vbody .vrow[data-row="${ids[0]}"]`).waitFor();
      expect(await page.locator(`.vbody .vrow[data-row="${ids[ids.length - 1]}"]`).count()).toBe(0);
      await page.keyboard.press('Home');
      await page.locator(`.vbody .vrow[data-row="${ids[ids.length - 1]}"]`).waitFor();
    } finally {
      await page.close();
    }
  }, 60_000);
});
