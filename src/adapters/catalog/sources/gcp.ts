import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { offeringId } from '../../../core/catalog/catalog.js';
import { normalizeGpuModel } from '../../../core/catalog/gpu.js';
import { roundPrice } from '../../../core/catalog/bundle.js';
import type { GpuSpec } from '../../../core/model/node.js';
import type { PurchaseOption, ReservationTerm } from '../../../core/model/offering.js';
import { checkPrice, numberCell, priceCell, readCsv, type SourceCollector } from './collect.js';

export const GCP_FILES = {
  prices: 'gcp_cyclenerd/gcp_instance_prices_flat.csv',
  pricingYml: 'gcp_cyclenerd/pricing.yml',
} as const;

/** The source's monthly prices are hourly × 730 (its convention, checked on its on-demand columns). */
export const GCP_HOURS_PER_MONTH = 730;

/**
 * The source's own GPU names that the general table cannot read: Cyclenerd calls the G4's NVIDIA RTX PRO 6000
 * Blackwell `rtx6000`, which elsewhere would mean the older Quadro RTX 6000.
 */
const GCP_GPU_NAMES: Readonly<Record<string, string>> = { rtx6000: 'RTX-PRO-6000' };

/** When the source's prices were generated (pricing.yml's `generated:` line), as an ISO date, or null. */
export function gcpAsOf(dataDir: string): string | null {
  let head: string;
  try {
    head = readFileSync(join(dataDir, GCP_FILES.pricingYml), 'utf8').slice(0, 4096);
  } catch {
    return null;
  }
  const match = /^\s*timestamp:\s*([0-9]{9,11})\s*$/m.exec(head);
  if (match === null) return null;
  return new Date(Number(match[1]) * 1000).toISOString().slice(0, 10);
}

/**
 * GCP, from Cyclenerd's google-cloud-pricing-cost-calculator (Apache-2.0): machine types × regions with
 * on-demand, spot and 1-/3-year committed-use prices. Its prices INCLUDE the attached GPUs (unlike
 * SkyPilot-format catalogs, where an accelerator is a separate row added to its host's price), so a GPU
 * machine type is one offering. Committed-use prices are monthly in the source and divided by 730 here.
 * A type with a fractional GPU share (G4 sizes with ⅛–½ of a GPU) is left out and counted: the catalog's GPU
 * counts are whole GPUs. This source has no H200 (A3 Ultra) or B200 (A4) prices.
 */
export function readGcp(dataDir: string, out: SourceCollector): void {
  const file = GCP_FILES.prices;
  const rows = readCsv(dataDir, file, out, {
    required: ['machine_type', 'vcpu', 'memory_gb', 'gpu_type', 'gpu_count', 'region', 'ondemand_usd_per_hour', 'spot_usd_per_hour', 'cud_1y_usd_per_month', 'cud_3y_usd_per_month'],
  });
  for (const { line, cells } of rows) {
    const type = cells.machine_type ?? '';
    const region = cells.region ?? '';
    if (!/^[a-z]+-[a-z]+[0-9]+$/.test(region)) {
      out.bad(file, line, 'region not recognised', JSON.stringify(region));
      continue;
    }
    const vcpus = numberCell(cells.vcpu);
    const memoryGiB = numberCell(cells.memory_gb);
    if (!(vcpus > 0) || !(memoryGiB > 0)) {
      out.bad(file, line, 'specs are not numbers above 0', `vCPUs ${cells.vcpu}, memory ${cells.memory_gb}`);
      continue;
    }
    let gpu: GpuSpec | null = null;
    const gpuType = cells.gpu_type ?? '';
    if (gpuType !== '') {
      const model = normalizeGpuModel(GCP_GPU_NAMES[gpuType] ?? gpuType);
      if (model === null) {
        out.bad(file, line, 'unknown GPU name', JSON.stringify(gpuType));
        continue;
      }
      const count = numberCell(cells.gpu_count);
      if (!(count > 0)) {
        out.bad(file, line, 'GPU count is not a number above 0', JSON.stringify(cells.gpu_count));
        continue;
      }
      if (!Number.isInteger(count)) {
        out.skip('gcp: fractional GPU share (G4 sizes with part of a GPU)');
        continue;
      }
      gpu = { model, count };
    }
    const emit = (purchase: PurchaseOption, term: ReservationTerm | null, price: number) => {
      const base = { provider: 'gcp', region, zone: null, instanceType: type, purchase, term };
      out.add({ id: offeringId(base), ...base, vcpus, memoryGiB, gpu, pricePerHour: roundPrice(price), available: null, source: 'bundled:gcp_cyclenerd', asOf: null }, file, line);
    };
    const onDemand = checkPrice(out, file, line, 'ondemand_usd_per_hour', priceCell(cells.ondemand_usd_per_hour), 'gcp: no on-demand price in the region');
    if (onDemand !== null) emit('on-demand', null, onDemand);
    const spot = checkPrice(out, file, line, 'spot_usd_per_hour', priceCell(cells.spot_usd_per_hour), 'gcp: no spot price in the region');
    if (spot !== null) emit('spot', null, spot);
    const cud1 = checkPrice(out, file, line, 'cud_1y_usd_per_month', priceCell(cells.cud_1y_usd_per_month), 'gcp: no 1-year committed-use price in the region');
    if (cud1 !== null) emit('reserved', '1y', cud1 / GCP_HOURS_PER_MONTH);
    const cud3 = checkPrice(out, file, line, 'cud_3y_usd_per_month', priceCell(cells.cud_3y_usd_per_month), 'gcp: no 3-year committed-use price in the region');
    if (cud3 !== null) emit('reserved', '3y', cud3 / GCP_HOURS_PER_MONTH);
  }
}
