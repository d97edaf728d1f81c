import { GovError } from '../errors.js';
import { PURCHASE_OPTIONS, type Offering, type PurchaseOption } from '../model/offering.js';
import type { Catalog } from './catalog.js';
import { GPU_MODELS, normalizeGpuModel } from './gpu.js';

/**
 * Filters over a catalog. Every field is optional; an offering matches when it passes all that are set.
 * Lists (providers, regions, purchase) match any of their values.
 */
export interface OfferingFilter {
  readonly providers?: readonly string[];
  readonly regions?: readonly string[];
  /** A normalised GPU model (see GPU_MODELS), or `none` for CPU-only offerings. */
  readonly gpu?: string;
  /** At least this many GPUs per node (of `gpu` when set, of any model otherwise). */
  readonly minGpus?: number;
  readonly minVcpus?: number;
  readonly minMemoryGiB?: number;
  readonly purchase?: readonly PurchaseOption[];
  readonly maxPricePerHour?: number;
}

/**
 * Sort orders, all ascending: `price` (per node-hour), `price-per-gpu` (per GPU-hour; CPU-only offerings
 * last), `price-per-vcpu`, `vcpus`, `memory`, `gpus`. Ties go to the cheaper offering, then the id.
 */
export const OFFERING_SORTS = ['price', 'price-per-gpu', 'price-per-vcpu', 'vcpus', 'memory', 'gpus'] as const;
export type OfferingSort = (typeof OFFERING_SORTS)[number];

export interface PageOptions {
  readonly sort?: OfferingSort;
  /** How many matching offerings to skip (default 0). */
  readonly offset?: number;
  /** At most this many offerings in the page (default: all). */
  readonly limit?: number;
}

export interface OfferingPage {
  readonly offerings: readonly Offering[];
  /** How many offerings match the filter in all. */
  readonly total: number;
  /** The offset of the next page, or null when this page is the last. */
  readonly nextOffset: number | null;
}

/** Price per GPU-hour, or null for CPU-only offerings. */
export function pricePerGpuHour(o: Offering): number | null {
  return o.gpu === null ? null : o.pricePerHour / o.gpu.count;
}

/** Price per vCPU-hour. */
export function pricePerVcpuHour(o: Offering): number {
  return o.pricePerHour / o.vcpus;
}

/** Positions from one index, or the sorted union of several (one per value of a list filter). */
function union(index: ReadonlyMap<string, readonly number[]>, keys: readonly string[]): readonly number[] {
  if (keys.length === 1) return index.get(keys[0] as string) ?? [];
  const all: number[] = [];
  for (const key of new Set(keys)) for (const position of index.get(key) ?? []) all.push(position);
  return all.sort((a, b) => a - b);
}

/** The smallest candidate list the indexes give for `filter`, or null to scan everything. */
function candidates(catalog: Catalog, filter: OfferingFilter): readonly number[] | null {
  const lists: (readonly number[])[] = [];
  if (filter.providers !== undefined && filter.providers.length > 0) lists.push(union(catalog.index.provider, filter.providers));
  if (filter.regions !== undefined && filter.regions.length > 0) lists.push(union(catalog.index.region, filter.regions));
  if (filter.purchase !== undefined && filter.purchase.length > 0) lists.push(union(catalog.index.purchase, filter.purchase));
  if (filter.gpu !== undefined) lists.push(filter.gpu === 'none' ? catalog.cpuOnly : catalog.index.gpu.get(filter.gpu) ?? []);
  if (lists.length === 0) return null;
  return lists.reduce((a, b) => (b.length < a.length ? b : a));
}

/** A predicate for every condition of `filter` (the candidate list only narrows the scan). */
function matcher(filter: OfferingFilter): (o: Offering) => boolean {
  const providers = filter.providers !== undefined && filter.providers.length > 0 ? new Set(filter.providers) : null;
  const regions = filter.regions !== undefined && filter.regions.length > 0 ? new Set(filter.regions) : null;
  const purchase = filter.purchase !== undefined && filter.purchase.length > 0 ? new Set<string>(filter.purchase) : null;
  const { gpu, minGpus, minVcpus, minMemoryGiB, maxPricePerHour } = filter;
  return (o) => {
    if (providers !== null && !providers.has(o.provider)) return false;
    if (regions !== null && !regions.has(o.region)) return false;
    if (purchase !== null && !purchase.has(o.purchase)) return false;
    if (gpu === 'none') {
      if (o.gpu !== null) return false;
    } else if (gpu !== undefined && (o.gpu === null || o.gpu.model !== gpu)) {
      return false;
    }
    if (minGpus !== undefined && minGpus > 0 && (o.gpu === null || o.gpu.count < minGpus)) return false;
    if (minVcpus !== undefined && o.vcpus < minVcpus) return false;
    if (minMemoryGiB !== undefined && o.memoryGiB < minMemoryGiB) return false;
    if (maxPricePerHour !== undefined && o.pricePerHour > maxPricePerHour) return false;
    return true;
  };
}

type Key = (o: Offering) => number;
const SORT_KEYS: Readonly<Record<Exclude<OfferingSort, 'price'>, Key>> = {
  'price-per-gpu': (o) => pricePerGpuHour(o) ?? Number.POSITIVE_INFINITY,
  'price-per-vcpu': pricePerVcpuHour,
  vcpus: (o) => o.vcpus,
  memory: (o) => o.memoryGiB,
  gpus: (o) => o.gpu?.count ?? 0,
};

/** Every offering matching `filter`, in catalog (price) order. */
export function matchingOfferings(catalog: Catalog, filter: OfferingFilter): Offering[] {
  const test = matcher(filter);
  const list = candidates(catalog, filter);
  const out: Offering[] = [];
  if (list === null) {
    for (const o of catalog.offerings) if (test(o)) out.push(o);
  } else {
    for (const position of list) {
      const o = catalog.offerings[position] as Offering;
      if (test(o)) out.push(o);
    }
  }
  return out;
}

/**
 * Positions of a catalog's offerings in `sort` order (ties: catalog order), computed once per catalog and
 * sort, so a sorted query over many offerings walks this list instead of sorting its matches.
 */
const ORDERS = new WeakMap<Catalog, Map<OfferingSort, Uint32Array>>();

function orderFor(catalog: Catalog, sort: Exclude<OfferingSort, 'price'>): Uint32Array {
  let orders = ORDERS.get(catalog);
  if (orders === undefined) {
    orders = new Map();
    ORDERS.set(catalog, orders);
  }
  let order = orders.get(sort);
  if (order === undefined) {
    const key = SORT_KEYS[sort];
    const keys = Float64Array.from(catalog.offerings, key);
    const positions = new Uint32Array(keys.length).map((_, i) => i);
    order = positions.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
    orders.set(sort, order);
  }
  return order;
}

/** Below this many candidates, sorting the matches beats walking a precomputed order of the whole catalog. */
const SMALL_CANDIDATE_LIST = 2048;

/** Counts every match and keeps only those in [offset, end): a page never copies the whole match list. */
class PageCollector {
  readonly page: Offering[] = [];
  total = 0;

  constructor(private readonly offset: number, private readonly end: number) {}

  add(o: Offering): void {
    if (this.total >= this.offset && this.total < this.end) this.page.push(o);
    this.total += 1;
  }

  /** Like add, reading the offering (a random memory access) only when it is on the page. */
  addPosition(offerings: readonly Offering[], position: number): void {
    if (this.total >= this.offset && this.total < this.end) this.page.push(offerings[position] as Offering);
    this.total += 1;
  }
}

function hasConditions(filter: OfferingFilter): boolean {
  return Object.values(filter).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
}

/**
 * Offerings matching `filter`, sorted, one page at a time. Pages are stable for a given catalog (the
 * catalog is immutable), so `offset` paging is safe.
 */
export function queryOfferings(catalog: Catalog, filter: OfferingFilter, options: PageOptions = {}): OfferingPage {
  const sort = options.sort ?? 'price';
  const offset = options.offset ?? 0;
  const end = options.limit === undefined ? Number.POSITIVE_INFINITY : offset + options.limit;
  const out = new PageCollector(offset, end);
  const offerings = catalog.offerings;
  const list = candidates(catalog, filter);
  const test = hasConditions(filter) ? matcher(filter) : null;

  if (sort === 'price') {
    // Catalog order is price order, and index lists are ascending positions: walk, no sort.
    if (list === null) {
      if (test === null) {
        return { offerings: offerings.slice(offset, end), total: offerings.length, nextOffset: end < offerings.length ? end : null };
      }
      for (const o of offerings) if (test(o)) out.add(o);
    } else {
      for (const position of list) {
        const o = offerings[position] as Offering;
        if (test === null || test(o)) out.add(o);
      }
    }
  } else if (list !== null && list.length <= SMALL_CANDIDATE_LIST) {
    const key = SORT_KEYS[sort];
    const keyed: { o: Offering; k: number; p: number }[] = [];
    for (const position of list) {
      const o = offerings[position] as Offering;
      if (test === null || test(o)) keyed.push({ o, k: key(o), p: position });
    }
    keyed.sort((a, b) => a.k - b.k || a.p - b.p);
    for (const entry of keyed) out.add(entry.o);
  } else {
    // Many candidates: test them in catalog order (objects laid out in that order: cache-friendly), mark the
    // matches, then walk the precomputed sort order touching only the objects that land on the page.
    const marked = new Uint8Array(offerings.length);
    if (list === null) {
      for (let i = 0; i < offerings.length; i += 1) if (test === null || test(offerings[i] as Offering)) marked[i] = 1;
    } else {
      for (let i = 0; i < list.length; i += 1) {
        const position = list[i] as number;
        if (test === null || test(offerings[position] as Offering)) marked[position] = 1;
      }
    }
    const order = orderFor(catalog, sort);
    for (let i = 0; i < order.length; i += 1) {
      const position = order[i] as number;
      if (marked[position] === 1) out.addPosition(offerings, position);
    }
  }
  return { offerings: out.page, total: out.total, nextOffset: end < out.total ? end : null };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing filters typed by people (CLI flags, query parameters) with errors that name what was wrong.

/** Filters and paging as typed: strings (or numbers, when a framework has coerced them already). */
export interface RawOfferingQuery {
  readonly provider?: string | undefined;
  readonly region?: string | undefined;
  readonly gpu?: string | undefined;
  readonly minGpus?: string | number | undefined;
  readonly minVcpus?: string | number | undefined;
  readonly minMemory?: string | number | undefined;
  readonly purchase?: string | undefined;
  readonly maxPrice?: string | number | undefined;
  readonly sort?: string | undefined;
}

/** How the caller spells each field in its messages (`--min-vcpus`, `query.minVcpus` …); default: the key. */
export type FieldNames = Partial<Record<keyof RawOfferingQuery, string>>;

export interface ParsedOfferingQuery {
  readonly filter: OfferingFilter;
  readonly sort: OfferingSort;
}

function invalid(field: string, value: unknown, expected: string, accepted?: readonly string[]): GovError {
  return new GovError('GOV_VALIDATION', `${field} ${JSON.stringify(value)} is not valid: expected ${expected}`, {
    details: { errors: [{ field, message: `expected ${expected}`, value, ...(accepted ? { accepted } : {}) }] },
  });
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A whole number of at least 0 written with digits only ("8"), or a number a framework already parsed. */
export function parseCount(value: string | number, field: string, min = 0): number {
  const n = typeof value === 'number' ? value : /^[0-9]{1,9}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw invalid(field, value, `a whole number of at least ${min}`);
  return n;
}

/** A decimal number of at least `min` ("0.5", "128"); no signs, exponents or units. */
export function parseAmount(value: string | number, field: string, min = 0): number {
  const n = typeof value === 'number' ? value : /^[0-9]{1,12}(\.[0-9]{1,12})?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n < min) throw invalid(field, value, `a number of at least ${min}`);
  return n;
}

/** A GPU model as typed (`H100`, `h100`, `nvidia-h100-80gb`) → its normalised name, or `none`. */
export function parseGpu(value: string, field: string): string {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const model = normalizeGpuModel(value);
  if (model === null) throw invalid(field, value, `a GPU model: one of ${GPU_MODELS.join(', ')} (or none for CPU-only)`, GPU_MODELS);
  return model;
}

/** Known values a filter may name, from the catalog it will run on (so a typo is an error, not an empty list). */
export interface FilterVocabulary {
  readonly providers: readonly string[];
  readonly regions: readonly string[];
}

/** The providers and regions in `catalog`, sorted. */
export function vocabularyOf(catalog: Catalog): FilterVocabulary {
  return {
    providers: [...catalog.index.provider.keys()].sort(),
    regions: [...catalog.index.region.keys()].sort(),
  };
}

function checkKnown(values: string[], known: readonly string[], field: string, noun: string): string[] {
  const set = new Set(known);
  for (const value of values) {
    if (set.has(value)) continue;
    const near = known.filter((k) => k.startsWith(value.slice(0, 2))).slice(0, 12);
    const hint = known.length <= 12 ? `one of ${known.join(', ')}` : near.length > 0 ? `a ${noun} in the catalog, e.g. ${near.join(', ')}` : `one of the ${known.length} ${noun}s in the catalog`;
    throw invalid(field, value, hint, known.length <= 12 ? known : undefined);
  }
  return values;
}

/**
 * Turns filters as typed into an {@link OfferingFilter}. Throws GOV_VALIDATION naming the field (as the
 * caller spells it, see {@link FieldNames}), the value and what is accepted.
 */
export function parseOfferingQuery(raw: RawOfferingQuery, vocabulary: FilterVocabulary, names: FieldNames = {}): ParsedOfferingQuery {
  const name = (key: keyof RawOfferingQuery) => names[key] ?? key;
  const filter: { -readonly [K in keyof OfferingFilter]: OfferingFilter[K] } = {};
  if (raw.provider !== undefined) {
    const values = list(raw.provider.toLowerCase());
    if (values.length === 0) throw invalid(name('provider'), raw.provider, 'one or more providers, comma-separated');
    filter.providers = checkKnown(values, vocabulary.providers, name('provider'), 'provider');
  }
  if (raw.region !== undefined) {
    const values = list(raw.region);
    if (values.length === 0) throw invalid(name('region'), raw.region, 'one or more regions, comma-separated');
    filter.regions = checkKnown(values, vocabulary.regions, name('region'), 'region');
  }
  if (raw.gpu !== undefined) filter.gpu = parseGpu(raw.gpu, name('gpu'));
  if (raw.minGpus !== undefined) filter.minGpus = parseCount(raw.minGpus, name('minGpus'));
  if (raw.minVcpus !== undefined) filter.minVcpus = parseCount(raw.minVcpus, name('minVcpus'));
  if (raw.minMemory !== undefined) filter.minMemoryGiB = parseAmount(raw.minMemory, name('minMemory'));
  if (raw.maxPrice !== undefined) filter.maxPricePerHour = parseAmount(raw.maxPrice, name('maxPrice'));
  if (raw.purchase !== undefined) {
    const values = list(raw.purchase.toLowerCase());
    const bad = values.find((v) => !(PURCHASE_OPTIONS as readonly string[]).includes(v));
    if (values.length === 0 || bad !== undefined) {
      throw invalid(name('purchase'), raw.purchase, `one or more of ${PURCHASE_OPTIONS.join(', ')}, comma-separated`, PURCHASE_OPTIONS);
    }
    filter.purchase = values as PurchaseOption[];
  }
  if (filter.gpu === 'none' && filter.minGpus !== undefined && filter.minGpus > 0) {
    throw invalid(name('minGpus'), raw.minGpus, `0 or nothing when ${name('gpu')} is none`);
  }
  let sort: OfferingSort = 'price';
  if (raw.sort !== undefined) {
    if (!(OFFERING_SORTS as readonly string[]).includes(raw.sort)) throw invalid(name('sort'), raw.sort, `one of ${OFFERING_SORTS.join(', ')}`, OFFERING_SORTS);
    sort = raw.sort as OfferingSort;
  }
  return { filter, sort };
}
