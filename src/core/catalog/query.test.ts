import { describe, expect, it } from 'vitest';
import { fixtureCatalog, offering } from '../../../test/support/catalog.js';
import { GovError } from '../errors.js';
import type { Offering } from '../model/offering.js';
import { catalogOf } from './catalog.js';
import { parseOfferingQuery, queryOfferings, vocabularyOf, type OfferingFilter } from './query.js';

const catalog = fixtureCatalog();
const types = (filter: OfferingFilter, sort?: Parameters<typeof queryOfferings>[2]) =>
  queryOfferings(catalog, filter, sort).offerings.map((o) => `${o.provider}:${o.instanceType}:${o.purchase}`);

describe('queryOfferings: filters', () => {
  it('no filter: everything, cheapest first', () => {
    const page = queryOfferings(catalog, {});
    expect(page.total).toBe(catalog.offerings.length);
    const prices = page.offerings.map((o) => o.pricePerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it.each<[string, OfferingFilter, string[]]>([
    ['gpu', { gpu: 'H200' }, ['aws:p5en.48xlarge:on-demand']],
    ['gpu none (CPU-only)', { gpu: 'none' }, ['aws:m7i.large:on-demand', 'aws:m7i.16xlarge:on-demand']],
    ['gpu + purchase', { gpu: 'H100', purchase: ['spot'] }, ['aws:p5.48xlarge:spot']],
    ['gpu + min GPUs', { gpu: 'H100', minGpus: 2, providers: ['digitalocean', 'gcp'] }, ['gcp:a3-highgpu-8g:reserved', 'gcp:a3-highgpu-8g:on-demand']],
    ['several providers', { providers: ['gcp', 'digitalocean'] }, ['digitalocean:gpu-h100x1-80gb:on-demand', 'gcp:a3-highgpu-8g:reserved', 'gcp:a3-highgpu-8g:on-demand']],
    ['region', { regions: ['tor1'] }, ['digitalocean:gpu-h100x1-80gb:on-demand']],
    ['min vCPUs + region', { minVcpus: 64, regions: ['us-east-1'] }, ['aws:m7i.16xlarge:on-demand', 'aws:p5.48xlarge:spot', 'aws:p5.48xlarge:on-demand', 'aws:p5en.48xlarge:on-demand']],
    ['min memory', { minMemoryGiB: 2000, providers: ['aws'] }, ['aws:p5.48xlarge:spot', 'aws:p5.48xlarge:on-demand', 'aws:p5en.48xlarge:on-demand']],
    ['max price', { maxPricePerHour: 5 }, ['aws:m7i.large:on-demand', 'aws:m7i.16xlarge:on-demand', 'baremetal:dgx-h100:owned']],
    ['owned', { purchase: ['owned'] }, ['baremetal:dgx-h100:owned']],
    ['nothing matches', { gpu: 'B200' }, []],
    ['a provider not in the catalog', { providers: ['oracle'] }, []],
  ])('%s', (_name, filter, expected) => {
    expect(types(filter)).toEqual(expected);
  });
});

describe('queryOfferings: sort and pages', () => {
  it.each([
    ['price-per-gpu', ['baremetal:dgx-h100:owned', 'aws:p5.48xlarge:spot', 'gcp:a3-highgpu-8g:reserved']],
    ['vcpus', ['aws:m7i.large:on-demand', 'digitalocean:gpu-h100x1-80gb:on-demand', 'aws:m7i.16xlarge:on-demand']],
    ['gpus', ['aws:m7i.large:on-demand', 'aws:m7i.16xlarge:on-demand', 'digitalocean:gpu-h100x1-80gb:on-demand']],
  ] as const)('sort %s (first three)', (sort, expected) => {
    expect(types({}, { sort, limit: 3 })).toEqual(expected);
  });

  it('price-per-gpu puts CPU-only offerings last', () => {
    const all = queryOfferings(catalog, {}, { sort: 'price-per-gpu' }).offerings;
    expect(all.slice(-2).every((o) => o.gpu === null)).toBe(true);
  });

  it('pages cover every match once, in order, and the last page says so', () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = queryOfferings(catalog, {}, { offset, limit: 4 });
      expect(page.total).toBe(catalog.offerings.length);
      seen.push(...page.offerings.map((o) => o.id));
      offset = page.nextOffset;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(catalog.offerings.length / 4));
    expect(seen).toEqual(catalog.offerings.map((o) => o.id));
  });

  it('an offset past the end gives an empty last page', () => {
    expect(queryOfferings(catalog, {}, { offset: 100, limit: 5 })).toEqual({ offerings: [], total: catalog.offerings.length, nextOffset: null });
  });

  it('a filter over several index lists matches the same as a full scan', () => {
    const offerings = Array.from({ length: 300 }, (_, i) => offering({
      provider: ['aws', 'gcp', 'azure'][i % 3] as string, region: `r${i % 7}`, instanceType: `t${i}`,
      purchase: (['on-demand', 'spot'] as const)[i % 2], vcpus: 1 + (i % 50), memoryGiB: 4, gpu: i % 5 === 0 ? { model: 'L4', count: 1 + (i % 3) } : null,
      pricePerHour: 1 + ((i * 37) % 101) / 10,
    }));
    const big = catalogOf(offerings);
    const filter: OfferingFilter = { providers: ['aws', 'azure'], regions: ['r1', 'r2', 'r3'], purchase: ['spot'], minVcpus: 10 };
    const expected = big.offerings.filter((o) => ['aws', 'azure'].includes(o.provider) && ['r1', 'r2', 'r3'].includes(o.region)
      && o.purchase === 'spot' && o.vcpus >= 10);
    expect(expected.length).toBeGreaterThan(5);
    expect(queryOfferings(big, filter).offerings).toEqual(expected);
  });
});

describe('queryOfferings: sorted queries over many offerings', () => {
  // Over 2048 candidates the query walks a precomputed order of the whole catalog instead of sorting its
  // matches: both paths must give what a plain filter-then-stable-sort gives.
  const many = catalogOf(Array.from({ length: 6000 }, (_, i) => offering({
    provider: ['aws', 'gcp', 'azure'][i % 3] as string, region: `r${i % 11}`, instanceType: `t${i}`, purchase: (['on-demand', 'spot'] as const)[i % 2],
    vcpus: 1 + ((i * 7) % 96), memoryGiB: 2 + ((i * 13) % 512), gpu: i % 4 === 0 ? { model: 'L4', count: 1 + (i % 8) } : null,
    pricePerHour: 0.01 + ((i * 7919) % 10007) / 100,
  })));
  const reference = (filter: OfferingFilter, key: (o: Offering) => number) => {
    const positions = new Map(many.offerings.map((o, i) => [o.id, i]));
    return queryOfferings(many, filter).offerings.slice()
      .sort((a, b) => key(a) - key(b) || (positions.get(a.id) as number) - (positions.get(b.id) as number));
  };
  it.each<[string, OfferingFilter]>([
    ['no filter', {}],
    ['a big candidate list', { providers: ['aws', 'gcp'], minMemoryGiB: 100 }],
    ['a small candidate list', { regions: ['r3'], purchase: ['spot'] }],
  ])('%s', (_name, filter) => {
    for (const [sort, key] of [
      ['price-per-vcpu', (o: Offering) => o.pricePerHour / o.vcpus],
      ['memory', (o: Offering) => o.memoryGiB],
      ['price-per-gpu', (o: Offering) => (o.gpu === null ? Number.POSITIVE_INFINITY : o.pricePerHour / o.gpu.count)],
    ] as const) {
      const expected = reference(filter, key);
      const page = queryOfferings(many, filter, { sort, offset: 10, limit: 50 });
      expect(page.total).toBe(expected.length);
      expect(page.offerings.map((o) => o.id), sort).toEqual(expected.slice(10, 60).map((o) => o.id));
    }
  });
});

describe('parseOfferingQuery', () => {
  const vocabulary = vocabularyOf(catalog);
  const names = { purchase: '--purchase', minVcpus: '--min-vcpus', gpu: '--gpu', provider: '--provider', region: '--region', sort: '--sort' };
  const error = (raw: Parameters<typeof parseOfferingQuery>[0]): GovError => {
    try {
      parseOfferingQuery(raw, vocabulary, names);
    } catch (e) {
      if (e instanceof GovError) return e;
      throw e;
    }
    throw new Error('expected a GovError');
  };

  it('reads filters as typed', () => {
    expect(parseOfferingQuery({
      provider: 'AWS, gcp', region: 'us-east-1', gpu: 'nvidia-h100-80gb', minGpus: '8', minVcpus: '64', minMemory: '512.5', purchase: 'spot,on-demand', maxPrice: '40', sort: 'price-per-gpu',
    }, vocabulary)).toEqual({
      filter: { providers: ['aws', 'gcp'], regions: ['us-east-1'], gpu: 'H100', minGpus: 8, minVcpus: 64, minMemoryGiB: 512.5, purchase: ['spot', 'on-demand'], maxPricePerHour: 40 },
      sort: 'price-per-gpu',
    });
    expect(parseOfferingQuery({}, vocabulary)).toEqual({ filter: {}, sort: 'price' });
    expect(parseOfferingQuery({ gpu: 'none' }, vocabulary).filter).toEqual({ gpu: 'none' });
  });

  it.each([
    [{ purchase: 'cheap' }, '--purchase', /--purchase "cheap" is not valid: expected one or more of on-demand, spot, reserved, owned/],
    [{ minVcpus: '-1' }, '--min-vcpus', /--min-vcpus "-1" is not valid: expected a whole number of at least 0/],
    [{ minVcpus: '8x' }, '--min-vcpus', /--min-vcpus "8x"/],
    [{ minVcpus: '1.5' }, '--min-vcpus', /whole number/],
    [{ gpu: 'X9000' }, '--gpu', /--gpu "X9000" is not valid: expected a GPU model: one of GB200, .*H100/],
    [{ provider: 'oracle' }, '--provider', /--provider "oracle" is not valid: expected one of aws, baremetal, digitalocean, gcp/],
    [{ region: 'us-east-9' }, '--region', /--region "us-east-9"/],
    [{ sort: 'cheapest' }, '--sort', /--sort "cheapest" is not valid: expected one of price, price-per-gpu/],
    [{ minMemory: 'lots' }, 'minMemory', /minMemory "lots"/],
    [{ gpu: 'none', minGpus: '2' }, 'minGpus', /minGpus "2" is not valid: expected 0 or nothing when --gpu is none/],
  ] as const)('refuses %j naming %s', (raw, field, message) => {
    const e = error(raw);
    expect(e.code).toBe('GOV_VALIDATION');
    expect(e.message).toMatch(message);
    expect((e.details as { errors: { field: string }[] }).errors[0]?.field).toBe(field);
  });

  it('lists the accepted values in the details', () => {
    expect((error({ purchase: 'cheap' }).details as { errors: { accepted: string[] }[] }).errors[0]?.accepted).toEqual(['on-demand', 'spot', 'reserved', 'owned']);
  });
});
