import type { PurchaseOption, ReservationTerm } from '../model/offering.js';

/**
 * Live prices as data (issue #3, part 4). A price source returns a {@link PriceSnapshot}: the quotes it could
 * read and, beside them, the items it could not. Per-item failure is data (style.md lesson 8): a malformed
 * entry is skipped and reported in `errors`, never turned into a zero price, and never fails the whole fetch.
 */

/** Purchase options a live source can quote: `owned` hardware has no market price. */
export type QuotedPurchase = Exclude<PurchaseOption, 'owned'>;

/** One price for one node shape at one place, USD per hour for the whole node. */
export interface PriceQuote {
  /** aws, azure, gcp, digitalocean … (the same names as Offering.provider). */
  readonly provider: string;
  readonly region: string;
  /** Set when the price is per availability zone (AWS spot), else null. */
  readonly zone: string | null;
  readonly instanceType: string;
  readonly purchase: QuotedPurchase;
  /** `1y` / `3y` for `reserved`, null otherwise. */
  readonly term: ReservationTerm | null;
  /** Finite and greater than zero (sources report anything else as an item error). */
  readonly pricePerHour: number;
  /** When the price took effect or was read (ISO 8601). */
  readonly asOf: string;
}

/** An entry of the source's answer that could not be turned into a quote. */
export interface PriceItemError {
  /** Which entry: a SKU, slug, product id or page position, enough to find it in the raw answer. */
  readonly item: string;
  /** What was wrong with it. */
  readonly message: string;
}

/** What one fetch of a price source returns. */
export interface PriceSnapshot {
  readonly quotes: readonly PriceQuote[];
  readonly errors: readonly PriceItemError[];
}

/** The identity of a price: two quotes with the same key price the same thing. */
export interface PriceKeyParts {
  readonly provider: string;
  readonly region: string;
  readonly zone: string | null;
  readonly instanceType: string;
  readonly purchase: string;
  readonly term: string | null;
}

/**
 * `provider:region[:zone]:instanceType:purchase[:term]`: the key of a quote or offering, and the id the
 * bundled catalog gives its offerings (src/core/model/offering.ts), so a derived offering gets the id the
 * catalog would have given it.
 */
export function priceKey(parts: PriceKeyParts): string {
  return [parts.provider, parts.region, parts.zone, parts.instanceType, parts.purchase, parts.term]
    .filter((part): part is string => part !== null && part !== '')
    .join(':');
}

/** True when `price` can be a node's hourly price: a finite number above zero. */
export function isValidHourlyPrice(price: unknown): price is number {
  return typeof price === 'number' && Number.isFinite(price) && price > 0;
}

/** Of two quotes for the same key, the one to keep: the later `asOf`, then the lower price. */
export function preferQuote(a: PriceQuote, b: PriceQuote): PriceQuote {
  const order = compareInstants(a.asOf, b.asOf);
  if (order !== 0) return order > 0 ? a : b;
  return a.pricePerHour <= b.pricePerHour ? a : b;
}

/** Order of two ISO 8601 instants (negative: a is earlier); unparseable ones sort first, then by text. */
export function compareInstants(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) {
    if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return ta - tb;
}

/** One quote per key (see {@link preferQuote}), in first-seen order. */
export function dedupeQuotes(quotes: readonly PriceQuote[]): PriceQuote[] {
  const byKey = new Map<string, PriceQuote>();
  for (const quote of quotes) {
    const key = priceKey(quote);
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? quote : preferQuote(seen, quote));
  }
  return [...byKey.values()];
}
