import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../support/cli.js';

/**
 * The first-run demo (issue #8 part 4; docs/loop.md "Demo"): `governator serve --demo` — what `npm start` runs —
 * on a fresh data directory brings up the embedded database, the simulated cloud and the demo hybrid fleet, and
 * within a bounded time the API shows the control loop's decisions with explanations, actions the sim provider
 * carried out for the `auto` pool, a plan waiting for approval in the `approve` pool, and the fleet in the
 * overview. The real command in a child process, nothing mocked.
 */

interface Decision { id: number; source: string; pools: string[]; explanation: string[]; actions: Array<{ action: string; pool: string }> }
interface ActionRow { pool: string; status: string; nodeId: string | null; kind?: string; action?: string }
interface PlanRow { id: number; pool: string; mode: string; status: string; decisionId: number | null }
interface NodeRow { id: string; provider: string; pool: string | null; state: string; pricePerHour: number | null }

/** Start-up migrates a fresh embedded database (tens of seconds on two cores), then the loop runs every 5 s. */
const START_MS = 150_000;
const WAIT_MS = 90_000;

let dir: string;
let server: ServeProcess;
let key: string;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Poll `probe` until it returns a value (not undefined) or `ms` pass; the last answer is in the error. */
async function eventually<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms} ms${last ? ` (last error: ${String(last)})` : ''}\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('governator serve --demo', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gov-demo-'));
    server = await startServe(['--demo'], { env: { GOVERNATOR_DATA_DIR: dir, GOVERNATOR_LOG_LEVEL: 'info' }, timeoutMs: START_MS });
    key = readFileSync(join(dir, 'initial-admin-key'), 'utf8').trim();
  }, START_MS + 10_000);

  afterAll(async () => {
    if (server) {
      const code = await server.stop('SIGTERM');
      expect(code).toBe(0);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('records the loop\'s decisions with explanations', async () => {
    const decision = await eventually('a loop decision with an explanation', WAIT_MS, async () => {
      const { decisions } = await get<{ decisions: Decision[] }>('/api/v1/decisions?source=loop&limit=20');
      return decisions.find((d) => d.explanation.some((line) => / planned for [0-9.]+ (req\/s|tokens\/s|cores) \(observed /.test(line)));
    });
    expect(decision.source).toBe('loop');
    expect(decision.pools.length).toBeGreaterThan(0);
    // The planner's own reasoning follows the loop's demand lines: costs before and after, alternatives, the solver.
    expect(decision.explanation.join('\n')).toMatch(/\$[0-9.]+\/h/);
    expect(decision.explanation.join('\n')).toMatch(/Solver highs/);
  }, WAIT_MS + 10_000);

  it('carries out the auto pool\'s plan on the simulated cloud', async () => {
    const done = await eventually('an action of pool web carried out by the sim provider', WAIT_MS, async () => {
      const { actions } = await get<{ actions: ActionRow[] }>('/api/v1/actions?pool=web&limit=100');
      return actions.find((a) => (a.status === 'in-progress' || a.status === 'succeeded') && a.nodeId !== null);
    });
    // The node the action started (or stopped) is one the simulated provider reports, now in the inventory.
    const node = await get<NodeRow>(`/api/v1/nodes/${encodeURIComponent(done.nodeId as string)}`);
    expect(node.provider).toBe('demo-sim');
    expect(node.pool).toBe('web');
    const { plans } = await get<{ plans: PlanRow[] }>('/api/v1/plans?pool=web&limit=100');
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.every((p) => p.mode === 'auto')).toBe(true);
    expect(plans.some((p) => p.decisionId !== null && ['approved', 'running', 'succeeded'].includes(p.status))).toBe(true);
  }, WAIT_MS + 10_000);

  it('leaves the approve pool\'s plan waiting for a person and only records the recommend pool\'s', async () => {
    const waiting = await eventually('a plan of llm-inference pending approval', WAIT_MS, async () => {
      const { plans } = await get<{ plans: PlanRow[] }>('/api/v1/plans?pool=llm-inference&status=pending-approval');
      return plans[0];
    });
    expect(waiting.mode).toBe('approve');
    const recommended = await eventually('a recommendation for batch', WAIT_MS, async () => {
      const { plans } = await get<{ plans: PlanRow[] }>('/api/v1/plans?pool=batch');
      return plans[0];
    });
    expect(recommended.mode).toBe('recommend');
    expect(recommended.status).toBe('recommended');
    // Nothing ran for the approve and recommend pools: no action reached their provider.
    for (const pool of ['llm-inference', 'batch']) {
      const { actions } = await get<{ actions: ActionRow[] }>(`/api/v1/actions?pool=${pool}&limit=100`);
      expect(actions.filter((a) => a.status !== 'planned' && a.status !== 'skipped')).toEqual([]);
    }
  }, 2 * WAIT_MS + 10_000);

  it('shows the demo fleet in the overview and its demand in the series store', async () => {
    const overview = await get<{ total_nodes: number; total_gpus: number; provider_breakdown: Record<string, { nodes: number }>; pool_breakdown: Record<string, { nodes: number; cost: number }> }>('/api/v1/overview');
    expect(Object.keys(overview.pool_breakdown)).toEqual(expect.arrayContaining(['web', 'llm-inference', 'batch']));
    expect(overview.provider_breakdown['demo-sim']?.nodes).toBe(overview.total_nodes);
    // The seeded 8×H200 box of llm-inference is still there: its replacement waits for approval.
    expect(overview.total_gpus).toBeGreaterThanOrEqual(8);
    const { series } = await get<{ series: Array<{ metric: string; points: Array<[number, number]> }> }>('/api/v1/series/query?metric=demo_http_requests_per_second&step=5s');
    expect(series.length).toBe(1);
    expect(series[0]!.points.length).toBeGreaterThan(16);
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^governator_loop_iterations_total\{outcome="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^governator_loop_missed_ticks_total /m);
  });
});
