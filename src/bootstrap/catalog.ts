import type { Logger } from 'pino';
import { createCatalog, type Catalog, type CatalogProblem } from '../core/catalog/catalog.js';
import { ownedOfferings, type OwnedHardware } from '../core/catalog/owned.js';
import type { BundleManifest } from '../core/catalog/bundle.js';
import { GovError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { BUNDLED_CATALOG_DIR, readBundledOfferings } from '../adapters/catalog/bundled.js';

/** The catalog one process works from: the bundled snapshot plus the owned hardware in config. */
export interface LoadedCatalog {
  readonly catalog: Catalog;
  readonly manifest: BundleManifest;
  /** Bundled rows refused (file:line and why); they are not in the catalog. */
  readonly problems: readonly CatalogProblem[];
}

export interface LoadCatalogOptions {
  /** Where the bundled catalog is (default: this installation's assets/catalog/). */
  readonly bundledDir?: string;
  /** Receives one warning summarising refused rows. */
  readonly logger?: Logger;
}

/** `[[catalog.owned]]` entries as the core's OwnedHardware. */
export function ownedFromConfig(config: Readonly<Config>): OwnedHardware[] {
  return config.catalog.owned.map((o) => ({
    name: o.name,
    provider: o.provider,
    region: o.region,
    zone: o.zone ?? null,
    vcpus: o.vcpus,
    memoryGiB: o.memory_gib,
    gpu: o.gpu === undefined ? null : { model: o.gpu.model, count: o.gpu.count },
    count: o.count,
    pricePerHour: o.price_per_hour,
    amortizedPerHour: o.amortized_per_hour ?? null,
  }));
}

/**
 * Loads the bundled catalog and adds the owned hardware from config, once (at start-up, or per CLI command).
 * Bundled rows that fail their checks are left out and summarised in one warning; nothing here reads the
 * shared data set (only scripts/catalog/build-catalog.mjs does).
 *
 * @throws GovError GOV_CATALOG_UNAVAILABLE when the bundled file is missing or corrupt.
 * @throws GovError GOV_CONFIG_INVALID when an owned entry cannot be an offering.
 */
export function loadCatalog(config: Readonly<Config>, options: LoadCatalogOptions = {}): LoadedCatalog {
  const bundled = readBundledOfferings(options.bundledDir ?? BUNDLED_CATALOG_DIR);
  const owned = ownedOfferings(ownedFromConfig(config));
  if (owned.problems.length > 0) {
    const errors = owned.problems.map((p) => ({ key: `catalog.owned[${p.index}]`, source: 'config', message: `catalog.owned[${p.index}]: ${p.reason}` }));
    throw new GovError('GOV_CONFIG_INVALID', `invalid configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${e.message}`).join('\n')}`, {
      details: { errors },
    });
  }
  // Both lists were checked row by row already (decodeBundle, ownedOfferings).
  const { catalog, rejected } = createCatalog([...bundled.offerings, ...owned.offerings], { checked: true });
  const problems: CatalogProblem[] = [
    ...bundled.problems,
    ...rejected.map((r) => ({ file: bundled.manifest.file, line: null, reason: `${r.id}: ${r.reason}` })),
  ];
  if (problems.length > 0) {
    options.logger?.warn({
      skipped: problems.length,
      first: problems.slice(0, 5).map((p) => `${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.reason}`),
    }, 'bundled price catalog: rows refused and left out');
  }
  options.logger?.info({ offerings: catalog.offerings.length, owned: owned.offerings.length }, 'price catalog loaded');
  return { catalog, manifest: bundled.manifest, problems };
}
