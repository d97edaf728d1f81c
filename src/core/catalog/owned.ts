import type { GpuSpec } from '../model/node.js';
import type { Offering } from '../model/offering.js';
import { offeringId, offeringProblem } from './catalog.js';

/**
 * Hardware the user owns (bare metal, on-prem), declared in config (`[[catalog.owned]]`). It becomes an
 * `owned` offering that competes with cloud offerings on the same terms: its price is what running one more
 * unit for an hour costs (power, cooling, and amortisation when the user adds it), and only `count` units exist.
 */
export interface OwnedHardware {
  /** Unique among owned entries; becomes the offering's instance type. */
  readonly name: string;
  /** Default `baremetal`. */
  readonly provider: string;
  /** The site, e.g. `on-prem` or `fra-dc1`. */
  readonly region: string;
  readonly zone: string | null;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpu: GpuSpec | null;
  /** Units available. */
  readonly count: number;
  /** Marginal cost of running one unit for an hour (power, cooling …), USD. */
  readonly pricePerHour: number;
  /** Purchase price spread over the hardware's life, per hour; added to the price when set. */
  readonly amortizedPerHour: number | null;
}

/** The offering for one owned entry (id `provider:region[:zone]:name:owned`, source `config:owned`). */
export function ownedOffering(h: OwnedHardware): Offering {
  const base = { provider: h.provider, region: h.region, zone: h.zone, instanceType: h.name, purchase: 'owned' as const, term: null };
  return {
    id: offeringId(base),
    ...base,
    vcpus: h.vcpus,
    memoryGiB: h.memoryGiB,
    gpu: h.gpu === null ? null : { model: h.gpu.model, count: h.gpu.count },
    pricePerHour: h.pricePerHour + (h.amortizedPerHour ?? 0),
    available: h.count,
    source: 'config:owned',
    asOf: null,
  };
}

export interface OwnedProblem {
  /** Position in the owned list. */
  readonly index: number;
  readonly reason: string;
}

/** Offerings for every owned entry, and the entries refused (invalid values, or a name used twice). */
export function ownedOfferings(entries: readonly OwnedHardware[]): { offerings: Offering[]; problems: OwnedProblem[] } {
  const offerings: Offering[] = [];
  const problems: OwnedProblem[] = [];
  const names = new Map<string, number>();
  entries.forEach((entry, index) => {
    const earlier = names.get(entry.name);
    if (earlier !== undefined) {
      problems.push({ index, reason: `name ${JSON.stringify(entry.name)} is already used by entry ${earlier}; expected unique names` });
      return;
    }
    names.set(entry.name, index);
    const offering = ownedOffering(entry);
    const problem = offeringProblem(offering);
    if (problem !== null) problems.push({ index, reason: problem });
    else offerings.push(offering);
  });
  return { offerings, problems };
}
