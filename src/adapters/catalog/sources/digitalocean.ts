import { offeringId } from '../../../core/catalog/catalog.js';
import { normalizeGpuModel } from '../../../core/catalog/gpu.js';
import { roundPrice } from '../../../core/catalog/bundle.js';
import type { GpuSpec } from '../../../core/model/node.js';
import { checkPrice, numberCell, priceCell, readCsv, type SourceCollector } from './collect.js';

export const DO_FILES = { vms: 'skypilot_catalog_official/do_vms_v6.csv' } as const;

/**
 * DigitalOcean droplets from SkyPilot's official catalog (Apache-2.0), SkyPilot's vms.csv layout: one row per
 * type and region, GPUs in AcceleratorName/AcceleratorCount. DigitalOcean sells no spot capacity.
 */
export function readDigitalOcean(dataDir: string, out: SourceCollector): void {
  const file = DO_FILES.vms;
  const rows = readCsv(dataDir, file, out, { required: ['InstanceType', 'AcceleratorName', 'AcceleratorCount', 'vCPUs', 'MemoryGiB', 'Price', 'Region'] });
  for (const { line, cells } of rows) {
    const vcpus = numberCell(cells.vCPUs);
    const memoryGiB = numberCell(cells.MemoryGiB);
    if (!(vcpus > 0) || !(memoryGiB > 0)) {
      out.bad(file, line, 'specs are not numbers above 0', `vCPUs ${cells.vCPUs}, memory ${cells.MemoryGiB}`);
      continue;
    }
    let gpu: GpuSpec | null = null;
    if ((cells.AcceleratorName ?? '') !== '') {
      const model = normalizeGpuModel(cells.AcceleratorName ?? '');
      if (model === null) {
        out.bad(file, line, 'unknown GPU name', JSON.stringify(cells.AcceleratorName));
        continue;
      }
      const count = numberCell(cells.AcceleratorCount);
      if (!Number.isInteger(count) || count < 1) {
        out.bad(file, line, 'GPU count is not a whole number of at least 1', JSON.stringify(cells.AcceleratorCount));
        continue;
      }
      gpu = { model, count };
    }
    const region = cells.Region ?? '';
    if (!/^[a-z]+[0-9]+$/.test(region)) {
      out.bad(file, line, 'region not recognised', JSON.stringify(region));
      continue;
    }
    const price = checkPrice(out, file, line, 'Price', priceCell(cells.Price), 'digitalocean: no price');
    if (price === null) continue;
    const base = { provider: 'digitalocean', region, zone: null, instanceType: cells.InstanceType ?? '', purchase: 'on-demand' as const, term: null };
    out.add({ id: offeringId(base), ...base, vcpus, memoryGiB, gpu, pricePerHour: roundPrice(price), available: null, source: 'bundled:do_skypilot', asOf: null }, file, line);
  }
}
