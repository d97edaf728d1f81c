/**
 * The price catalog, pure: normalised GPU names, an indexed in-memory catalog, filters and sorting,
 * the cheapest offering for a node's requirements, price-performance for a pool's capacity model, statistics,
 * owned hardware as offerings, and the bundled file's row format. No I/O: loaders live in src/adapters/catalog.
 */
export { GPU_MODELS, isGpuModel, normalizeGpuModel, type GpuModel, type GpuNameHints } from './gpu.js';
export { catalogOf, createCatalog, offeringId, offeringProblem, type Catalog, type CatalogBuild, type CatalogProblem } from './catalog.js';
export {
  OFFERING_SORTS, matchingOfferings, parseAmount, parseCount, parseGpu, parseOfferingQuery, pricePerGpuHour, pricePerVcpuHour,
  queryOfferings, vocabularyOf,
  type FieldNames, type FilterVocabulary, type OfferingFilter, type OfferingPage, type OfferingSort, type PageOptions,
  type ParsedOfferingQuery, type RawOfferingQuery,
} from './query.js';
export { cheapest, priced, type CheapestResult, type NodeRequirements, type PricedOffering } from './cheapest.js';
export { rankByPricePerformance, type PricePerformance, type PricePerformanceOptions, type PricePerformanceRanking } from './price-performance.js';
export { catalogStats, purchaseKey, type CatalogStats, type ProviderStats } from './stats.js';
export { ownedOffering, ownedOfferings, type OwnedHardware, type OwnedProblem } from './owned.js';
export {
  BUNDLE_COLUMNS, BUNDLE_FORMAT, BUNDLE_HEADER, BUNDLED_SOURCE_PREFIX, bundleSourceId, decodeBundle, encodeBundle, roundPrice,
  type BundleManifest, type BundleProblem, type BundleSource,
} from './bundle.js';
