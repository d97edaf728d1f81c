import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

interface JsonOffering {
  id: string; provider: string; region: string; purchase: string; pricePerHour: number; pricePerGpuHour: number | null;
  pricePerVcpuHour: number; vcpus: number; gpu: { model: string; count: number } | null; available: number | null; source: string;
}

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'governator-catalog-cli-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { cwd });
const withConfig = (toml: string) => {
  const file = join(cwd, `governator-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  return file;
};

// Each command is a fresh process that loads the catalog; on a busy two-core box a test of two or three of them
// can take longer than the default 30 s.
const SLOW = 120_000;

describe('governator catalog', () => {
  it('stats: offerings per provider and purchase option, and the sources', async () => {
    const human = await cli(['catalog', 'stats']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^PROVIDER\s+OFFERINGS\s+REGIONS\s+TYPES\s+GPU OFFERINGS\s+ON-DEMAND\s+RESERVED-1Y\s+RESERVED-3Y\s+SPOT/m);
    for (const provider of ['aws', 'azure', 'digitalocean', 'gcp']) expect(human.stdout).toMatch(new RegExp(`^${provider}\\s+[0-9]+`, 'm'));
    expect(human.stdout).toMatch(/^gcp_cyclenerd\s+Apache-2.0\s+2026-07-30/m);

    const json = await cli(['catalog', 'stats', '--json']);
    const stats = JSON.parse(json.stdout) as { offerings: number; providers: Record<string, { offerings: number; byPurchase: Record<string, number> }>; sources: { id: string }[]; refusedRows: number };
    expect(Object.values(stats.providers).reduce((n, p) => n + p.offerings, 0)).toBe(stats.offerings);
    expect(stats.providers.digitalocean?.offerings).toBe(38);
    expect(stats.providers.aws?.byPurchase.spot).toBeGreaterThan(500);
    expect(stats.sources.map((s) => s.id)).toEqual(['aws_karpenter', 'aws_vantage_gpu', 'azure_karpenter', 'gcp_cyclenerd', 'do_skypilot']);
    expect(stats.refusedRows).toBe(0);
  }, SLOW);

  it('list: filters, sorts and pages; JSON carries unit prices', async () => {
    const res = await cli(['catalog', 'list', '--gpu', 'h100', '--purchase', 'spot', '--limit', '3', '--json']);
    expect(res.code).toBe(0);
    const page = JSON.parse(res.stdout) as { offerings: JsonOffering[]; total: number; nextOffset: number | null };
    expect(page.offerings).toHaveLength(3);
    expect(page.total).toBeGreaterThan(3);
    expect(page.nextOffset).toBe(3);
    expect(page.offerings.every((o) => o.gpu?.model === 'H100' && o.purchase === 'spot')).toBe(true);
    const prices = page.offerings.map((o) => o.pricePerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const o of page.offerings) expect(o.pricePerGpuHour).toBeCloseTo(o.pricePerHour / (o.gpu?.count ?? 1), 9);

    const next = JSON.parse((await cli(['catalog', 'list', '--gpu', 'H100', '--purchase', 'spot', '--limit', '3', '--offset', '3', '--json'])).stdout) as { offerings: JsonOffering[] };
    expect(next.offerings[0]?.pricePerHour).toBeGreaterThanOrEqual(prices[2] as number);
    expect(next.offerings.map((o) => o.id)).not.toContain(page.offerings[2]?.id);
  }, SLOW);

  it('list: a table for people, the page on stderr', async () => {
    const res = await cli(['catalog', 'list', '--min-vcpus', '64', '--region', 'us-east-1', '--provider', 'aws', '--limit', '5']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PROVIDER\s+REGION\s+ZONE\s+INSTANCE TYPE\s+VCPUS\s+MEM GIB\s+GPU\s+PURCHASE\s+\$\/HOUR\s+\$\/GPU-HOUR\s+\$\/VCPU-HOUR$/);
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(1)) {
      const cells = line.split(/\s+/);
      expect(cells[0]).toBe('aws');
      expect(cells[1]).toBe('us-east-1');
      expect(Number(cells[4])).toBeGreaterThanOrEqual(64);
    }
    expect(res.stderr).toMatch(/^offerings 1-5 of [0-9]+ \(next page: --offset 5\)$/m);
  }, SLOW);

  it('cheapest --gpu H100 --count 8: cheapest node with at least 8 H100, with price per GPU-hour', async () => {
    const res = await cli(['catalog', 'cheapest', '--gpu', 'H100', '--count', '8', '--purchase', 'on-demand', '--json']);
    expect(res.code).toBe(0);
    const { offerings, total } = JSON.parse(res.stdout) as { offerings: JsonOffering[]; total: number };
    expect(offerings).toHaveLength(10);
    expect(total).toBeGreaterThan(10);
    expect(offerings.every((o) => o.gpu?.model === 'H100' && (o.gpu?.count ?? 0) >= 8 && o.purchase === 'on-demand')).toBe(true);
    const all = JSON.parse((await cli(['catalog', 'list', '--gpu', 'H100', '--min-gpus', '8', '--purchase', 'on-demand', '--limit', '100000', '--json'])).stdout) as { offerings: JsonOffering[] };
    expect(offerings[0]?.pricePerHour).toBe(Math.min(...all.offerings.map((o) => o.pricePerHour)));
    expect(offerings[0]?.pricePerGpuHour).toBeCloseTo((offerings[0]?.pricePerHour ?? 0) / (offerings[0]?.gpu?.count ?? 1), 9);
    expect(offerings[0]?.pricePerVcpuHour).toBeCloseTo((offerings[0]?.pricePerHour ?? 0) / (offerings[0]?.vcpus ?? 1), 9);
  }, SLOW);

  it.each([
    [['catalog', 'list', '--purchase', 'cheap'], /--purchase "cheap" is not valid: expected one or more of on-demand, spot, reserved, owned/],
    [['catalog', 'list', '--min-vcpus', '-1'], /--min-vcpus "-1" is not valid: expected a whole number of at least 0/],
    [['catalog', 'list', '--gpu', 'X9000'], /--gpu "X9000" is not valid: expected a GPU model: one of .*H200, H100, A100-80GB/],
    [['catalog', 'list', '--sort', 'cheapest'], /--sort "cheapest" is not valid: expected one of price, price-per-gpu/],
    [['catalog', 'list', '--provider', 'oracle'], /--provider "oracle" is not valid: expected one of aws, azure, digitalocean, gcp/],
    [['catalog', 'list', '--limit', '0'], /--limit "0" is not valid: expected a whole number of at least 1/],
    [['catalog', 'list', '--min-memory', '1e3'], /--min-memory "1e3" is not valid/],
    [['catalog', 'cheapest'], /needs a requirement: --gpu/],
    [['catalog', 'cheapest', '--count', '8', '--min-vcpus', '8'], /--count counts GPUs of the --gpu model/],
    [['catalog', 'cheapest', '--gpu', 'H100', '--count', 'eight'], /--count "eight" is not valid/],
    [['catalog', 'list', '--colour', 'blue'], /unknown option '--colour'/],
  ])('%j exits 2 naming what was wrong', async (args, message) => {
    const res = await cli(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  }, SLOW);
});

describe('owned hardware ([[catalog.owned]])', () => {
  const owned = `
[[catalog.owned]]
name = "dgx-h100"
region = "fra-dc1"
vcpus = 224
memory_gib = 2048
gpu = { model = "H100", count = 8 }
count = 4
price_per_hour = 6.2
amortized_per_hour = 11.4

[[catalog.owned]]
name = "epyc-box"
provider = "colo"
vcpus = 128
memory_gib = 512
count = 10
price_per_hour = 0.9
`;

  it('competes with the clouds on the same terms: price = marginal + amortised, available = count', async () => {
    const config = withConfig(owned);
    const res = await cli(['catalog', 'list', '--config', config, '--purchase', 'owned', '--json']);
    expect(res.code).toBe(0);
    const { offerings } = JSON.parse(res.stdout) as { offerings: JsonOffering[] };
    expect(offerings.map((o) => [o.id, o.pricePerHour, o.available, o.source])).toEqual([
      ['colo:on-prem:epyc-box:owned', 0.9, 10, 'config:owned'],
      ['baremetal:fra-dc1:dgx-h100:owned', 17.6, 4, 'config:owned'],
    ]);
    const cheapest = JSON.parse((await cli(['catalog', 'cheapest', '--config', config, '--gpu', 'H100', '--count', '8', '--purchase', 'on-demand,owned', '--json'])).stdout) as { offerings: JsonOffering[] };
    expect(cheapest.offerings[0]?.id).toBe('baremetal:fra-dc1:dgx-h100:owned');
    expect(cheapest.offerings[0]?.pricePerGpuHour).toBeCloseTo(17.6 / 8, 9);
    expect((await cli(['config', 'validate', '--config', config])).code).toBe(0);
  }, SLOW);

  it.each([
    [`${owned}\n[[catalog.owned]]\nname = "dgx-h100"\nvcpus = 1\nmemory_gib = 1\ncount = 1\nprice_per_hour = 1\n`, /catalog\.owned\[2\]\.name \(file .*\): "dgx-h100" is already the name of catalog\.owned\[0\]; expected unique names/],
    ['[[catalog.owned]]\nname = "x"\nvcpus = 8\nmemory_gib = 32\ngpu = { model = "H1000", count = 1 }\ncount = 1\nprice_per_hour = 1\n', /catalog\.owned\[0\]\.gpu\.model .*"H1000" is not one of GB200, B300, B200, H200, H100/],
    ['[[catalog.owned]]\nname = "x"\nvcpus = 8\nmemory_gib = 32\ncount = 1\nprice_per_hour = -2\n', /catalog\.owned\[0\]\.price_per_hour .*-2 is not a number from 0\.0001 to 1000000/],
    ['[[catalog.owned]]\nname = "x"\nvcpus = 8\nmemory_gib = 32\nprice_per_hour = 1\n', /catalog\.owned\[0\]\.count .*missing/],
  ])('a bad entry stops the command with exit 2 naming the key (%#)', async (toml, message) => {
    const res = await cli(['catalog', 'stats', '--config', withConfig(toml)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/GOV_CONFIG_INVALID/);
    expect(res.stderr).toMatch(message);
  }, SLOW);
});
