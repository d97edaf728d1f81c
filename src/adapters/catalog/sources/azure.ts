import { offeringId } from '../../../core/catalog/catalog.js';
import { roundPrice } from '../../../core/catalog/bundle.js';
import { deriveAzureSize, type AzureSize } from './azure-sizes.js';
import { checkPrice, priceCell, readCsv, type SourceCollector } from './collect.js';

export const AZURE_FILES = { prices: 'azure_karpenter/azure_ondemand_linux_prices_by_region.csv' } as const;

/** Sizes whose specs could not be derived, with the reason and how many rows (regions) each had. */
export type UnderivedSizes = Map<string, { reason: string; rows: number }>;

/**
 * Azure, from Karpenter for Azure's generated price table (Apache-2.0): Linux on-demand price per region and
 * SKU, with no specs and no spot. Specs are joined on the SKU name through {@link deriveAzureSize}; a SKU whose
 * specs cannot be derived is left out and counted (never loaded with guessed or zero specs), and returned in
 * `underived` for the build report.
 */
export function readAzure(dataDir: string, out: SourceCollector): UnderivedSizes {
  const file = AZURE_FILES.prices;
  const underived: UnderivedSizes = new Map();
  const sizes = new Map<string, AzureSize>();
  const rows = readCsv(dataDir, file, out, { required: ['region', 'sku', 'ondemand_usd_per_hour'] });
  for (const { line, cells } of rows) {
    const sku = cells.sku ?? '';
    const region = cells.region ?? '';
    if (!/^[a-z][a-z0-9]+$/.test(region)) {
      out.bad(file, line, 'region not recognised', JSON.stringify(region));
      continue;
    }
    // The price first: a bad price is reported even for a SKU whose specs cannot be derived.
    const price = checkPrice(out, file, line, 'ondemand_usd_per_hour', priceCell(cells.ondemand_usd_per_hour), 'azure: no price');
    if (price === null) continue;
    let size = sizes.get(sku);
    if (size === undefined) {
      size = deriveAzureSize(sku);
      sizes.set(sku, size);
    }
    if (!size.ok) {
      const entry = underived.get(sku);
      if (entry === undefined) underived.set(sku, { reason: size.reason, rows: 1 });
      else entry.rows += 1;
      out.skip('azure: specs not derivable from the SKU name');
      continue;
    }
    const base = { provider: 'azure', region, zone: null, instanceType: sku, purchase: 'on-demand' as const, term: null };
    out.add({
      id: offeringId(base), ...base, vcpus: size.vcpus, memoryGiB: size.memoryGiB, gpu: size.gpu,
      pricePerHour: roundPrice(price), available: null, source: 'bundled:azure_karpenter', asOf: null,
    }, file, line);
  }
  return underived;
}
