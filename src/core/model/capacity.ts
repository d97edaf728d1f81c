import type { Offering } from './offering.js';

/**
 * How much of a pool's demand ONE node of an offering serves at 100% utilisation, in the pool's demand unit
 * (docs: scenario-format.md). Forms, most specific first: `byOffering` (offering id), `byInstanceType`,
 * `byGpuModel` (per GPU, multiplied by the offering's GPU count), `perVcpu` (multiplied by vCPUs).
 */
export interface CapacityModel {
  readonly byOffering?: Readonly<Record<string, number>>;
  readonly byInstanceType?: Readonly<Record<string, number>>;
  readonly byGpuModel?: Readonly<Record<string, number>>;
  readonly perVcpu?: number;
}

/**
 * Demand units one node of `offering` serves at 100% utilisation, or null when the model has no entry for it
 * (such an offering cannot serve the pool). The most specific form that names the offering wins.
 */
export function capacityOf(model: CapacityModel, offering: Pick<Offering, 'id' | 'instanceType' | 'gpu' | 'vcpus'>): number | null {
  const byOffering = model.byOffering?.[offering.id];
  if (byOffering !== undefined) return byOffering;
  const byType = model.byInstanceType?.[offering.instanceType];
  if (byType !== undefined) return byType;
  if (offering.gpu) {
    const perGpu = model.byGpuModel?.[offering.gpu.model];
    if (perGpu !== undefined) return perGpu * offering.gpu.count;
  }
  if (model.perVcpu !== undefined && offering.vcpus > 0) return model.perVcpu * offering.vcpus;
  return null;
}
