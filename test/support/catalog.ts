import { catalogOf, offeringId, type Catalog } from '../../src/core/catalog/index.js';
import type { GpuSpec } from '../../src/core/model/node.js';
import type { Offering, PurchaseOption, ReservationTerm } from '../../src/core/model/offering.js';

/** A fixture offering: give what matters to the test, the rest has plausible defaults. */
export function offering(o: {
  provider?: string; region?: string; zone?: string | null; instanceType: string; purchase?: PurchaseOption; term?: ReservationTerm | null;
  vcpus?: number; memoryGiB?: number; gpu?: GpuSpec | null; pricePerHour: number; available?: number | null; source?: string;
}): Offering {
  const base = {
    provider: o.provider ?? 'aws', region: o.region ?? 'us-east-1', zone: o.zone ?? null, instanceType: o.instanceType,
    purchase: o.purchase ?? 'on-demand', term: o.term ?? (o.purchase === 'reserved' ? '1y' : null),
  } as const;
  return {
    id: offeringId(base), ...base, vcpus: o.vcpus ?? 8, memoryGiB: o.memoryGiB ?? 32, gpu: o.gpu ?? null,
    pricePerHour: o.pricePerHour, available: o.available ?? null, source: o.source ?? 'test', asOf: null,
  };
}

/** A small catalog for server tests: GPU and CPU shapes over three providers and all purchase options. */
export function fixtureCatalog(): Catalog {
  return catalogOf([
    offering({ instanceType: 'p5.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 55.04 }),
    offering({ instanceType: 'p5.48xlarge', purchase: 'spot', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 28.1 }),
    offering({ instanceType: 'p5en.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H200', count: 8 }, pricePerHour: 63.296 }),
    offering({ instanceType: 'm7i.large', vcpus: 2, memoryGiB: 8, pricePerHour: 0.1008 }),
    offering({ instanceType: 'm7i.16xlarge', vcpus: 64, memoryGiB: 256, pricePerHour: 3.2256 }),
    offering({ provider: 'gcp', region: 'us-central1', instanceType: 'a3-highgpu-8g', vcpus: 208, memoryGiB: 1872, gpu: { model: 'H100', count: 8 }, pricePerHour: 88.49 }),
    offering({ provider: 'gcp', region: 'us-central1', instanceType: 'a3-highgpu-8g', purchase: 'reserved', term: '3y', vcpus: 208, memoryGiB: 1872, gpu: { model: 'H100', count: 8 }, pricePerHour: 38.86 }),
    offering({ provider: 'digitalocean', region: 'tor1', instanceType: 'gpu-h100x1-80gb', vcpus: 20, memoryGiB: 240, gpu: { model: 'H100', count: 1 }, pricePerHour: 6.74 }),
    offering({ provider: 'baremetal', region: 'on-prem', instanceType: 'dgx-h100', purchase: 'owned', vcpus: 224, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, pricePerHour: 4.5, available: 2, source: 'config:owned' }),
  ]);
}
