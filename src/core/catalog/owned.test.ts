import { describe, expect, it } from 'vitest';
import { ownedOfferings, type OwnedHardware } from './owned.js';

const dgx: OwnedHardware = {
  name: 'dgx-h100', provider: 'baremetal', region: 'fra-dc1', zone: null, vcpus: 224, memoryGiB: 2048,
  gpu: { model: 'H100', count: 8 }, count: 4, pricePerHour: 6.2, amortizedPerHour: null,
};

describe('ownedOfferings', () => {
  it('turns an owned entry into an owned offering with `count` units available', () => {
    const { offerings, problems } = ownedOfferings([dgx]);
    expect(problems).toEqual([]);
    expect(offerings).toEqual([{
      id: 'baremetal:fra-dc1:dgx-h100:owned', provider: 'baremetal', region: 'fra-dc1', zone: null, instanceType: 'dgx-h100',
      vcpus: 224, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, purchase: 'owned', term: null, pricePerHour: 6.2,
      available: 4, source: 'config:owned', asOf: null,
    }]);
  });

  it('adds the amortised cost to the marginal cost; a zone goes into the id', () => {
    const [o] = ownedOfferings([{ ...dgx, zone: 'rack-7', amortizedPerHour: 11.4 }]).offerings;
    expect(o?.pricePerHour).toBeCloseTo(17.6, 9);
    expect(o?.id).toBe('baremetal:fra-dc1:rack-7:dgx-h100:owned');
  });

  it('refuses a name used twice, and values no offering may have', () => {
    const { offerings, problems } = ownedOfferings([
      dgx,
      { ...dgx, region: 'other' },
      { ...dgx, name: 'free', pricePerHour: 0 },
      { ...dgx, name: 'odd-gpu', gpu: { model: 'H1000', count: 1 } },
    ]);
    expect(offerings.map((o) => o.instanceType)).toEqual(['dgx-h100']);
    expect(problems).toEqual([
      { index: 1, reason: 'name "dgx-h100" is already used by entry 0; expected unique names' },
      { index: 2, reason: 'price 0 per hour is not a number above 0' },
      { index: 3, reason: 'GPU model "H1000" is not a normalised name' },
    ]);
  });
});
