import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledCatalog, readBundledOfferings, type BundledCatalog } from '../../src/adapters/catalog/bundled.js';
import { GCP_HOURS_PER_MONTH } from '../../src/adapters/catalog/sources/gcp.js';
import { catalogStats } from '../../src/core/catalog/stats.js';
import { GovError } from '../../src/core/errors.js';
import { PRICING_DATA, describeWithSharedData } from '../support/shared-data.js';

let bundled: BundledCatalog;
beforeAll(() => {
  bundled = loadBundledCatalog();
});
const get = (id: string) => bundled.catalog.byId.get(id);

describe('the bundled catalog', () => {
  it('loads without a refused row', () => {
    expect(bundled.problems).toEqual([]);
    expect(bundled.catalog.offerings.length).toBe(bundled.manifest.offerings);
    expect(bundled.catalog.offerings.length).toBeGreaterThan(100_000);
  });

  it('holds the issue\'s spot checks', () => {
    expect(get('aws:us-east-1:p5en.48xlarge:on-demand')).toMatchObject({ pricePerHour: 63.296, gpu: { model: 'H200', count: 8 }, vcpus: 192 });
    expect(get('digitalocean:tor1:gpu-h100x1-80gb:on-demand')).toMatchObject({ pricePerHour: 6.74, gpu: { model: 'H100', count: 1 } });
    expect(get('gcp:us-central1:a3-highgpu-8g:on-demand')).toMatchObject({ pricePerHour: 88.49, gpu: { model: 'H100', count: 8 }, vcpus: 208 });
    expect(get('azure:eastus:Standard_ND96isr_H100_v5:on-demand')).toMatchObject({ pricePerHour: 98.32, gpu: { model: 'H100', count: 8 }, vcpus: 96 });
    expect(get('azure:eastus2:Standard_ND96isr_H200_v5:on-demand')).toMatchObject({ pricePerHour: 84.8, gpu: { model: 'H200', count: 8 } });
  });

  it('carries each source\'s date and name', () => {
    expect(get('aws:us-east-1:p5en.48xlarge:on-demand')).toMatchObject({ source: 'bundled:aws_karpenter', asOf: '2026-07' });
    expect(get('aws:us-east-1:p5en.48xlarge:spot')).toMatchObject({ source: 'bundled:aws_vantage_gpu', asOf: '2025-11' });
    expect(get('gcp:us-central1:a3-highgpu-8g:spot')).toMatchObject({ source: 'bundled:gcp_cyclenerd', asOf: '2026-07-30' });
    expect(get('digitalocean:tor1:gpu-h100x1-80gb:on-demand')?.asOf).toBeNull();
  });

  it('covers every provider, purchase option and GPU the issue asks for (GCP has no H200 in its source)', () => {
    const stats = catalogStats(bundled.catalog);
    expect(Object.keys(stats.providers)).toEqual(['aws', 'azure', 'digitalocean', 'gcp']);
    expect(Object.keys(stats.providers.aws?.byPurchase ?? {}).sort()).toEqual(['on-demand', 'reserved-1y', 'reserved-3y', 'spot']);
    expect(Object.keys(stats.providers.gcp?.byPurchase ?? {}).sort()).toEqual(['on-demand', 'reserved-1y', 'reserved-3y', 'spot']);
    expect(Object.keys(stats.providers.azure?.byPurchase ?? {})).toEqual(['on-demand']);
    expect(stats.providers.digitalocean?.offerings).toBe(38);
    const gcpGpus = new Set(bundled.catalog.offerings.filter((o) => o.provider === 'gcp' && o.gpu).map((o) => o.gpu?.model));
    expect(gcpGpus.has('H100')).toBe(true);
    expect(gcpGpus.has('H200')).toBe(false);
  });

  it('every offering has a price above zero and real specs', () => {
    for (const o of bundled.catalog.offerings) {
      if (!(o.pricePerHour > 0 && o.vcpus > 0 && o.memoryGiB > 0)) throw new Error(`${o.id} has ${o.pricePerHour} $/h, ${o.vcpus} vCPUs, ${o.memoryGiB} GiB`);
    }
  });
});

type Row = Record<string, string>;
const csv = (path: string, delimiter = ','): Row[] =>
  parse(readFileSync(`${PRICING_DATA}${path}`, 'utf8'), { columns: true, skip_empty_lines: true, delimiter, relax_column_count: true }) as Row[];
const close = (actual: number | undefined, expected: number) => {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-6);
};

describeWithSharedData('the bundled catalog against its source files', () => {
  it('AWS: every type with specs and a us-east-1 price, on demand in us-east-1, at the source\'s price', () => {
    const rows = csv('aws_karpenter/aws_instance_types_specs_and_us_east_1_ondemand.csv');
    let checked = 0;
    for (const r of rows) {
      const price = r.ondemand_usd_per_hour_us_east_1 ?? '';
      if (price === '' || r.gpu_count === '0') continue; // no price; g6f's fractional L4 is left out on purpose
      const o = get(`aws:us-east-1:${r.instance_type}:on-demand`);
      expect(o, r.instance_type).toBeDefined();
      close(o?.pricePerHour, Number(price));
      expect(o?.vcpus).toBe(Number(r.vcpu));
      expect(o?.memoryGiB).toBe(Number(r.memory_mib) / 1024);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(1300);
  });

  it('AWS GPU types: in every listed region, on demand, spot (average) and reserved 1y/3y at the source\'s prices', () => {
    const rows = csv('aws_vantage_gpu/aws_gpu_instance_prices_by_region.csv');
    let spot = 0;
    let reserved = 0;
    for (const r of rows) {
      if (Number(r.gpu_count) < 1) continue; // fractional GPU shares are left out
      const m = /^([a-z]{2}(?:-gov)?-[a-z]+-[0-9]+)(-.+)?$/.exec(r.region ?? '');
      const place = m?.[2] === undefined ? `${m?.[1]}` : `${m[1]}:${r.region}`;
      if (r.spot_avg_usd_per_hour) {
        close(get(`aws:${place}:${r.instance_type}:spot`)?.pricePerHour, Number(r.spot_avg_usd_per_hour));
        spot += 1;
      }
      if (r.reserved_1y_std_no_upfront_usd_per_hour) {
        close(get(`aws:${place}:${r.instance_type}:reserved:1y`)?.pricePerHour, Number(r.reserved_1y_std_no_upfront_usd_per_hour));
        reserved += 1;
      }
      if (r.reserved_3y_std_no_upfront_usd_per_hour) {
        close(get(`aws:${place}:${r.instance_type}:reserved:3y`)?.pricePerHour, Number(r.reserved_3y_std_no_upfront_usd_per_hour));
        reserved += 1;
      }
      if (r.linux_ondemand_usd_per_hour && place !== 'us-east-1') close(get(`aws:${place}:${r.instance_type}:on-demand`)?.pricePerHour, Number(r.linux_ondemand_usd_per_hour));
    }
    expect(spot).toBeGreaterThan(800);
    expect(reserved).toBeGreaterThan(1500);
    close(get('aws:us-east-1:p5en.48xlarge:spot')?.pricePerHour, 17.50195);
    close(get('aws:us-east-1:p5.48xlarge:reserved:3y')?.pricePerHour, 23.77728);
  });

  it('GCP: every region of the source, with spot and committed use (monthly / 730)', () => {
    const regions = csv('gcp_cyclenerd/regions.csv', ';').map((r) => r.NAME as string);
    const inCatalog = new Set(bundled.catalog.index.region.keys());
    for (const region of regions) expect(inCatalog.has(region), region).toBe(true);
    const row = csv('gcp_cyclenerd/gcp_instance_prices_flat.csv').find((r) => r.machine_type === 'a3-highgpu-8g' && r.region === 'us-central1') as Row;
    close(get('gcp:us-central1:a3-highgpu-8g:spot')?.pricePerHour, Number(Number(row.spot_usd_per_hour).toFixed(6)));
    close(get('gcp:us-central1:a3-highgpu-8g:reserved:1y')?.pricePerHour, Number((Number(row.cud_1y_usd_per_month) / GCP_HOURS_PER_MONTH).toFixed(6)));
    close(get('gcp:us-central1:a3-highgpu-8g:reserved:3y')?.pricePerHour, Number((Number(row.cud_3y_usd_per_month) / GCP_HOURS_PER_MONTH).toFixed(6)));
    for (const region of regions) {
      const here = bundled.catalog.index.region.get(region) ?? [];
      const purchases = new Set(here.map((i) => bundled.catalog.offerings[i]?.purchase));
      expect(purchases.has('spot') && purchases.has('reserved'), region).toBe(true);
    }
  });

  it('Azure: every region of the source, at the source\'s prices', () => {
    const rows = csv('azure_karpenter/azure_ondemand_linux_prices_by_region.csv');
    const regions = new Set(rows.map((r) => r.region));
    expect(regions.size).toBe(57);
    for (const region of regions) expect((bundled.catalog.index.region.get(region as string) ?? []).length, region).toBeGreaterThan(0);
    let checked = 0;
    for (const r of rows) {
      const o = get(`azure:${r.region}:${r.sku}:on-demand`);
      if (o === undefined) continue;
      close(o.pricePerHour, Number(r.ondemand_usd_per_hour));
      checked += 1;
    }
    expect(checked).toBe(bundled.catalog.offerings.filter((o) => o.provider === 'azure').length);
  });
});

describe('loading a bundle that cannot be trusted', () => {
  let dir: string;
  const write = (csvText: string, change: (manifest: Record<string, unknown>) => void = () => {}) => {
    const data = gzipSync(Buffer.from(csvText));
    const manifest: Record<string, unknown> = {
      format: 'governator-catalog-csv/1', file: 'offerings.csv.gz', sha256: createHash('sha256').update(data).digest('hex'), offerings: 0,
      sources: [{ id: 'aws_karpenter', title: 't', origin: 'o', licence: 'Apache-2.0', asOf: '2026-07', files: [] }],
    };
    change(manifest);
    writeFileSync(join(dir, 'offerings.csv.gz'), data);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  };
  const failure = (): GovError => {
    try {
      readBundledOfferings(dir);
    } catch (error) {
      if (error instanceof GovError) return error;
      throw error;
    }
    throw new Error('expected GOV_CATALOG_UNAVAILABLE');
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'governator-bundle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bad rows: reported with file and line, left out, never loaded as a zero price', () => {
    write(readFileSync(new URL('../fixtures/catalog/bad-bundle.csv', import.meta.url), 'utf8'));
    const loaded = loadBundledCatalog(dir);
    expect(loaded.catalog.offerings.map((o) => `${o.id} ${o.pricePerHour}`)).toEqual([
      'aws:us-east-1:m7i.large:on-demand 0.1008',
      'gcp:us-central1:a3-highgpu-8g:reserved:1y 61.383672',
    ]);
    expect(loaded.problems.map((p) => `${p.file}:${p.line ?? '-'}: ${p.reason}`)).toEqual([
      'offerings.csv.gz:3: price NaN per hour is not a number above 0',
      'offerings.csv.gz:4: price -0.4032 per hour is not a number above 0',
      'offerings.csv.gz:5: price 0 per hour is not a number above 0',
      'offerings.csv.gz:6: price NaN per hour is not a number above 0',
      'offerings.csv.gz:7: GPU model "H1000" is not a normalised name',
      'offerings.csv.gz:8: 11 columns, expected 12',
      'offerings.csv.gz:9: a reserved offering needs a term (1y or 3y)',
      'offerings.csv.gz:-: aws:us-east-1:m7i.large:on-demand: duplicate id (an earlier offering has it)',
    ]);
  });

  it.each<[string, () => void, RegExp]>([
    ['a file that does not match its SHA-256', () => write('provider\n', (m) => { m.sha256 = '0'.repeat(64); }), /does not match the SHA-256/],
    ['an unknown format', () => write('provider\n', (m) => { m.format = 'something/9'; }), /format "something\/9"/],
    ['a file name with a path in it', () => write('provider\n', (m) => { m.file = '../../etc/passwd'; }), /not a plain file name/],
    ['a missing file', () => write('provider\n', (m) => { m.file = 'gone.csv.gz'; }), /gone\.csv\.gz cannot be read/],
    ['a manifest that is not JSON', () => writeFileSync(join(dir, 'manifest.json'), '{'), /manifest .* cannot be read/],
  ])('refuses %s with GOV_CATALOG_UNAVAILABLE', (_name, prepare, message) => {
    prepare();
    const error = failure();
    expect(error.code).toBe('GOV_CATALOG_UNAVAILABLE');
    expect(error.message).toMatch(message);
  });

  it('refuses data that is not gzip', () => {
    write('x');
    const text = Buffer.from('not gzip at all');
    writeFileSync(join(dir, 'offerings.csv.gz'), text);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    manifest.sha256 = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(failure().message).toMatch(/is not gzip data/);
  });
});

describe('the product at run time', () => {
  it('never reads the shared data set: no source file outside the build script names it', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && /shared\/data|\.\.\/shared/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
