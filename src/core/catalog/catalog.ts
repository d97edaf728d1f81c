import { PURCHASE_OPTIONS, RESERVATION_TERMS, type Offering } from '../model/offering.js';
import { isGpuModel } from './gpu.js';

/**
 * An in-memory price catalog: offerings plus indexes built once, so filters over the full catalog (about
 * 150,000 offerings) answer in well under a millisecond to a few milliseconds.
 *
 * Offerings are stored sorted by price per hour (then id), so any index list, kept in ascending position,
 * walks offerings cheapest first: a price-sorted query never sorts.
 */
export interface Catalog {
  /** Every offering, cheapest first (ties by id). */
  readonly offerings: readonly Offering[];
  readonly byId: ReadonlyMap<string, Offering>;
  /** Positions in `offerings`, ascending, per provider / region / GPU model / purchase option. */
  readonly index: {
    readonly provider: ReadonlyMap<string, readonly number[]>;
    readonly region: ReadonlyMap<string, readonly number[]>;
    readonly gpu: ReadonlyMap<string, readonly number[]>;
    readonly purchase: ReadonlyMap<string, readonly number[]>;
  };
  /** Positions of CPU-only offerings, ascending. */
  readonly cpuOnly: readonly number[];
}

/** A rejected offering: where it came from (as the caller named it) and why. */
export interface CatalogProblem {
  /** A file (relative path), `config catalog.owned[2]`, … */
  readonly file: string;
  /** 1-based line in `file`, when the input has lines. */
  readonly line: number | null;
  readonly reason: string;
}

const PURCHASES: ReadonlySet<string> = new Set(PURCHASE_OPTIONS);
const TERMS: ReadonlySet<string> = new Set(RESERVATION_TERMS);

const positiveFinite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;
/** A string with something other than whitespace in it (the common case checked without allocating). */
const nonEmpty = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && (value.charCodeAt(0) > 32 || value.trim() !== '');

/**
 * Why `offering` cannot be in a catalog, or null when it can. A price must be a finite number above zero:
 * NaN, infinite, negative and zero prices are all refused, since a zero price would make the optimiser
 * prefer a node for free.
 */
export function offeringProblem(offering: Offering): string | null {
  if (!nonEmpty(offering.id)) return 'id is empty';
  if (!nonEmpty(offering.provider)) return 'provider is empty';
  if (!nonEmpty(offering.region)) return 'region is empty';
  if (offering.zone !== null && !nonEmpty(offering.zone)) return 'zone is empty (expected null or a name)';
  if (!nonEmpty(offering.instanceType)) return 'instance type is empty';
  if (!positiveFinite(offering.vcpus)) return `vCPUs ${String(offering.vcpus)} is not a number above 0`;
  if (!positiveFinite(offering.memoryGiB)) return `memory ${String(offering.memoryGiB)} GiB is not a number above 0`;
  if (offering.gpu !== null) {
    if (!isGpuModel(offering.gpu.model)) return `GPU model ${JSON.stringify(offering.gpu.model)} is not a normalised name`;
    if (!Number.isInteger(offering.gpu.count) || offering.gpu.count < 1) return `GPU count ${String(offering.gpu.count)} is not a whole number of at least 1`;
  }
  if (!PURCHASES.has(offering.purchase)) return `purchase option ${JSON.stringify(offering.purchase)} is not one of ${PURCHASE_OPTIONS.join(', ')}`;
  if (offering.purchase === 'reserved' ? offering.term === null || !TERMS.has(offering.term) : offering.term !== null) {
    return offering.purchase === 'reserved' ? `a reserved offering needs a term (${RESERVATION_TERMS.join(' or ')})` : 'only reserved offerings have a term';
  }
  if (!positiveFinite(offering.pricePerHour)) return `price ${String(offering.pricePerHour)} per hour is not a number above 0`;
  if (offering.available !== null && (!Number.isInteger(offering.available) || offering.available < 0)) {
    return `available ${String(offering.available)} is not a whole number of at least 0`;
  }
  return null;
}

function push(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [position]);
  else list.push(position);
}

/** The canonical id of an offering: `provider:region[:zone]:instanceType:purchase[:term]`. */
export function offeringId(o: Pick<Offering, 'provider' | 'region' | 'zone' | 'instanceType' | 'purchase' | 'term'>): string {
  return `${o.provider}:${o.region}${o.zone === null ? '' : `:${o.zone}`}:${o.instanceType}:${o.purchase}${o.term === null ? '' : `:${o.term}`}`;
}

/** Result of {@link createCatalog}: the catalog, and the offerings it refused with the reason. */
export interface CatalogBuild {
  readonly catalog: Catalog;
  /** `index` is the offering's position in the input. */
  readonly rejected: readonly { readonly index: number; readonly id: string; readonly reason: string }[];
}

/**
 * Builds a catalog from offerings. Each is checked with {@link offeringProblem}; a refused one, or one whose
 * id an earlier offering already has, is left out and listed in `rejected` (never silently dropped).
 * `checked: true` skips the per-offering check for input that has just passed it (decodeBundle, ownedOfferings
 * check every offering they return); duplicate ids are refused either way.
 */
export function createCatalog(input: readonly Offering[], options: { readonly checked?: boolean } = {}): CatalogBuild {
  const rejected: { index: number; id: string; reason: string }[] = [];
  const byId = new Map<string, Offering>();
  const kept: Offering[] = [];
  input.forEach((offering, index) => {
    const problem = options.checked === true ? null : offeringProblem(offering);
    if (problem !== null) {
      rejected.push({ index, id: String(offering.id), reason: problem });
      return;
    }
    if (byId.has(offering.id)) {
      rejected.push({ index, id: offering.id, reason: 'duplicate id (an earlier offering has it)' });
      return;
    }
    byId.set(offering.id, offering);
    kept.push(offering);
  });
  // Input already in (price, id) order (the bundled file is written that way) sorts in one pass.
  kept.sort(byPriceThenId);

  const provider = new Map<string, number[]>();
  const region = new Map<string, number[]>();
  const gpu = new Map<string, number[]>();
  const purchase = new Map<string, number[]>();
  const cpuOnly: number[] = [];
  kept.forEach((o, position) => {
    push(provider, o.provider, position);
    push(region, o.region, position);
    push(purchase, o.purchase, position);
    if (o.gpu === null) cpuOnly.push(position);
    else push(gpu, o.gpu.model, position);
  });
  return {
    catalog: { offerings: kept, byId, index: { provider, region, gpu, purchase }, cpuOnly },
    rejected,
  };
}

/** Catalog order: cheaper first, then by id. */
export function byPriceThenId(a: Offering, b: Offering): number {
  return a.pricePerHour - b.pricePerHour || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A catalog of `offerings` that must all be valid; throws on the first refused one (for tests and fixtures). */
export function catalogOf(offerings: readonly Offering[]): Catalog {
  const { catalog, rejected } = createCatalog(offerings);
  const first = rejected[0];
  if (first !== undefined) throw new Error(`offering ${first.id} refused: ${first.reason}`);
  return catalog;
}
