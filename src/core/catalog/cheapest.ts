import type { Offering, PurchaseOption } from '../model/offering.js';
import type { Catalog } from './catalog.js';
import { pricePerGpuHour, pricePerVcpuHour, queryOfferings, type OfferingFilter } from './query.js';

/**
 * What ONE node must have. `gpus` counts GPUs of model `gpu` on a single node (an 8×H100 requirement is met
 * by an 8- or 16-GPU node, never by two 4-GPU nodes): spreading work over several nodes is the planner's
 * decision, not the catalog's.
 */
export interface NodeRequirements {
  /** Normalised GPU model (GPU_MODELS). */
  readonly gpu?: string;
  /** At least this many GPUs of `gpu` per node (default 1 when `gpu` is set). */
  readonly gpus?: number;
  readonly minVcpus?: number;
  readonly minMemoryGiB?: number;
  readonly providers?: readonly string[];
  readonly regions?: readonly string[];
  readonly purchase?: readonly PurchaseOption[];
}

/** An offering with the unit prices people compare. */
export interface PricedOffering {
  readonly offering: Offering;
  /** Price per GPU-hour (node price / GPUs on the node), or null for CPU-only offerings. */
  readonly pricePerGpuHour: number | null;
  readonly pricePerVcpuHour: number;
}

export interface CheapestResult {
  /** Cheapest first (node price per hour, then id). */
  readonly offerings: readonly PricedOffering[];
  /** How many offerings meet the requirements in all. */
  readonly total: number;
}

export function priced(offering: Offering): PricedOffering {
  return { offering, pricePerGpuHour: pricePerGpuHour(offering), pricePerVcpuHour: pricePerVcpuHour(offering) };
}

/** The `limit` cheapest offerings (by node price per hour) that meet `requirements`. */
export function cheapest(catalog: Catalog, requirements: NodeRequirements, limit = 10): CheapestResult {
  const filter: OfferingFilter = {
    ...(requirements.gpu !== undefined ? { gpu: requirements.gpu, minGpus: requirements.gpus ?? 1 } : {}),
    ...(requirements.gpu === undefined && requirements.gpus !== undefined ? { minGpus: requirements.gpus } : {}),
    ...(requirements.minVcpus !== undefined ? { minVcpus: requirements.minVcpus } : {}),
    ...(requirements.minMemoryGiB !== undefined ? { minMemoryGiB: requirements.minMemoryGiB } : {}),
    ...(requirements.providers !== undefined ? { providers: requirements.providers } : {}),
    ...(requirements.regions !== undefined ? { regions: requirements.regions } : {}),
    ...(requirements.purchase !== undefined ? { purchase: requirements.purchase } : {}),
  };
  const page = queryOfferings(catalog, filter, { sort: 'price', limit });
  return { offerings: page.offerings.map(priced), total: page.total };
}
