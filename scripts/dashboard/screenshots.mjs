// Screenshots of every dashboard page for docs/screenshots/ (shown in the README). Run after `npm run build`:
//
//   npm run screenshots                              # builds, then runs this
//   node scripts/dashboard/screenshots.mjs [--out DIR] [--nodes N] [--no-seed] [--wait SECONDS] [-- SERVE ARGS...]
//
// It starts the built `governator serve` on a fresh data directory, seeded like the end-to-end tests (a
// 1,000-node fleet over five providers and four pools, an hour of utilisation, a day of cost history, plans in
// every state, one waiting for approval), signs in with the initial admin key in Debian's Chromium (driven by
// playwright-core; GOVERNATOR_CHROMIUM names another binary) at a laptop's 1440 × 900 and saves one PNG per
// page. Arguments after `--` go to `serve`: `--no-seed --wait 300 -- --demo` shows the demo fleet (docs/loop.md)
// after five minutes of its control loop instead of the seeded data.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
/* global document */
import { chromium } from 'playwright-core';
import { costHistorySeries, seededFleet, utilisationSeries } from './demo-fleet.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const serveArgs = dash < 0 ? [] : argv.slice(dash + 1);
const flag = (name, fallback) => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 && own[i + 1] !== undefined ? own[i + 1] : fallback;
};
const OUT = flag('out', join(ROOT, 'docs', 'screenshots'));
const NODES = Number(flag('nodes', '1000'));
const SEED = !own.includes('--no-seed');
const WAIT = Number(flag('wait', '0'));
const CHROMIUM = process.env.GOVERNATOR_CHROMIUM ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1440, height: 900 };
const UTILISATION = 'node_utilization';
const COST = 'governator_fleet_cost_dollars_per_hour';

function fail(message) {
  console.error(`screenshots: ${message}`);
  process.exit(2);
}

if (!Number.isFinite(WAIT) || WAIT < 0 || WAIT > 3600) fail(`--wait must be a number of seconds from 0 to 3600, not ${JSON.stringify(flag('wait', ''))}`);
if (!Number.isInteger(NODES) || NODES < 0 || NODES > 100_000) fail(`--nodes must be an integer from 0 to 100000, not ${JSON.stringify(flag('nodes', ''))}`);
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')) || !existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
  fail('dist/ or dist/web/ is missing: run `npm run build` first (or `npm run screenshots`, which does)');
}
if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium, or set GOVERNATOR_CHROMIUM`);

/** The planner's plan for one H200 node serving 20 % of what it could, against two 8 × H100 offerings. */
async function headlineDecision(node) {
  const { parseScenario } = await import('../../dist/core/planner/scenario.js');
  const { plan } = await import('../../dist/core/planner/index.js');
  const { HighsSolver, loadHighs } = await import('../../dist/adapters/solver/highs/index.js');
  await loadHighs();
  const box = (id, gpu, price) => {
    const [provider, region, instanceType, purchase] = id.split(':');
    return { id, provider, region, instanceType, purchase, pricePerHour: price, vcpus: 192, memoryGiB: 2048, gpu: { model: gpu, count: 8 }, available: 10 };
  };
  const scenario = parseScenario({
    offerings: [box(node.offeringId, 'H200', node.pricePerHour), box('gcp:us-central1:a3-highgpu-8g:on-demand', 'H100', 88.25), box('aws:us-east-1:p5.48xlarge:on-demand', 'H100', 98.32)],
    pools: [{ name: 'llm-inference', unit: 'req/s', demand: 160, capacity: { byGpuModel: { H200: 100, H100: 30 } }, qos: { maxUtilization: 0.9 }, constraints: { minNodes: 1 } }],
    nodes: [{ id: node.id, pool: 'llm-inference', offering: node.offeringId, state: 'running', startedAt: node.startedAt.toISOString() }],
  });
  const result = await plan({ offerings: scenario.offerings, pools: scenario.pools, nodes: scenario.nodes, now: new Date().toISOString() }, scenario.options, new HighsSolver());
  if (result.actions.length === 0) throw new Error(`the planner kept the H200 node: ${result.explanation.join(' ')}`);
  return result;
}

/** The store, seeded before serve opens (and locks) the data directory. */
async function seed(dataDir) {
  const { openPgliteStore } = await import('../../dist/adapters/storage/pglite/index.js');
  const store = await openPgliteStore({ dataDir });
  try {
    await store.migrate();
    const fleet = seededFleet(NODES);
    for (const node of fleet) await store.nodes.upsert(node);
    const now = Date.now();
    const ago = (minutes) => new Date(now - minutes * 60_000);
    const running = (pool, type) => fleet.filter((n) => n.pool === pool && n.state === 'running' && (!type || n.instanceType === type));
    const plans = [];
    const plan = async (p) => plans.push(await store.actions.createPlan({ decisionId: null, detail: null, ...p }));
    const summary = (actions) => actions.map((a) => (a.action === 'start' ? `start ${a.count} × ${a.offering}` : `stop ${a.nodeId}`)).join(', ');
    // The headline case, planned by the real planner and recorded with its explanation: an 8 × H200 node at 20 %
    // replaced by a cheaper 8 × H100 one, waiting for a person.
    const h200 = running('llm-inference', 'Standard_ND96isr_H200_v5')[0];
    if (h200) {
      const decided = await headlineDecision(h200);
      const record = await store.decisions.record({ at: ago(2), source: 'loop', workload: 'llm-inference', plan: decided });
      await plan({ at: ago(2), pool: 'llm-inference', mode: 'approve', status: 'pending-approval', source: 'loop', decisionId: record.id, actions: decided.actions, summary: summary(decided.actions) });
    }
    const idle = running('batch').slice(0, 3);
    if (idle.length > 0) {
      const actions = idle.map((n) => ({ action: 'stop', pool: 'batch', offering: n.offeringId, nodeId: n.id, costDeltaPerHour: -(n.pricePerHour ?? 0) }));
      await plan({ at: ago(95), pool: 'batch', mode: 'auto', status: 'succeeded', source: 'loop', actions, summary: summary(actions), decidedBy: 'auto' });
    }
    const web = [{ action: 'start', pool: 'web', offering: 'aws:eu-west-1:m7i.2xlarge:on-demand', count: 2, costDeltaPerHour: 0.8064 }];
    await plan({ at: ago(40), pool: 'web', mode: 'approve', status: 'pending-approval', source: 'loop', actions: web, summary: summary(web) });
    const emb = running('embeddings', 'g6.xlarge').slice(0, 1);
    if (emb.length > 0) {
      const actions = emb.map((n) => ({ action: 'stop', pool: 'embeddings', offering: n.offeringId, nodeId: n.id, costDeltaPerHour: -(n.pricePerHour ?? 0) }));
      await plan({ at: ago(20), pool: 'embeddings', mode: 'recommend', status: 'recommended', source: 'loop', actions, summary: summary(actions) });
    }
    return { fleet, rejectable: plans.find((p) => p.pool === 'web')?.id ?? null };
  } finally {
    await store.close();
  }
}

/** `governator serve --port 0` on the data directory; resolves with its base URL once it logs "governator serving". */
function serve(dataDir) {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GOVERNATOR_')));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'governator.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...serveArgs], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start within 60 s:\n${out}`)); }, 60_000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"governator serving"'));
      if (!line) return;
      clearTimeout(timer);
      resolve({ child, base: `http://127.0.0.1:${JSON.parse(line).port}` });
    });
    child.stderr.on('data', (d) => { out += d.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code} before serving:\n${out}`)); });
  });
}

async function api(base, key, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : {};
}

/**
 * Wait for the server's first rollup pass: samples written while it catches up are not re-rolled later, so a
 * history sent before it would show as its newest minute only.
 */
async function firstRollup(base, key) {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 1000))) {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
    const runs = /governator_telemetry_rollup_runs_total\{outcome="success"\} (\d+)/.exec(text);
    if (runs && Number(runs[1]) >= 1) return;
  }
  throw new Error('the server ran no rollup within 180 s');
}

/** Wait until `metric` reads back with at least `points` points per series at `step` (the rollups have it). */
async function readable(base, key, metric, { hours, step, points }) {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 2000))) {
    const from = Math.floor(Date.now() / 1000) - hours * 3600;
    const answer = await api(base, key, `/api/v1/series/query?metric=${metric}&from=${from}&step=${step}&agg=avg`);
    if (answer.series.length > 0 && answer.series.every((s) => s.points.length >= points)) return;
  }
  throw new Error(`${metric} did not read back at step ${step} within 180 s`);
}

/** Wait until the page shows no "Loading …" state, then let charts draw. */
async function settle(page) {
  await page.waitForFunction(() => ![...document.querySelectorAll('.state')].some((e) => e.textContent?.startsWith('Loading')), null, { timeout: 30_000 });
  await page.waitForTimeout(400);
}

const PAGES = [
  { file: 'overview.png', link: 'Overview', ready: async (page) => { await page.locator('[data-testid="total-nodes"] .card-value').waitFor(); await page.locator('[data-stream="live"]').waitFor(); } },
  { file: 'nodes.png', link: 'Nodes', ready: async (page) => { await page.getByTestId('node-count').or(page.locator('.state.empty')).first().waitFor(); if (NODES > 0 && SEED) await page.locator('.spark svg').first().waitFor(); } },
  { file: 'pools.png', link: 'Pools', ready: async (page) => { await page.locator('article.pool, .state.empty').first().waitFor(); } },
  { file: 'decisions.png', link: 'Decisions', ready: async (page) => { await page.locator('article.plan, .state.empty, [data-state]').first().waitFor(); } },
  { file: 'cost.png', link: 'Cost', ready: async (page) => { await page.locator('table.bars, .state.empty').first().waitFor(); } },
  { file: 'catalog.png', link: 'Catalog', ready: async (page) => { await page.getByTestId('offering-count').waitFor(); } },
  { file: 'audit.png', link: 'Audit log', ready: async (page) => { await page.getByRole('table', { name: 'Audit entries' }).waitFor(); } },
];

const dir = mkdtempSync(join(tmpdir(), 'gov-screenshots-'));
let server;
let browser;
try {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const seeded = SEED ? await seed(dataDir) : null;
  server = await serve(dataDir);
  const key = readFileSync(join(dataDir, 'initial-admin-key'), 'utf8').trim();
  if (seeded) {
    await firstRollup(server.base, key);
    await api(server.base, key, '/api/v1/ingest', utilisationSeries(seeded.fleet, { metric: UTILISATION, hours: 1, stepSeconds: 60 }));
    await api(server.base, key, '/api/v1/ingest', costHistorySeries(seeded.fleet, { metric: COST, hours: 24, stepSeconds: 300 }));
    await readable(server.base, key, COST, { hours: 24, step: '5m', points: 200 });
    await readable(server.base, key, UTILISATION, { hours: 1, step: '2m', points: 20 });
    await api(server.base, key, '/api/v1/keys', { name: 'ops-viewer', role: 'viewer' });
    // A decision made through the API, so the Decisions page and the audit log show one.
    if (seeded.rejectable !== null) await api(server.base, key, `/api/v1/plans/${seeded.rejectable}/reject`, { reason: 'web traffic is flat this week' });
  }
  if (WAIT > 0) {
    console.log(`screenshots: letting the server run for ${WAIT} s`);
    await new Promise((resolve) => setTimeout(resolve, WAIT * 1000));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars'],
  });
  const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  mkdirSync(OUT, { recursive: true });
  for (const p of PAGES) {
    await page.getByRole('link', { name: p.link, exact: true }).click();
    await p.ready(page);
    await settle(page);
    await page.mouse.move(0, VIEWPORT.height - 1);
    await page.screenshot({ path: join(OUT, p.file) });
    console.log(`screenshots: ${join(OUT, p.file)}`);
  }
  if (errors.length > 0) throw new Error(`the dashboard threw in the browser: ${errors.join('; ')}`);
} catch (error) {
  console.error(`screenshots: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  if (server) {
    server.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
