import type { ReservationTerm } from '../../../core/model/offering.js';
import { dedupeQuotes, type PriceItemError, type PriceQuote, type QuotedPurchase } from '../../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSnapshot, PriceSource } from '../../../ports/price-source.js';
import { tooManyPagesError, unavailableError } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, getJson, sameOrigin, type HttpSourceOptions } from '../http.js';
import { describeBadPrice, isRecord, nonEmptyString, readPrice, roundPrice, toIso } from '../values.js';

/**
 * Azure Retail Prices API (public, no authentication):
 * `GET https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter=…`, one listing per
 * region, following `NextPageLink` (docs: learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices).
 *
 * Two sources from one API, because spot and list prices are refreshed on different schedules:
 * - `list` mode (`azure-retail`): Linux pay-as-you-go (`type: Consumption`, meters without "Spot") and
 *   reservations (`type: Reservation`, 1 and 3 years). A reservation's `retailPrice` is the price of the WHOLE
 *   term even though `unitOfMeasure` says "1 Hour": it is divided by 8760 (1 year) or 26280 (3 years) hours.
 * - `spot` mode (`azure-spot`): Consumption meters whose `meterName` contains "Spot".
 * Left out silently: Windows (`productName` contains "Windows"), "Low Priority" meters (Batch), DevTest
 * prices, 5-year reservations. Each item's price must be in USD, per "1 Hour", finite and above zero, else the
 * item is reported as an error.
 */

export const AZURE_RETAIL_PRICES_URL = 'https://prices.azure.com/api/retail/prices';
const API_VERSION = '2023-01-01-preview';
const HOURS_PER_TERM: Readonly<Record<string, { term: ReservationTerm; hours: number }>> = {
  '1 Year': { term: '1y', hours: 8760 },
  '3 Years': { term: '3y', hours: 26_280 },
};

export interface AzureRetailPriceSourceOptions extends HttpSourceOptions {
  /** ARM region names: eastus, westeurope … */
  readonly regions: readonly string[];
  readonly mode: 'list' | 'spot';
  /** Default `azure-retail` (list) / `azure-spot` (spot). */
  readonly name?: string;
  /** Default {@link AZURE_RETAIL_PRICES_URL}. */
  readonly baseUrl?: string;
}

/** Region names go into an OData string literal: allow only what ARM region names use. */
const REGION_NAME = /^[a-z0-9]+$/;

function firstPageUrl(baseUrl: string, region: string, mode: 'list' | 'spot'): URL {
  const types = mode === 'list' ? "(priceType eq 'Consumption' or priceType eq 'Reservation')" : "priceType eq 'Consumption'";
  const url = new URL(baseUrl);
  url.searchParams.set('api-version', API_VERSION);
  url.searchParams.set('currencyCode', "'USD'");
  url.searchParams.set('$filter', `serviceName eq 'Virtual Machines' and armRegionName eq '${region}' and ${types}`);
  return url;
}

type ItemResult = { quote: PriceQuote } | { error: string } | null;

function readItem(item: unknown, mode: 'list' | 'spot', now: string): ItemResult {
  if (!isRecord(item)) return { error: 'item is not an object' };
  const productName = typeof item['productName'] === 'string' ? item['productName'] : '';
  const meterName = typeof item['meterName'] === 'string' ? item['meterName'] : '';
  const type = item['type'];
  if (productName.includes('Windows') || meterName.includes('Low Priority')) return null;
  if (type !== 'Consumption' && type !== 'Reservation') return null;
  const spot = meterName.includes('Spot');
  if (mode === 'spot' && (type !== 'Consumption' || !spot)) return null;
  if (mode === 'list' && spot) return null;

  let purchase: QuotedPurchase = mode === 'spot' ? 'spot' : 'on-demand';
  let term: ReservationTerm | null = null;
  let hours = 1;
  if (type === 'Reservation') {
    const length = HOURS_PER_TERM[String(item['reservationTerm'])];
    if (length === undefined) {
      if (item['reservationTerm'] === '5 Years') return null;
      return { error: `reservationTerm ${JSON.stringify(item['reservationTerm'])} is not "1 Year" or "3 Years"` };
    }
    purchase = 'reserved';
    term = length.term;
    hours = length.hours;
  }
  const instanceType = nonEmptyString(item['armSkuName']);
  if (instanceType === undefined) return { error: 'has no armSkuName' };
  const region = nonEmptyString(item['armRegionName']);
  if (region === undefined) return { error: 'has no armRegionName' };
  if (item['currencyCode'] !== undefined && item['currencyCode'] !== 'USD') {
    return { error: `price is in ${String(item['currencyCode'])}, not USD` };
  }
  if (item['unitOfMeasure'] !== '1 Hour') return { error: `unitOfMeasure is ${JSON.stringify(item['unitOfMeasure'])}, expected "1 Hour"` };
  const price = readPrice(item['retailPrice'], 'number');
  if (price === undefined) return { error: describeBadPrice(item['retailPrice'], 'number') };
  return {
    quote: {
      provider: 'azure', region, zone: null, instanceType, purchase, term,
      pricePerHour: roundPrice(price / hours),
      asOf: toIso(item['effectiveStartDate']) ?? now,
    },
  };
}

function itemName(item: unknown, region: string, page: number, index: number): string {
  if (!isRecord(item)) return `${region} page ${page} item ${index}`;
  const sku = nonEmptyString(item['armSkuName']) ?? '(no armSkuName)';
  const meter = nonEmptyString(item['meterId']) ?? nonEmptyString(item['skuId']) ?? `page ${page} item ${index}`;
  const term = item['type'] === 'Reservation' ? ` ${String(item['reservationTerm'])} reservation` : '';
  return `${region} ${sku} (meter ${meter}${term})`;
}

export function createAzureRetailPriceSource(options: AzureRetailPriceSourceOptions): PriceSource {
  const name = options.name ?? (options.mode === 'list' ? 'azure-retail' : 'azure-spot');
  const baseUrl = options.baseUrl ?? AZURE_RETAIL_PRICES_URL;
  const maxPages = options.maxPages ?? 100;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  for (const region of options.regions) {
    if (!REGION_NAME.test(region)) throw new TypeError(`${name}: region ${JSON.stringify(region)} is not an ARM region name (lowercase letters and digits)`);
  }

  return {
    name,
    kind: options.mode,
    async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
      const quotes: PriceQuote[] = [];
      const errors: PriceItemError[] = [];
      const fetchedAt = now().toISOString();
      for (const region of options.regions) {
        const first = firstPageUrl(baseUrl, region, options.mode);
        let url: URL | null = first;
        let page = 0;
        while (url !== null) {
          page += 1;
          if (page > maxPages) throw tooManyPagesError(name, `region ${region}`, maxPages);
          const body = await getJson({ source: name, url, signal, timeoutMs, now, ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }) });
          if (!isRecord(body) || !Array.isArray(body['Items'])) {
            throw unavailableError(name, `region ${region} page ${page}: the answer has no Items array`);
          }
          (body['Items'] as unknown[]).forEach((item, index) => {
            const result = readItem(item, options.mode, fetchedAt);
            if (result === null) return;
            if ('error' in result) errors.push({ item: itemName(item, region, page, index), message: result.error });
            else quotes.push(result.quote);
          });
          const next = body['NextPageLink'];
          if (next === null || next === undefined || next === '') {
            url = null;
          } else {
            let nextUrl: URL;
            try {
              nextUrl = new URL(String(next));
            } catch {
              throw unavailableError(name, `region ${region} page ${page}: NextPageLink is not a URL`);
            }
            sameOrigin(name, nextUrl, first);
            url = nextUrl;
          }
        }
      }
      return { quotes: dedupeQuotes(quotes), errors };
    },
  };
}
