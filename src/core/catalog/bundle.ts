import type { GpuSpec } from '../model/node.js';
import { PURCHASE_OPTIONS, RESERVATION_TERMS, type Offering, type PurchaseOption, type ReservationTerm } from '../model/offering.js';
import { offeringProblem } from './catalog.js';
import { isGpuModel } from './gpu.js';

/**
 * The bundled catalog's row format: one offering per CSV line, plain values, no quoting (the encoder refuses
 * a value holding a comma, quote or line break). Line numbers therefore point at offerings, so a loader can
 * report a bad row as `file:line`. The manifest beside it (assets/catalog/manifest.json) names the sources,
 * their licences and dates, and the file's SHA-256.
 */
export const BUNDLE_FORMAT = 'governator-catalog-csv/1';
export const BUNDLE_COLUMNS = [
  'provider', 'region', 'zone', 'instance_type', 'vcpus', 'memory_gib', 'gpu_model', 'gpu_count',
  'purchase', 'term', 'price_per_hour', 'source',
] as const;
export const BUNDLE_HEADER = BUNDLE_COLUMNS.join(',');

/** Offering.source of bundled rows: `bundled:<source id>`. */
export const BUNDLED_SOURCE_PREFIX = 'bundled:';

/** One source as the manifest describes it. */
export interface BundleSource {
  /** Short id used in the rows' `source` column, e.g. `aws_karpenter`. */
  readonly id: string;
  readonly title: string;
  /** Repository and commit the data was taken from. */
  readonly origin: string;
  readonly licence: string;
  /** When the prices were true (ISO 8601 date or month), or null when the source does not say. */
  readonly asOf: string | null;
  /** Source files, relative to the data directory the build read. */
  readonly files: readonly string[];
}

export interface BundleManifest {
  readonly format: string;
  readonly file: string;
  /** Hex SHA-256 of the compressed file. */
  readonly sha256: string;
  readonly offerings: number;
  readonly sources: readonly BundleSource[];
}

export interface BundleProblem {
  /** 1-based line in the decompressed CSV (line 1 is the header). */
  readonly line: number;
  readonly reason: string;
}

const UNSAFE = /[,"\r\n]/;

/** Prices are kept to 1e-6 USD: the sources' extra digits (e.g. a monthly price / 730) are noise. */
export function roundPrice(price: number): number {
  return Math.round(price * 1e6) / 1e6;
}

function cell(value: string | number | null, column: string, id: string): string {
  if (value === null) return '';
  const text = String(value);
  if (UNSAFE.test(text)) throw new Error(`offering ${id}: ${column} ${JSON.stringify(text)} holds a comma, quote or line break`);
  return text;
}

/** The source id of a bundled offering (`bundled:aws_karpenter` → `aws_karpenter`). */
export function bundleSourceId(o: Pick<Offering, 'source' | 'id'>): string {
  if (!o.source.startsWith(BUNDLED_SOURCE_PREFIX)) throw new Error(`offering ${o.id}: source ${o.source} is not bundled:<id>`);
  return o.source.slice(BUNDLED_SOURCE_PREFIX.length);
}

/** CSV text (header + one line per offering, in the given order, trailing newline). */
export function encodeBundle(offerings: readonly Offering[]): string {
  const lines = [BUNDLE_HEADER];
  for (const o of offerings) {
    const problem = offeringProblem(o);
    if (problem !== null) throw new Error(`offering ${o.id}: ${problem}`);
    lines.push([
      cell(o.provider, 'provider', o.id), cell(o.region, 'region', o.id), cell(o.zone, 'zone', o.id),
      cell(o.instanceType, 'instance_type', o.id), cell(o.vcpus, 'vcpus', o.id), cell(o.memoryGiB, 'memory_gib', o.id),
      cell(o.gpu?.model ?? null, 'gpu_model', o.id), cell(o.gpu?.count ?? null, 'gpu_count', o.id),
      cell(o.purchase, 'purchase', o.id), cell(o.term, 'term', o.id), cell(o.pricePerHour, 'price_per_hour', o.id),
      cell(bundleSourceId(o), 'source', o.id),
    ].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const PURCHASES: ReadonlySet<string> = new Set(PURCHASE_OPTIONS);
const TERMS: ReadonlySet<string> = new Set(RESERVATION_TERMS);
/**
 * A cell as a number, or NaN: an empty or blank cell is NaN, never 0 (Number('') would be 0). Range checks
 * (finite, above zero) are offeringProblem's.
 */
function num(text: string): number {
  return text === '' || text.charCodeAt(0) <= 32 ? Number.NaN : Number(text);
}

/**
 * Offerings from bundle text. Every row is checked (column count, numbers, GPU model, purchase option,
 * a price above zero …); a bad row is reported with its line and left out, never loaded with a made-up value.
 * `asOf` gives each source id's date; a row naming a source the manifest does not list is refused.
 */
export function decodeBundle(text: string, sources: ReadonlyMap<string, string | null>): { offerings: Offering[]; problems: BundleProblem[] } {
  const offerings: Offering[] = [];
  const problems: BundleProblem[] = [];
  const lines = text.split('\n');
  if ((lines[0] ?? '').replace(/\r$/, '') !== BUNDLE_HEADER) {
    problems.push({ line: 1, reason: `header is not ${BUNDLE_HEADER}` });
    return { offerings, problems };
  }
  // The same few thousand names and GPU specs repeat over ~100,000 rows: share one copy of each.
  const names = new Map<string, string>();
  const intern = (s: string): string => {
    const known = names.get(s);
    if (known !== undefined) return known;
    names.set(s, s);
    return s;
  };
  const gpus = new Map<string, GpuSpec>();
  const sourceNames = new Map([...sources].map(([id, asOf]) => [id, { source: `${BUNDLED_SOURCE_PREFIX}${id}`, asOf }]));
  const width = BUNDLE_COLUMNS.length;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line === '' && i === lines.length - 1) break;
    const c = line.split(',');
    const reason = c.length !== width ? `${c.length} columns, expected ${width}` : null;
    if (reason !== null) {
      problems.push({ line: i + 1, reason });
      continue;
    }
    const [provider, region, zone, instanceType, vcpusText, memoryText, gpuModel, gpuCountText, purchase, term, priceText, sourceId] = c as [
      string, string, string, string, string, string, string, string, string, string, string, string];
    const source = sourceNames.get(sourceId);
    const cellProblem = !PURCHASES.has(purchase) ? `purchase ${JSON.stringify(purchase)} is not one of ${PURCHASE_OPTIONS.join(', ')}`
      : term !== '' && !TERMS.has(term) ? `term ${JSON.stringify(term)} is not one of ${RESERVATION_TERMS.join(', ')}`
      : source === undefined ? `source ${JSON.stringify(sourceId)} is not in the manifest`
      : (gpuModel === '') !== (gpuCountText === '') ? 'gpu_model and gpu_count must both be set or both be empty'
      : gpuModel !== '' && !isGpuModel(gpuModel) ? `GPU model ${JSON.stringify(gpuModel)} is not a normalised name`
      : null;
    if (cellProblem !== null || source === undefined) {
      problems.push({ line: i + 1, reason: cellProblem ?? 'source missing' });
      continue;
    }
    let gpu: GpuSpec | null = null;
    if (gpuModel !== '') {
      const key = `${gpuModel}x${gpuCountText}`;
      gpu = gpus.get(key) ?? null;
      if (gpu === null) {
        gpu = Object.freeze({ model: gpuModel, count: num(gpuCountText) });
        gpus.set(key, gpu);
      }
    }
    const p = intern(provider);
    const r = intern(region);
    const z = zone === '' ? null : intern(zone);
    const t = intern(instanceType);
    const pu = purchase as PurchaseOption;
    const te = term === '' ? null : (term as ReservationTerm);
    const offering: Offering = {
      id: `${p}:${r}${z === null ? '' : `:${z}`}:${t}:${pu}${te === null ? '' : `:${te}`}`,
      provider: p,
      region: r,
      zone: z,
      instanceType: t,
      purchase: pu,
      term: te,
      vcpus: num(vcpusText),
      memoryGiB: num(memoryText),
      gpu,
      pricePerHour: num(priceText),
      available: null,
      source: source.source,
      asOf: source.asOf,
    };
    const problem = offeringProblem(offering);
    if (problem !== null) {
      problems.push({ line: i + 1, reason: problem });
      continue;
    }
    offerings.push(offering);
  }
  return { offerings, problems };
}
