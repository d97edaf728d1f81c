import { GetProductsCommand, type Filter, type PricingClient } from '@aws-sdk/client-pricing';
import type { ReservationTerm } from '../../../core/model/offering.js';
import { dedupeQuotes, type PriceItemError, type PriceQuote } from '../../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSnapshot, PriceSource } from '../../../ports/price-source.js';
import { abortedError, boundedSignal, raceAbort, tooManyPagesError } from '../errors.js';
import { describeBadPrice, isRecord, nonEmptyString, readPrice, roundPrice, toIso } from '../values.js';
import { fromAwsError } from './errors.js';
import { AWS_LOCATION_TO_REGION } from './regions.js';

/**
 * AWS list prices from the Price List Query API (`pricing:GetProducts`, service code AmazonEC2), with the
 * official SDK (@aws-sdk/client-pricing). The API is served from us-east-1 (also eu-central-1, ap-south-1)
 * whatever region is priced. One listing per region (and per instance type when `instanceTypes` is given),
 * filtered to what Governator launches: Linux, shared tenancy, no pre-installed software, capacitystatus
 * "Used" (not capacity reservations). Pages follow NextToken, at most `maxPages` per listing.
 *
 * Each PriceList entry is a JSON document (a string on the wire). From it:
 * - on-demand: `terms.OnDemand.*.priceDimensions.*` with unit "Hrs", `pricePerUnit.USD`;
 * - reserved 1y/3y: `terms.Reserved.*` whose termAttributes are OfferingClass "standard", PurchaseOption
 *   "No Upfront", LeaseContractLength "1yr"/"3yr" (their hourly rate is the whole price: nothing upfront).
 * The region is the product's `regionCode` attribute, else its `location` name mapped by ./regions.ts.
 * An entry that is not JSON, lacks the instance type or region, or whose price is missing, zero or not a
 * number is an item error; a bad reserved term does not lose the entry's on-demand price.
 *
 * Credentials: the SDK's default provider chain (environment, shared config, instance/task role), never
 * Governator's configuration. Needs `pricing:GetProducts`.
 */

export interface AwsListPriceSourceOptions {
  /** A client for the Price List API (region us-east-1, eu-central-1 or ap-south-1). */
  readonly client: PricingClient;
  /** Region codes to price: us-east-1, eu-west-1 … */
  readonly regions: readonly string[];
  /** Only these instance types (default: every type in the region). */
  readonly instanceTypes?: readonly string[];
  /** Default `aws-pricing`. */
  readonly name?: string;
  /** Bound on each GetProducts call, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Bound on pages per listing (default 100, i.e. 10,000 products). */
  readonly maxPages?: number;
  /** asOf when an entry has no date; default the wall clock. */
  readonly now?: () => Date;
}

const TERMS: Readonly<Record<string, ReservationTerm>> = { '1yr': '1y', '3yr': '3y' };

function term(field: string, value: string): Filter {
  return { Type: 'TERM_MATCH', Field: field, Value: value };
}

/** The hourly USD price of a term (its "Hrs" price dimension), or an error message. */
function hourlyPrice(offerTerm: Record<string, unknown>): number | string {
  const dimensions = isRecord(offerTerm['priceDimensions']) ? Object.values(offerTerm['priceDimensions']).filter(isRecord) : [];
  const hourly = dimensions.find((d) => d['unit'] === 'Hrs');
  if (hourly === undefined) return 'has no "Hrs" price dimension';
  const usd = isRecord(hourly['pricePerUnit']) ? hourly['pricePerUnit']['USD'] : undefined;
  const price = readPrice(usd);
  return price ?? describeBadPrice(usd);
}

/** Parse one PriceList entry: a JSON string (what the API sends), a String object, or an already parsed object. */
function parseEntry(entry: unknown): Record<string, unknown> | string {
  if (isRecord(entry) && !(entry instanceof String)) return entry;
  if (typeof entry !== 'string' && !(entry instanceof String)) return `entry has type ${typeof entry}, expected a JSON string`;
  try {
    const parsed: unknown = JSON.parse(String(entry));
    return isRecord(parsed) ? parsed : 'entry is JSON but not an object';
  } catch {
    return 'entry is not valid JSON';
  }
}

function readEntry(doc: Record<string, unknown>, fallbackAsOf: string): { quotes: PriceQuote[]; errors: string[] } | null {
  const product = isRecord(doc['product']) ? doc['product'] : undefined;
  const attributes = product !== undefined && isRecord(product['attributes']) ? product['attributes'] : undefined;
  if (attributes === undefined) return { quotes: [], errors: ['has no product.attributes'] };
  // The filters already ask for these; an entry that slipped through is not an error, just not ours.
  if (attributes['operatingSystem'] !== undefined && attributes['operatingSystem'] !== 'Linux') return null;
  if (attributes['tenancy'] !== undefined && attributes['tenancy'] !== 'Shared') return null;
  if (attributes['preInstalledSw'] !== undefined && attributes['preInstalledSw'] !== 'NA') return null;
  if (attributes['capacitystatus'] !== undefined && attributes['capacitystatus'] !== 'Used') return null;
  if (attributes['marketoption'] !== undefined && attributes['marketoption'] !== 'OnDemand') return null;
  const instanceType = nonEmptyString(attributes['instanceType']);
  if (instanceType === undefined) return { quotes: [], errors: ['has no instanceType attribute'] };
  const location = nonEmptyString(attributes['location']);
  const region = nonEmptyString(attributes['regionCode']) ?? (location === undefined ? undefined : AWS_LOCATION_TO_REGION[location]);
  if (region === undefined) return { quotes: [], errors: [`has no regionCode and its location ${JSON.stringify(location ?? null)} is not a known region`] };

  const publication = toIso(doc['publicationDate']) ?? fallbackAsOf;
  const terms = isRecord(doc['terms']) ? doc['terms'] : {};
  const quotes: PriceQuote[] = [];
  const errors: string[] = [];
  const base = { provider: 'aws', region, zone: null, instanceType } as const;

  const onDemand = isRecord(terms['OnDemand']) ? Object.values(terms['OnDemand']).filter(isRecord) : [];
  if (onDemand.length === 0) errors.push('has no OnDemand term');
  for (const t of onDemand.slice(0, 1)) {
    const price = hourlyPrice(t);
    if (typeof price === 'string') errors.push(`on-demand ${price}`);
    else quotes.push({ ...base, purchase: 'on-demand', term: null, pricePerHour: roundPrice(price), asOf: toIso(t['effectiveDate']) ?? publication });
  }
  const reserved = isRecord(terms['Reserved']) ? Object.values(terms['Reserved']).filter(isRecord) : [];
  for (const t of reserved) {
    const attrs = isRecord(t['termAttributes']) ? t['termAttributes'] : {};
    if (attrs['OfferingClass'] !== 'standard' || attrs['PurchaseOption'] !== 'No Upfront') continue;
    const length = TERMS[String(attrs['LeaseContractLength'])];
    if (length === undefined) continue;
    const price = hourlyPrice(t);
    if (typeof price === 'string') errors.push(`reserved ${length} ${price}`);
    else quotes.push({ ...base, purchase: 'reserved', term: length, pricePerHour: roundPrice(price), asOf: toIso(t['effectiveDate']) ?? publication });
  }
  return { quotes, errors };
}

export function createAwsListPriceSource(options: AwsListPriceSourceOptions): PriceSource {
  const name = options.name ?? 'aws-pricing';
  const maxPages = options.maxPages ?? 100;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const now = options.now ?? (() => new Date());
  const listings = options.regions.flatMap((region) =>
    options.instanceTypes === undefined ? [{ region, instanceType: undefined as string | undefined }]
      : options.instanceTypes.map((instanceType) => ({ region, instanceType })));

  return {
    name,
    kind: 'list',
    async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
      const quotes: PriceQuote[] = [];
      const errors: PriceItemError[] = [];
      const fetchedAt = now().toISOString();
      for (const { region, instanceType } of listings) {
        const what = `GetProducts ${region}${instanceType === undefined ? '' : ` ${instanceType}`}`;
        const filters: Filter[] = [
          term('regionCode', region), term('operatingSystem', 'Linux'), term('tenancy', 'Shared'),
          term('preInstalledSw', 'NA'), term('capacitystatus', 'Used'),
          ...(instanceType === undefined ? [] : [term('instanceType', instanceType)]),
        ];
        let nextToken: string | undefined;
        let page = 0;
        do {
          page += 1;
          if (page > maxPages) throw tooManyPagesError(name, what, maxPages);
          if (signal.aborted) throw abortedError(name, signal.reason);
          const bounded = boundedSignal(signal, timeoutMs);
          let output;
          try {
            output = await raceAbort(options.client.send(new GetProductsCommand({
              ServiceCode: 'AmazonEC2', Filters: filters, FormatVersion: 'aws_v1', MaxResults: 100,
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            }), { abortSignal: bounded.signal }), bounded.signal);
          } catch (err) {
            throw fromAwsError(name, `${what} page ${page}`, err, { callerAborted: signal.aborted, timedOut: bounded.timedOut(), timeoutMs });
          }
          const entries: unknown[] = Array.isArray(output.PriceList) ? output.PriceList : [];
          entries.forEach((entry, index) => {
            const item = `${region} page ${page} entry ${index}`;
            const doc = parseEntry(entry);
            if (typeof doc === 'string') {
              errors.push({ item, message: doc });
              return;
            }
            const result = readEntry(doc, fetchedAt);
            if (result === null) return;
            const product = isRecord(doc['product']) ? doc['product'] : {};
            const label = `${region} ${String((isRecord(product['attributes']) ? product['attributes']['instanceType'] : undefined) ?? '?')} (sku ${String(product['sku'] ?? '?')})`;
            quotes.push(...result.quotes);
            for (const message of result.errors) errors.push({ item: label, message });
          });
          nextToken = output.NextToken === undefined || output.NextToken === '' ? undefined : output.NextToken;
        } while (nextToken !== undefined);
      }
      return { quotes: dedupeQuotes(quotes), errors };
    },
  };
}
