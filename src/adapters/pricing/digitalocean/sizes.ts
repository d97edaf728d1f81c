import type { PriceItemError, PriceQuote } from '../../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSnapshot, PriceSource } from '../../../ports/price-source.js';
import { tooManyPagesError, unavailableError } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, getJson, sameOrigin, type HttpSourceOptions } from '../http.js';
import { describeBadPrice, isRecord, nonEmptyString, readPrice } from '../values.js';

/**
 * DigitalOcean sizes: `GET https://api.digitalocean.com/v2/sizes?per_page=200` with
 * `Authorization: Bearer TOKEN`, following `links.pages.next` (docs: docs.digitalocean.com/reference/api/,
 * "List All Droplet Sizes"). Each size that is `available` gives one on-demand quote per region in its
 * `regions`, at `price_hourly` (DigitalOcean bills by the hour and caps a month at `price_monthly`; the cap is
 * not modelled). Sizes not available, or sold in no region, are left out silently. The API gives no price
 * date, so `asOf` is the time of the fetch. The token is sent only to the configured API origin: a next-page
 * link to anywhere else stops the fetch.
 */

export const DIGITALOCEAN_SIZES_URL = 'https://api.digitalocean.com/v2/sizes?per_page=200';

export interface DigitalOceanPriceSourceOptions extends HttpSourceOptions {
  readonly token: string;
  /** Default `digitalocean-sizes`. */
  readonly name?: string;
  /** Default {@link DIGITALOCEAN_SIZES_URL}. */
  readonly url?: string;
}

export function createDigitalOceanPriceSource(options: DigitalOceanPriceSourceOptions): PriceSource {
  const name = options.name ?? 'digitalocean-sizes';
  const maxPages = options.maxPages ?? 20;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  const first = new URL(options.url ?? DIGITALOCEAN_SIZES_URL);

  return {
    name,
    kind: 'list',
    async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
      const quotes: PriceQuote[] = [];
      const errors: PriceItemError[] = [];
      const asOf = now().toISOString();
      const seen = new Set<string>();
      let url: URL | null = first;
      let page = 0;
      while (url !== null) {
        page += 1;
        if (page > maxPages) throw tooManyPagesError(name, 'size listing', maxPages);
        const body = await getJson({
          source: name, url, signal, timeoutMs, now, secrets: [options.token],
          headers: { authorization: `Bearer ${options.token}` },
          ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        });
        if (!isRecord(body) || !Array.isArray(body['sizes'])) throw unavailableError(name, `page ${page}: the answer has no sizes array`);
        (body['sizes'] as unknown[]).forEach((size, index) => {
          if (!isRecord(size)) {
            errors.push({ item: `page ${page} size ${index}`, message: 'size is not an object' });
            return;
          }
          const slug = nonEmptyString(size['slug']);
          if (slug === undefined) {
            errors.push({ item: `page ${page} size ${index}`, message: 'has no slug' });
            return;
          }
          if (seen.has(slug)) return;
          seen.add(slug);
          if (size['available'] !== true) return;
          const regions = Array.isArray(size['regions']) ? size['regions'] : [];
          if (regions.length === 0) return;
          const price = readPrice(size['price_hourly'], 'number');
          if (price === undefined) {
            errors.push({ item: `size ${slug}`, message: describeBadPrice(size['price_hourly'], 'number') });
            return;
          }
          for (const region of regions) {
            if (typeof region !== 'string' || region === '') {
              errors.push({ item: `size ${slug}`, message: `region ${JSON.stringify(region)} is not a region slug` });
              continue;
            }
            quotes.push({ provider: 'digitalocean', region, zone: null, instanceType: slug, purchase: 'on-demand', term: null, pricePerHour: price, asOf });
          }
        });
        const links = isRecord(body['links']) ? body['links'] : {};
        const pages = isRecord(links['pages']) ? links['pages'] : {};
        const next = nonEmptyString(pages['next']);
        if (next === undefined) {
          url = null;
        } else {
          let nextUrl: URL;
          try {
            nextUrl = new URL(next);
          } catch {
            throw unavailableError(name, `page ${page}: links.pages.next is not a URL`);
          }
          sameOrigin(name, nextUrl, first);
          url = nextUrl;
        }
      }
      return { quotes, errors };
    },
  };
}
