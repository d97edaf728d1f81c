import type { PriceItemError, PriceQuote, PriceSnapshot } from '../core/pricing/quote.js';

export type { PriceItemError, PriceQuote, PriceSnapshot };

/** `spot` prices move by the minute and are refreshed often; `list` prices (on-demand, reserved) change rarely. */
export type PriceSourceKind = 'list' | 'spot';

export interface PriceFetchOptions {
  /**
   * Aborts the fetch. When it fires, `fetch` stops sending requests and rejects (GOV_PRICE_SOURCE_UNAVAILABLE
   * with `details.aborted: true`) promptly, without waiting for an answer in flight.
   */
  readonly signal: AbortSignal;
}

/**
 * A live source of prices: one cloud pricing API, or one part of it (docs/pricing-sources.md). Implemented in
 * src/adapters/pricing/*; a fake for tests is in src/adapters/pricing/fake.ts. Wrappers (`withRetry` in
 * src/app/pricing/with-retry.ts) return the same port.
 *
 * Contract of `fetch`:
 * - Resolves with every quote the source could read, and an item error for every entry it could not: a
 *   malformed price entry (unparseable, missing fields, zero, negative or not a number) is skipped and
 *   reported, never quoted as zero, and one bad item never fails the whole fetch.
 * - Every quote has a `pricePerHour` that is a finite number above zero, in USD per hour for the whole node;
 *   prices quoted for a longer period (a reservation's total) are converted to hourly by the adapter.
 * - Items the source is not about (Windows images, other services, sizes not for sale) are left out silently.
 * - Rejects only when the source as a whole cannot be read, always with a GovError:
 *   `GOV_PRICE_SOURCE_THROTTLED` (details.retryAfterMs when the source said how long to wait),
 *   `GOV_PRICE_SOURCE_AUTH` (credentials missing, wrong or without permission: retrying will not help), or
 *   `GOV_PRICE_SOURCE_UNAVAILABLE` (network, timeout, server error, malformed page, too many pages;
 *   details.retryable says whether another attempt can help).
 * - Every request is bounded by a timeout and by `signal`; pagination is bounded by a page limit, so a source
 *   whose next-page link loops fails instead of hanging.
 * - Never logs and never throws synchronously. Credentials never appear in error messages or details.
 * - Safe to call again after a failure. Callers do not run two fetches of one source at once.
 */
export interface PriceSource {
  /** Unique among the configured sources, e.g. `aws-pricing`, `aws-spot`, `azure-retail`. */
  readonly name: string;
  readonly kind: PriceSourceKind;
  fetch(options: PriceFetchOptions): Promise<PriceSnapshot>;
}
