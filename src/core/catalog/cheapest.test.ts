import { describe, expect, it } from 'vitest';
import { fixtureCatalog } from '../../../test/support/catalog.js';
import { cheapest } from './cheapest.js';

const catalog = fixtureCatalog();

describe('cheapest', () => {
  it('8 H100 on one node: cheapest node first, with its price per GPU-hour and per vCPU-hour', () => {
    const result = cheapest(catalog, { gpu: 'H100', gpus: 8 });
    expect(result.total).toBe(5);
    expect(result.offerings.map((p) => [p.offering.instanceType, p.offering.purchase, p.offering.pricePerHour])).toEqual([
      ['dgx-h100', 'owned', 4.5], ['p5.48xlarge', 'spot', 28.1], ['a3-highgpu-8g', 'reserved', 38.86],
      ['p5.48xlarge', 'on-demand', 55.04], ['a3-highgpu-8g', 'on-demand', 88.49],
    ]);
    const gcp = result.offerings[4];
    expect(gcp?.pricePerGpuHour).toBeCloseTo(88.49 / 8, 9);
    expect(gcp?.pricePerVcpuHour).toBeCloseTo(88.49 / 208, 9);
  });

  it('a one-GPU node never meets an eight-GPU requirement (no spreading over nodes)', () => {
    const ids = cheapest(catalog, { gpu: 'H100', gpus: 8 }, 100).offerings.map((p) => p.offering.instanceType);
    expect(ids).not.toContain('gpu-h100x1-80gb');
    expect(cheapest(catalog, { gpu: 'H100', gpus: 1 }, 100).offerings.map((p) => p.offering.instanceType)).toContain('gpu-h100x1-80gb');
  });

  it('respects provider, purchase, vCPU and memory requirements, and the limit', () => {
    expect(cheapest(catalog, { gpu: 'H100', gpus: 8, purchase: ['on-demand'], providers: ['gcp'] }).offerings.map((p) => p.offering.id))
      .toEqual(['gcp:us-central1:a3-highgpu-8g:on-demand']);
    expect(cheapest(catalog, { minVcpus: 32, minMemoryGiB: 200 }, 2).offerings.map((p) => p.offering.instanceType)).toEqual(['m7i.16xlarge', 'dgx-h100']);
    expect(cheapest(catalog, { minVcpus: 32 }, 2).total).toBe(7);
  });

  it('CPU-only offerings have no price per GPU-hour', () => {
    const [first] = cheapest(catalog, { minVcpus: 2 }).offerings;
    expect(first?.offering.instanceType).toBe('m7i.large');
    expect(first?.pricePerGpuHour).toBeNull();
    expect(first?.pricePerVcpuHour).toBeCloseTo(0.1008 / 2, 9);
  });

  it('nothing meets the requirement: an empty answer, not an error', () => {
    expect(cheapest(catalog, { gpu: 'B200', gpus: 8 })).toEqual({ offerings: [], total: 0 });
  });
});
