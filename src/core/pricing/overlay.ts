import type { Offering } from '../model/offering.js';
import { compareInstants, isValidHourlyPrice, preferQuote, priceKey, type PriceKeyParts, type PriceQuote } from './quote.js';

/**
 * Apply live quotes to a catalog of offerings (pure). Used by the price refresher (src/app/price-refresher.ts)
 * for every source's last good snapshot, in turn.
 *
 * Matching, for each quote (after duplicates are resolved: the later `asOf` wins, then the lower price):
 * 1. An offering with the same provider, region, zone, instance type, purchase option and term takes the quote.
 * 2. A zonal quote (AWS spot is per availability zone) whose zone has no offering of its own feeds the
 *    region-level offering (zone null) of the same key, when there is one: that offering takes the LOWEST of
 *    its zones' quotes (the price a request that lets the provider pick the zone can get, as a lowest-price
 *    allocation strategy does), unless the snapshot also quotes the region-level key itself.
 * 3. A quote no offering takes is turned into a new offering only when the catalog knows the instance type's
 *    shape (vCPUs, memory, GPUs) from another offering of the same provider: the new offering copies that
 *    shape, gets the id `provider:region[:zone]:instanceType:purchase[:term]` and `available: null`. Otherwise
 *    (or when that id is already used by another offering) the quote is reported in `unmatched`: a shape is
 *    never invented.
 * Quotes with a price that is not a finite number above zero are reported in `invalid` and change nothing.
 */

export interface PriceChange {
  readonly offeringId: string;
  /** The price before, or null for an offering this overlay added. */
  readonly old: number | null;
  readonly new: number;
}

export interface InvalidQuote {
  readonly quote: PriceQuote;
  readonly reason: string;
}

export interface OverlayResult {
  /** The offerings with live prices applied, in input order, then the added ones. */
  readonly offerings: readonly Offering[];
  /** Offerings whose price differs from the input (or that were added), in output order. */
  readonly changes: readonly PriceChange[];
  /** Ids of the offerings derived from quotes (rule 3). */
  readonly added: readonly string[];
  /** Quotes for instance types the catalog has no shape for. */
  readonly unmatched: readonly PriceQuote[];
  readonly invalid: readonly InvalidQuote[];
}

export interface OverlayOptions {
  /** Written into each updated offering's `source`, e.g. `live:aws-spot`. */
  readonly source: string;
}

const SEP = '\u0000';

function keyOf(parts: PriceKeyParts): string {
  return [parts.provider, parts.region, parts.zone ?? '', parts.instanceType, parts.purchase, parts.term ?? ''].join(SEP);
}

function shapeKey(provider: string, instanceType: string): string {
  return `${provider}${SEP}${instanceType}`;
}

function laterAsOf(a: string, b: string): string {
  return compareInstants(a, b) >= 0 ? a : b;
}

export function applyQuotes(offerings: readonly Offering[], quotes: readonly PriceQuote[], options: OverlayOptions): OverlayResult {
  const invalid: InvalidQuote[] = [];
  const byKey = new Map<string, PriceQuote>();
  for (const quote of quotes) {
    if (!isValidHourlyPrice(quote.pricePerHour)) {
      invalid.push({ quote, reason: `price ${String(quote.pricePerHour)} is not a finite number above zero` });
      continue;
    }
    const key = keyOf(quote);
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? quote : preferQuote(seen, quote));
  }

  const index = new Map<string, number>();
  const shapes = new Map<string, Offering>();
  const ids = new Set<string>();
  offerings.forEach((offering, i) => {
    ids.add(offering.id);
    const key = keyOf(offering);
    if (!index.has(key)) index.set(key, i);
    const sk = shapeKey(offering.provider, offering.instanceType);
    if (!shapes.has(sk)) shapes.set(sk, offering);
  });

  const next: Offering[] = [...offerings];
  const applied = new Set<number>();
  const update = (i: number, price: number, asOf: string): void => {
    const current = next[i] as Offering;
    next[i] = { ...current, pricePerHour: price, asOf, source: options.source };
    applied.add(i);
  };

  // Zonal quotes that feed a region-level offering (rule 2), grouped by that offering.
  const regional = new Map<number, { price: number; asOf: string }>();
  const leftovers: PriceQuote[] = [];
  for (const [key, quote] of byKey) {
    const i = index.get(key);
    if (i !== undefined) {
      update(i, quote.pricePerHour, quote.asOf);
      continue;
    }
    if (quote.zone !== null) {
      const regionKey = keyOf({ ...quote, zone: null });
      const r = index.get(regionKey);
      if (r !== undefined) {
        if (byKey.has(regionKey)) continue; // the region-level quote itself is authoritative
        const best = regional.get(r);
        regional.set(r, best === undefined
          ? { price: quote.pricePerHour, asOf: quote.asOf }
          : { price: Math.min(best.price, quote.pricePerHour), asOf: laterAsOf(best.asOf, quote.asOf) });
        continue;
      }
    }
    leftovers.push(quote);
  }
  for (const [i, { price, asOf }] of regional) update(i, price, asOf);

  const added: string[] = [];
  const unmatched: PriceQuote[] = [];
  for (const quote of leftovers) {
    const shape = shapes.get(shapeKey(quote.provider, quote.instanceType));
    const id = priceKey(quote);
    // No shape to copy, or (in a hand-written scenario) the id is already taken by an offering of another key.
    if (shape === undefined || ids.has(id)) {
      unmatched.push(quote);
      continue;
    }
    ids.add(id);
    next.push({
      id,
      provider: quote.provider,
      region: quote.region,
      zone: quote.zone,
      instanceType: quote.instanceType,
      vcpus: shape.vcpus,
      memoryGiB: shape.memoryGiB,
      gpu: shape.gpu,
      purchase: quote.purchase,
      term: quote.term,
      pricePerHour: quote.pricePerHour,
      available: null,
      source: options.source,
      asOf: quote.asOf,
    });
    added.push(id);
  }

  const changes: PriceChange[] = [];
  for (const i of [...applied].sort((a, b) => a - b)) {
    const before = offerings[i] as Offering;
    const after = next[i] as Offering;
    if (before.pricePerHour !== after.pricePerHour) {
      changes.push({ offeringId: after.id, old: before.pricePerHour, new: after.pricePerHour });
    }
  }
  for (let i = offerings.length; i < next.length; i += 1) {
    const offering = next[i] as Offering;
    changes.push({ offeringId: offering.id, old: null, new: offering.pricePerHour });
  }
  return { offerings: next, changes, added, unmatched, invalid };
}
