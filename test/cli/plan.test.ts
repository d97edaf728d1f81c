/** `governator plan --scenario FILE [--json]` as a process (issue #4). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const SEED = fileURLToPath(new URL('../../../shared/scenarios/h200-to-h100.json', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gov-plan-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

describe('governator plan', () => {
  it('prints the seed plan as a table: start 2 × h100-box, stop node-h200-1, $25/h → $18/h', async () => {
    const res = await runCli(['plan', '--scenario', SEED], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('feasible');
    expect(res.stdout).toContain('$25.00/h → $18.00/h (saves $7.00/h)');
    expect(res.stdout).toMatch(/start\s+llm\s+2\s+aws:us-east-1:h100-box:on-demand\s+\+18\.00/);
    expect(res.stdout).toMatch(/stop\s+llm\s+node-h200-1\s+aws:us-east-1:h200-box:on-demand\s+-25\.00/);
    expect(res.stdout).toContain('20.0% → 89.3%');
  });

  it('prints the plan as JSON with --json', async () => {
    const res = await runCli(['plan', '--scenario', SEED, '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout);
    expect(plan).toMatchObject({
      feasible: true, costPerHourBefore: 25, costPerHourAfter: 18, savingsPerHour: 7,
      actions: [
        { action: 'start', pool: 'llm', offering: 'aws:us-east-1:h100-box:on-demand', count: 2 },
        { action: 'stop', pool: 'llm', nodeId: 'node-h200-1' },
      ],
      pools: [{ name: 'llm', utilizationAfter: 0.893 }],
    });
  });

  it('exits 2 naming the JSON path of each problem in an invalid scenario', async () => {
    const file = write('bad.json', {
      offerings: [{ id: 'a', provider: 'aws', region: 'r', instanceType: 't', purchase: 'on-demand', pricePerHour: 1, vcpus: 2 }],
      pools: [{ name: 'p', demand: 5, capacity: { perVcpu: 1 }, qos: { maxUtilization: 1.5 } }],
      nodes: [{ id: 'n', pool: 'p', offering: 'zzz', state: 'running' }],
    });
    const res = await runCli(['plan', '--scenario', file], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('GOV_VALIDATION');
    expect(res.stderr).toContain('$.pools[0].qos.maxUtilization');
    expect(res.stderr).toContain('$.nodes[0].offering');
    expect(res.stdout).toBe('');
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), 'GOV_VALIDATION'],
    ['a file that is not JSON', () => write('broken.json', '{ "pools": '), 'GOV_MALFORMED_JSON'],
  ])('exits 2 on %s', async (_what, file, code) => {
    const res = await runCli(['plan', '--scenario', file()], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(code);
  });

  it('exits 0 on infeasible demand and says so clearly', async () => {
    const file = write('short.json', {
      offerings: [{ id: 'a', provider: 'aws', region: 'r', instanceType: 't', purchase: 'on-demand', pricePerHour: 1, vcpus: 2, available: 2 }],
      pools: [{ name: 'p', unit: 'cores', demand: 10, capacity: { perVcpu: 1 }, qos: { maxUtilization: 1 } }],
    });
    const res = await runCli(['plan', '--scenario', file], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('NOT FEASIBLE (p short by 6 cores)');
    expect(res.stderr).toContain('cannot be met');
  });
});
