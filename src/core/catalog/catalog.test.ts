import { describe, expect, it } from 'vitest';
import { offering } from '../../../test/support/catalog.js';
import type { Offering } from '../model/offering.js';
import { catalogOf, createCatalog, offeringId, offeringProblem } from './catalog.js';

const good = offering({ instanceType: 'm7i.large', vcpus: 2, memoryGiB: 8, pricePerHour: 0.1008 });

describe('offeringProblem', () => {
  it('accepts a well-formed offering', () => {
    expect(offeringProblem(good)).toBeNull();
  });

  it.each<[string, Partial<Offering>, RegExp]>([
    ['NaN price', { pricePerHour: Number.NaN }, /price NaN/],
    ['negative price', { pricePerHour: -1 }, /price -1/],
    ['zero price', { pricePerHour: 0 }, /price 0 per hour is not a number above 0/],
    ['infinite price', { pricePerHour: Number.POSITIVE_INFINITY }, /price Infinity/],
    ['zero vCPUs', { vcpus: 0 }, /vCPUs 0/],
    ['NaN memory', { memoryGiB: Number.NaN }, /memory NaN/],
    ['unknown GPU model', { gpu: { model: 'h100', count: 1 } }, /GPU model "h100"/],
    ['fractional GPU count', { gpu: { model: 'L4', count: 0.5 } }, /GPU count 0.5/],
    ['unknown purchase option', { purchase: 'cheap' as never }, /purchase option "cheap"/],
    ['reserved without term', { purchase: 'reserved', term: null }, /needs a term/],
    ['term on on-demand', { term: '1y' }, /only reserved/],
    ['negative availability', { available: -1 }, /available -1/],
    ['blank region', { region: '  ' }, /region is empty/],
  ])('refuses %s', (_name, change, reason) => {
    expect(offeringProblem({ ...good, ...change })).toMatch(reason);
  });
});

describe('createCatalog', () => {
  it('keeps offerings cheapest first and lists refused ones with their position and reason', () => {
    const cheap = offering({ instanceType: 't3.micro', vcpus: 2, memoryGiB: 1, pricePerHour: 0.0104 });
    const dear = offering({ instanceType: 'p5.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 55.04 });
    const { catalog, rejected } = createCatalog([dear, { ...good, pricePerHour: Number.NaN }, cheap, good, { ...cheap, pricePerHour: 1 }]);
    expect(catalog.offerings.map((o) => o.instanceType)).toEqual(['t3.micro', 'm7i.large', 'p5.48xlarge']);
    expect(rejected).toEqual([
      { index: 1, id: good.id, reason: 'price NaN per hour is not a number above 0' },
      { index: 4, id: cheap.id, reason: 'duplicate id (an earlier offering has it)' },
    ]);
    expect(catalog.byId.get(dear.id)).toBe(dear);
    expect(catalog.index.gpu.get('H100')).toEqual([2]);
    expect(catalog.cpuOnly).toEqual([0, 1]);
    expect(catalog.index.provider.get('aws')).toEqual([0, 1, 2]);
  });

  it('orders equal prices by id', () => {
    const b = offering({ instanceType: 'b', pricePerHour: 1 });
    const a = offering({ instanceType: 'a', pricePerHour: 1 });
    expect(catalogOf([b, a]).offerings.map((o) => o.instanceType)).toEqual(['a', 'b']);
  });

  it('an empty catalog is a catalog', () => {
    const catalog = catalogOf([]);
    expect(catalog.offerings).toEqual([]);
    expect(catalog.index.provider.size).toBe(0);
  });

  it('catalogOf throws on the first refused offering', () => {
    expect(() => catalogOf([{ ...good, pricePerHour: -3 }])).toThrow(/refused: price -3/);
  });
});

describe('offeringId', () => {
  it('is provider:region[:zone]:type:purchase[:term]', () => {
    expect(offeringId({ provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'p5.48xlarge', purchase: 'spot', term: null })).toBe('aws:us-east-1:p5.48xlarge:spot');
    expect(offeringId({ provider: 'aws', region: 'us-east-1', zone: 'us-east-1-atl-1', instanceType: 'g5.xlarge', purchase: 'reserved', term: '3y' }))
      .toBe('aws:us-east-1:us-east-1-atl-1:g5.xlarge:reserved:3y');
  });
});
