import type { GpuSpec } from '../../../core/model/node.js';
import { compareInstants, type PriceItemError, type PriceQuote, type QuotedPurchase } from '../../../core/pricing/quote.js';
import type { ReservationTerm } from '../../../core/model/offering.js';
import type { PriceFetchOptions, PriceSnapshot, PriceSource } from '../../../ports/price-source.js';
import { tooManyPagesError, unavailableError } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, getJson, type HttpSourceOptions } from '../http.js';
import { isRecord, nonEmptyString, roundPrice, toIso } from '../values.js';

/**
 * GCP Cloud Billing Catalog API, Compute Engine service (`6F81-5844-456A`):
 * `GET https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus?key=API_KEY&pageToken=…`
 * (docs: cloud.google.com/billing/docs/reference/rest/v1/services.skus/list).
 *
 * GCP does not price machine types: it prices a vCPU-hour and a GiB-hour per machine FAMILY and region
 * ("N2 Instance Core running in Americas", "N2 Instance Ram running in Americas"), and each GPU apart
 * ("Nvidia L4 GPU running in Americas"). So this adapter needs the machine types' shapes from the caller and
 * prices each one as `vcpus × core + memoryGiB × ram (+ gpu count × gpu)` in every region where both the
 * family's core and RAM SKUs apply (`serviceRegions`), for each usage type: OnDemand → on-demand,
 * Preemptible → spot, Commit1Yr / Commit3Yr → reserved 1y / 3y.
 *
 * Family-name matching (see {@link familyOfSku}): the SKU description's family words, lowercased, without
 * vendor words (AMD, Intel, Arm) and "Predefined", joined with "-": "N2 Instance Core" → `n2`,
 * "N2D AMD Instance Core" → `n2d`, "N1 Predefined Instance Core" → `n1`, "A3 Mega Instance Core" → `a3-mega`;
 * committed-use SKUs read "Commitment v1: N2 Cpu in Americas for 1 Year" (N1's have no family word:
 * "Commitment v1: Cpu in …" → `n1`); "Memory-optimized" → `m1`, "Compute optimized" → `c2`. Custom, sole-tenant,
 * premium and extended-memory SKUs are not matched. A shape's `family` must use the same spelling.
 *
 * What it cannot price, reported as item errors (never guessed): shapes whose family has no core/RAM SKU
 * (shared-core f1-micro / g1-small, which Google prices per instance, or a family spelled differently), a
 * region with the core price but not the RAM price (or the reverse), a GPU model with no SKU in a region where
 * the machine is priced. Not included in any price: local SSD, disks, licences, sustained-use discounts.
 */

export const GCP_COMPUTE_SKUS_URL = 'https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus';

/** A machine type to price, as the catalog knows it. */
export interface GcpMachineShape {
  /** n2-standard-8 … */
  readonly instanceType: string;
  /** The pricing family: n2, e2, n2d, c3, a3, a3-mega … (see the module comment). */
  readonly family: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** GPU model as normalised in the catalog (L4, T4, A100, A100-80GB, H100 …) and count, or null. */
  readonly gpu: GpuSpec | null;
}

export interface GcpCatalogPriceSourceOptions extends HttpSourceOptions {
  readonly apiKey: string;
  readonly machineTypes: readonly GcpMachineShape[];
  /** Only these regions (default: every region a matching SKU applies to). */
  readonly regions?: readonly string[];
  /** Default `gcp-catalog`. */
  readonly name?: string;
  /** Default {@link GCP_COMPUTE_SKUS_URL}. */
  readonly baseUrl?: string;
}

type Resource = 'core' | 'ram' | `gpu:${string}`;
type PurchaseKey = 'on-demand' | 'spot' | 'reserved:1y' | 'reserved:3y';

const USAGE_TYPES: Readonly<Record<string, PurchaseKey>> = {
  OnDemand: 'on-demand', Preemptible: 'spot', Commit1Yr: 'reserved:1y', Commit3Yr: 'reserved:3y',
};
const PURCHASES: readonly PurchaseKey[] = ['on-demand', 'spot', 'reserved:1y', 'reserved:3y'];

const INSTANCE_SKU = /^(?:Spot Preemptible |Preemptible )?(.+?) Instance (Core|Ram) running in .+$/;
const COMMIT_SKU = /^Commitment(?: v\d+)?: (?:(.+?) )?(Cpu|Ram) in .+ for [13] Years?$/;
const GPU_SKU = /^(?:Spot Preemptible |Preemptible )?Nvidia (.+?) GPU(?: attached to Spot Preemptible VMs)? running in .+$/;
const COMMIT_GPU_SKU = /^Commitment(?: v\d+)?: Nvidia (.+?) GPU (?:running )?in .+ for [13] Years?$/;

const FAMILY_ALIASES: Readonly<Record<string, string>> = { 'memory-optimized': 'm1', 'compute-optimized': 'c2' };
const DROPPED_WORDS = new Set(['amd', 'intel', 'arm', 'predefined']);
const UNPRICED_WORDS = /custom|sole tenancy|sole-tenancy|premium|extended|upgrade|licen[cs]e|reserved/i;

/** The family (`n2`, `n2d`, `a3-mega` …) named by a SKU description's family words, or null to skip. */
export function familyOfSku(words: string | undefined): string | null {
  if (words === undefined || words.trim() === '') return 'n1'; // "Commitment v1: Cpu in …" is N1's
  if (UNPRICED_WORDS.test(words)) return null;
  const slug = words.toLowerCase().split(/\s+/).filter((w) => !DROPPED_WORDS.has(w)).join('-');
  return FAMILY_ALIASES[slug] ?? (slug === '' ? null : slug);
}

/** "Tesla T4" → T4, "A100 80GB" → A100-80GB, "H100 80GB" → H100, "H100 80GB Mega" → H100-MEGA. */
export function gpuModelOfSku(name: string): string | null {
  if (/workstation/i.test(name)) return null;
  const words = name.split(/\s+/).filter((w) => w !== '' && w.toLowerCase() !== 'tesla');
  const model = words[0]?.toUpperCase();
  if (model === undefined) return null;
  const rest = words.slice(1);
  const memory = rest.find((w) => /^\d+GB$/i.test(w));
  const suffix = rest.filter((w) => !/^\d+GB$/i.test(w)).map((w) => w.toUpperCase());
  if (model === 'A100' && memory?.toUpperCase() === '80GB') return ['A100-80GB', ...suffix].join('-');
  return [model, ...suffix].join('-');
}

interface Rate {
  readonly price: number;
  readonly asOf: string;
  /** Fewer regions = more specific: a region's own SKU beats a multi-region one. */
  readonly span: number;
  readonly sku: string;
}

function rateKey(family: string, resource: Resource, purchase: PurchaseKey, region: string): string {
  return `${family}|${resource}|${purchase}|${region}`;
}

interface SkuReading {
  readonly family: string;
  readonly resource: Resource;
}

/** Which family and resource a SKU prices, or null when it is not one we use. */
function classify(description: string, usageType: PurchaseKey): SkuReading | null {
  const commit = usageType.startsWith('reserved');
  const gpu = (commit ? COMMIT_GPU_SKU : GPU_SKU).exec(description);
  if (gpu !== null) {
    const model = gpuModelOfSku(gpu[1] ?? '');
    return model === null ? null : { family: '*', resource: `gpu:${model}` };
  }
  const match = (commit ? COMMIT_SKU : INSTANCE_SKU).exec(description);
  if (match === null) return null;
  const family = familyOfSku(match[1]);
  if (family === null) return null;
  return { family, resource: match[2] === 'Core' || match[2] === 'Cpu' ? 'core' : 'ram' };
}

const EXPECTED_UNIT: Readonly<Record<'core' | 'ram' | 'gpu', string>> = { core: 'h', ram: 'GiBy.h', gpu: 'h' };

/** The hourly unit price of a SKU, or an error message. */
function readSkuPrice(sku: Record<string, unknown>, resource: Resource): { price: number; asOf: string | undefined } | { error: string } {
  const info = Array.isArray(sku['pricingInfo']) ? sku['pricingInfo'][0] : undefined;
  if (!isRecord(info) || !isRecord(info['pricingExpression'])) return { error: 'has no pricingInfo[0].pricingExpression' };
  const expression = info['pricingExpression'];
  const unit = expression['usageUnit'];
  const expected = EXPECTED_UNIT[resource.startsWith('gpu:') ? 'gpu' : (resource as 'core' | 'ram')];
  if (unit !== expected) return { error: `usageUnit is ${JSON.stringify(unit)}, expected ${JSON.stringify(expected)}` };
  const tiers = Array.isArray(expression['tieredRates']) ? expression['tieredRates'].filter(isRecord) : [];
  // The rate from the first unit on. (Compute SKUs have one tier; a free tier would start at 0 with price 0.)
  const tier = tiers.filter((t) => Number(t['startUsageAmount'] ?? 0) === 0).at(-1);
  if (tier === undefined || !isRecord(tier['unitPrice'])) return { error: 'has no tieredRates[].unitPrice from usage 0' };
  const { units, nanos, currencyCode } = tier['unitPrice'];
  if (currencyCode !== undefined && currencyCode !== 'USD') return { error: `price is in ${String(currencyCode)}, not USD` };
  const u = typeof units === 'string' && /^\d+$/.test(units) ? Number(units) : typeof units === 'number' ? units : units === undefined ? 0 : Number.NaN;
  const n = typeof nanos === 'number' ? nanos : nanos === undefined ? 0 : Number.NaN;
  const price = u + n / 1e9;
  if (!Number.isFinite(price) || !Number.isInteger(n) || n < 0 || n >= 1e9) {
    return { error: `unitPrice ${JSON.stringify({ units, nanos })} is not a price` };
  }
  if (price <= 0) return { error: 'price is zero' };
  return { price, asOf: toIso(info['effectiveTime']) };
}

/** Google answers a wrong or restricted API key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID (or 403). */
function isApiKeyRejection(status: number, body: string): boolean {
  return status === 400 && /API_KEY_INVALID|API key not valid|API_KEY_SERVICE_BLOCKED/.test(body);
}

function splitPurchase(key: PurchaseKey): { purchase: QuotedPurchase; term: ReservationTerm | null } {
  if (key === 'reserved:1y') return { purchase: 'reserved', term: '1y' };
  if (key === 'reserved:3y') return { purchase: 'reserved', term: '3y' };
  return { purchase: key, term: null };
}

export function createGcpCatalogPriceSource(options: GcpCatalogPriceSourceOptions): PriceSource {
  const name = options.name ?? 'gcp-catalog';
  const baseUrl = options.baseUrl ?? GCP_COMPUTE_SKUS_URL;
  const maxPages = options.maxPages ?? 50;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  const onlyRegions = options.regions === undefined ? null : new Set(options.regions);

  return {
    name,
    kind: 'list',
    async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
      const errors: PriceItemError[] = [];
      const rates = new Map<string, Rate>();
      const coreRegions = new Map<string, Set<string>>(); // family → regions with a core or RAM rate
      const fetchedAt = now().toISOString();
      const seenTokens = new Set<string>();
      let pageToken = '';
      let page = 0;
      do {
        page += 1;
        if (page > maxPages) throw tooManyPagesError(name, 'SKU listing', maxPages);
        const url = new URL(baseUrl);
        url.searchParams.set('key', options.apiKey);
        url.searchParams.set('currencyCode', 'USD');
        url.searchParams.set('pageSize', '5000');
        if (pageToken !== '') url.searchParams.set('pageToken', pageToken);
        const body = await getJson({
          source: name, url, signal, timeoutMs, now, secrets: [options.apiKey], isAuthFailure: isApiKeyRejection,
          ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        });
        if (!isRecord(body) || (body['skus'] !== undefined && !Array.isArray(body['skus']))) {
          throw unavailableError(name, `page ${page}: the answer has no skus array`);
        }
        const skus = (body['skus'] ?? []) as unknown[];
        skus.forEach((sku, index) => {
          if (!isRecord(sku)) {
            errors.push({ item: `page ${page} sku ${index}`, message: 'SKU is not an object' });
            return;
          }
          const id = nonEmptyString(sku['skuId']) ?? `page ${page} sku ${index}`;
          const category = isRecord(sku['category']) ? sku['category'] : {};
          if (category['resourceFamily'] !== 'Compute') return;
          const usage = USAGE_TYPES[String(category['usageType'])];
          if (usage === undefined) return;
          const description = nonEmptyString(sku['description']);
          if (description === undefined) {
            errors.push({ item: `sku ${id}`, message: 'has no description' });
            return;
          }
          const reading = classify(description, usage);
          if (reading === null) return;
          const item = `sku ${id} "${description}"`;
          const regions = Array.isArray(sku['serviceRegions']) ? sku['serviceRegions'].filter((r): r is string => typeof r === 'string' && r !== '') : [];
          if (regions.length === 0) {
            errors.push({ item, message: 'has no serviceRegions' });
            return;
          }
          const priced = readSkuPrice(sku, reading.resource);
          if ('error' in priced) {
            errors.push({ item, message: priced.error });
            return;
          }
          for (const region of regions) {
            if (onlyRegions !== null && !onlyRegions.has(region)) continue;
            const key = rateKey(reading.family, reading.resource, usage, region);
            const rate: Rate = { price: priced.price, asOf: priced.asOf ?? fetchedAt, span: regions.length, sku: id };
            const seen = rates.get(key);
            if (seen === undefined || rate.span < seen.span) rates.set(key, rate);
            if (reading.resource === 'core' || reading.resource === 'ram') {
              let set = coreRegions.get(reading.family);
              if (set === undefined) coreRegions.set(reading.family, (set = new Set()));
              set.add(region);
            }
          }
        });
        const next = body['nextPageToken'];
        pageToken = typeof next === 'string' ? next : '';
        if (pageToken !== '' && seenTokens.has(pageToken)) throw unavailableError(name, `page ${page}: nextPageToken repeats an earlier one; stopped`, { retryable: false });
        seenTokens.add(pageToken);
      } while (pageToken !== '');

      const quotes: PriceQuote[] = [];
      for (const shape of options.machineTypes) {
        const family = shape.family.toLowerCase();
        const regions = coreRegions.get(family);
        if (regions === undefined) {
          errors.push({ item: `machine type ${shape.instanceType}`, message: `no "${shape.family} Instance Core/Ram" SKU matched family ${JSON.stringify(family)}: cannot price it (shared-core, custom, or a family spelled differently)` });
          continue;
        }
        for (const region of [...regions].sort()) {
          for (const purchaseKey of PURCHASES) {
            const core = rates.get(rateKey(family, 'core', purchaseKey, region));
            const ram = rates.get(rateKey(family, 'ram', purchaseKey, region));
            if (core === undefined && ram === undefined) continue; // not sold that way there
            const where = `machine type ${shape.instanceType} in ${region} (${purchaseKey})`;
            if (core === undefined || ram === undefined) {
              errors.push({ item: where, message: `has a ${core === undefined ? 'RAM' : 'core'} price but no ${core === undefined ? 'core' : 'RAM'} price: cannot price the machine` });
              continue;
            }
            let price = shape.vcpus * core.price + shape.memoryGiB * ram.price;
            let asOf = compareInstants(core.asOf, ram.asOf) >= 0 ? core.asOf : ram.asOf;
            if (shape.gpu !== null && shape.gpu.count > 0) {
              const gpu = rates.get(rateKey('*', `gpu:${shape.gpu.model.toUpperCase()}`, purchaseKey, region));
              if (gpu === undefined) {
                errors.push({ item: where, message: `no ${purchaseKey} price for GPU ${shape.gpu.model} in ${region}` });
                continue;
              }
              price += shape.gpu.count * gpu.price;
              if (compareInstants(gpu.asOf, asOf) > 0) asOf = gpu.asOf;
            }
            if (!(price > 0) || !Number.isFinite(price)) {
              errors.push({ item: where, message: `computed price ${price} is not above zero (check the shape's vcpus and memoryGiB)` });
              continue;
            }
            quotes.push({
              provider: 'gcp', region, zone: null, instanceType: shape.instanceType, ...splitPurchase(purchaseKey),
              pricePerHour: roundPrice(price), asOf,
            });
          }
        }
      }
      return { quotes, errors };
    },
  };
}

/**
 * The pricing family of a GCP machine type: its first part (`n2-standard-8` → `n2`), except where Google
 * prices variants of one series apart (`a3-megagpu-8g` → `a3-mega`, `a3-ultragpu-8g` → `a3-ultra`).
 */
export function gcpFamilyOf(instanceType: string): string {
  const [series = '', variant = ''] = instanceType.toLowerCase().split('-');
  if (series === 'a3' && variant.startsWith('mega')) return 'a3-mega';
  if (series === 'a3' && variant.startsWith('ultra')) return 'a3-ultra';
  return series;
}

/** Machine shapes for this adapter from catalog offerings (provider `gcp`), one per instance type. */
export function gcpShapesFromOfferings(offerings: readonly { provider: string; instanceType: string; vcpus: number; memoryGiB: number; gpu: GpuSpec | null }[]): GcpMachineShape[] {
  const shapes = new Map<string, GcpMachineShape>();
  for (const o of offerings) {
    if (o.provider !== 'gcp' || shapes.has(o.instanceType)) continue;
    shapes.set(o.instanceType, { instanceType: o.instanceType, family: gcpFamilyOf(o.instanceType), vcpus: o.vcpus, memoryGiB: o.memoryGiB, gpu: o.gpu });
  }
  return [...shapes.values()];
}
