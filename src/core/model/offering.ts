import type { GpuSpec } from './node.js';

/** How capacity is bought. `reserved` covers AWS/Azure reservations and GCP committed use; `owned` is bare metal. */
export const PURCHASE_OPTIONS = ['on-demand', 'spot', 'reserved', 'owned'] as const;
export type PurchaseOption = (typeof PURCHASE_OPTIONS)[number];

/** Commitment length of a reserved / committed-use price. */
export const RESERVATION_TERMS = ['1y', '3y'] as const;
export type ReservationTerm = (typeof RESERVATION_TERMS)[number];

/**
 * One purchasable node shape at one place and price (docs: architecture.md, Vocabulary). Prices are USD per
 * hour for the whole node; for owned hardware, its marginal cost (power, or amortised cost).
 */
export interface Offering {
  /** Unique in a catalog: `provider:region[:zone]:instanceType:purchase[:term]` for bundled entries; free text in scenarios. */
  readonly id: string;
  /** aws, gcp, azure, digitalocean, lambda, vast, baremetal … */
  readonly provider: string;
  readonly region: string;
  readonly zone: string | null;
  readonly instanceType: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Normalised GPU model and count per node, or null for CPU-only shapes. */
  readonly gpu: GpuSpec | null;
  readonly purchase: PurchaseOption;
  /** Set for `reserved` only. */
  readonly term: ReservationTerm | null;
  readonly pricePerHour: number;
  /** How many more nodes of this offering can be started (quota / capacity / owned units); null = unbounded. */
  readonly available: number | null;
  /** Where the price came from, e.g. `bundled:aws_karpenter`, `live:aws-pricing`, `config:owned`, `scenario`. */
  readonly source: string;
  /** When the price was true (ISO 8601), when known. */
  readonly asOf: string | null;
}
