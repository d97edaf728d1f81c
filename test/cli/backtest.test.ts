/** `governator backtest --scenario FILE --trace FILE.csv [--pool] [--step] [--report] [--json]` as a process (issue #8). */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const POLICIES = ['governator', 'static-peak', 'reactive', 'consolidation', 'hindsight'];

let dir: string;
let scenario: string;
let twoPools: string;
let trace: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gov-backtest-'));
  const offerings = [
    { id: 'small', provider: 'aws', region: 'us-east-1', instanceType: 'small', purchase: 'on-demand', pricePerHour: 0.1, vcpus: 2 },
    { id: 'big', provider: 'aws', region: 'us-east-1', instanceType: 'big', purchase: 'on-demand', pricePerHour: 0.45, vcpus: 8 },
  ];
  const pool = { name: 'web', unit: 'req/s', demand: 0, capacity: { perVcpu: 10 }, qos: { maxUtilization: 0.8 } };
  scenario = write('scenario.json', { offerings, pools: [pool], nodes: [] });
  twoPools = write('two-pools.json', { offerings, pools: [pool, { ...pool, name: 'api' }], nodes: [] });
  // Two hours of 1-minute demand: 10 req/s, a step to 60 after 40 minutes, back to 20 after 90.
  const start = Date.UTC(2026, 0, 5) / 1000;
  const rows = Array.from({ length: 120 }, (_, i) => `${new Date((start + i * 60) * 1000).toISOString()},${i < 40 ? 10 : i < 90 ? 60 : 20}`);
  trace = write('trace.csv', `timestamp,value\n${rows.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('governator backtest', () => {
  it('--json prints exactly { policies: { <five policies>: { cost, costPer1000, sloViolationShare, actions } } } and nothing else on stdout', async () => {
    const res = await runCli(['backtest', '--scenario', scenario, '--trace', trace, '--json'], { cwd: dir, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { policies: Record<string, Record<string, number>> };
    expect(Object.keys(out)).toEqual(['policies']);
    expect(Object.keys(out.policies)).toEqual(POLICIES);
    for (const name of POLICIES) {
      const p = out.policies[name]!;
      expect(Object.keys(p).sort(), name).toEqual(['actions', 'cost', 'costPer1000', 'sloViolationShare']);
      expect(p.cost, name).toBeGreaterThan(0);
      expect(p.costPer1000, name).toBeGreaterThan(0);
      expect(p.sloViolationShare, name).toBeGreaterThanOrEqual(0);
      expect(p.sloViolationShare, name).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.actions), name).toBe(true);
    }
    expect(out.policies['static-peak']!.actions).toBe(0);
    expect(out.policies.hindsight!.sloViolationShare).toBe(0);
    expect(out.policies.reactive!.sloViolationShare).toBeGreaterThan(0);
    expect(out.policies.hindsight!.cost).toBeLessThan(out.policies['static-peak']!.cost as number);
  });

  it('prints a table, writes a self-contained HTML report with the charts, and resamples with --step', async () => {
    const report = join(dir, 'report.html');
    const res = await runCli(['backtest', '--scenario', scenario, '--trace', trace, '--step', '5m', '--report', report], { cwd: dir, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Backtest of pool web: 24 steps of 300 s');
    expect(res.stdout).toContain('forecast quantile 0.99');
    for (const name of POLICIES) expect(res.stdout).toMatch(new RegExp(`^${name}\\s+\\$\\d`, 'm'));
    expect(res.stdout).toContain(`Report: ${report}`);
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Demand and usable running capacity (req/s)');
    expect(html).toContain('Cumulative cost (USD)');
    for (const name of POLICIES) expect(html).toContain(name);
    expect(html).not.toMatch(/<script|<link|src="http/); // nothing loaded from elsewhere
  });

  it('--pool picks the pool of a scenario with several, and loop.forecast_quantile is honoured', async () => {
    const res = await runCli(['backtest', '--scenario', twoPools, '--trace', trace, '--pool', 'api', '--policies', 'governator,hindsight', '--set', 'loop.forecast_quantile=0.9'], { cwd: dir, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Backtest of pool api');
    expect(res.stdout).toContain('forecast quantile 0.9');
    expect(res.stdout).not.toMatch(/^reactive/m);
  });

  it('--forecaster ensemble runs Governator with the forecasting ensemble and names it in the header', async () => {
    const res = await runCli(['backtest', '--scenario', scenario, '--trace', trace, '--policies', 'governator,hindsight', '--forecaster', 'ensemble', '--json'], { cwd: dir, timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { policies: Record<string, { cost: number; sloViolationShare: number }> };
    expect(Object.keys(out.policies)).toEqual(['governator', 'hindsight']);
    expect(out.policies.governator!.cost).toBeGreaterThan(0);
    expect(out.policies.governator!.sloViolationShare).toBeLessThanOrEqual(1);
    const table = await runCli(['backtest', '--scenario', scenario, '--trace', trace, '--policies', 'governator', '--forecaster', 'ensemble'], { cwd: dir, timeoutMs: 120_000 });
    expect(table.stdout).toContain('ensemble forecaster (snaive_daily, snaive_weekly, ets, mstl), forecast quantile 0.9');
  });

  it.each([
    ['an unknown forecaster', () => ['--scenario', scenario, '--trace', trace, '--forecaster', 'crystal-ball'], /--forecaster "crystal-ball": choose headroom or ensemble/],
    ['a missing trace file', () => ['--scenario', scenario, '--trace', join(dir, 'nope.csv')], /nope\.csv/],
    ['a missing scenario file', () => ['--scenario', join(dir, 'nope.json'), '--trace', trace], /cannot read the scenario file .*nope\.json/],
    ['a trace with a bad value', () => ['--scenario', scenario, '--trace', write('bad-value.csv', 'timestamp,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,lots\n')], /bad-value\.csv:3/],
    ['a trace with a bad timestamp', () => ['--scenario', scenario, '--trace', write('bad-time.csv', 'timestamp,value\nyesterday,1\n2026-01-01T00:01:00Z,2\n')], /bad-time\.csv:2/],
    ['an unknown pool', () => ['--scenario', scenario, '--trace', trace, '--pool', 'db'], /no pool "db" \(it has web\)/],
    ['no --pool with several pools', () => ['--scenario', twoPools, '--trace', trace], /has 2 pools: name the one the trace drives with --pool \(web, api\)/],
    ['a bad --step', () => ['--scenario', scenario, '--trace', trace, '--step', '5x'], /--step "5x" is not a duration of whole seconds/],
    ['a sub-second --step', () => ['--scenario', scenario, '--trace', trace, '--step', '500ms'], /--step "500ms"/],
    ['an unknown policy', () => ['--scenario', scenario, '--trace', trace, '--policies', 'governator,magic'], /--policies: unknown magic/],
  ])('exits 2 with a clear message for %s', async (_name, args, message) => {
    const res = await runCli(['backtest', ...args()], { cwd: dir });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toContain('GOV_VALIDATION');
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.stdout).toBe('');
  });
});
