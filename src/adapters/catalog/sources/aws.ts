import { offeringId } from '../../../core/catalog/catalog.js';
import { normalizeGpuModel } from '../../../core/catalog/gpu.js';
import { roundPrice } from '../../../core/catalog/bundle.js';
import type { GpuSpec } from '../../../core/model/node.js';
import type { PurchaseOption, ReservationTerm } from '../../../core/model/offering.js';
import { checkPrice, numberCell, priceCell, readCsv, type SourceCollector } from './collect.js';

/** Files, relative to the pricing data directory. */
export const AWS_FILES = {
  specs: 'aws_karpenter/aws_instance_types_specs_and_us_east_1_ondemand.csv',
  usEast1: 'aws_karpenter/aws_ondemand_prices_us_east_1.csv',
  gpuByRegion: 'aws_vantage_gpu/aws_gpu_instance_prices_by_region.csv',
} as const;

interface Specs {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpu: GpuSpec | null;
}

/** `us-east-1` → region us-east-1; a Local or Wavelength Zone (`us-east-1-atl-1`, `us-west-2-wl1-den1`) → its parent region and the zone. */
export function awsLocation(name: string): { region: string; zone: string | null } | null {
  const match = /^([a-z]{2}(?:-gov)?-[a-z]+-[0-9]+)(-[a-z0-9-]+)?$/.exec(name);
  if (match === null) return null;
  return { region: match[1] as string, zone: match[2] === undefined ? null : name };
}

/** A type sold with part of a GPU (g6f: ⅛ to ½ of an L4): the catalog counts whole GPUs, so it is left out. */
const FRACTIONAL = 'fractional';
const FRACTIONAL_REASON = 'aws: fractional GPU share (g6f, gr6f: part of an L4)';

function specsFrom(
  out: SourceCollector, file: string, line: number,
  vcpus: number, memoryGiB: number, gpuName: string, gpuCount: string, gpuMemoryGiB: number | undefined,
): Specs | typeof FRACTIONAL | null {
  if (!(vcpus > 0) || !(memoryGiB > 0)) {
    out.bad(file, line, 'specs are not numbers above 0', `vCPUs ${vcpus}, memory ${memoryGiB} GiB`);
    return null;
  }
  if (gpuName === '') return { vcpus, memoryGiB, gpu: null };
  const model = normalizeGpuModel(gpuName, gpuMemoryGiB === undefined ? {} : { memoryGiB: gpuMemoryGiB });
  if (model === null) {
    out.bad(file, line, 'unknown GPU name', JSON.stringify(gpuName));
    return null;
  }
  const count = numberCell(gpuCount);
  // Karpenter rounds a fractional share down to 0; the by-region file writes it as 0.125 … 0.5.
  if (count >= 0 && count < 1) return FRACTIONAL;
  if (!Number.isInteger(count) || count < 1) {
    out.bad(file, line, 'GPU count is not a whole number of at least 1', JSON.stringify(gpuCount));
    return null;
  }
  return { vcpus, memoryGiB, gpu: { model, count } };
}

/**
 * AWS, from two Apache/MIT sources: Karpenter's generated instance-type reference (every EC2 type's specs and
 * its us-east-1 on-demand price) and a by-region slice of ec2instances.info for GPU types (on-demand, spot,
 * reserved 1y/3y in every listed region).
 *
 * Conventions handled: memory in MiB (Karpenter) or GiB (by-region file); a GPU's memory decides between A100
 * and A100-80GB; Inferentia/Trainium/Qualcomm accelerators are listed as accelerators; spot is the average
 * spot price; reserved is the standard no-upfront effective hourly rate; Local and Wavelength Zones
 * (`us-east-1-atl-1`) are zones of their parent region. Karpenter's specs win over the by-region file's for
 * the same type, and its newer us-east-1 on-demand price wins over the by-region file's.
 */
export function readAws(dataDir: string, out: SourceCollector): void {
  const specs = new Map<string, Specs>();
  const fractional = new Set<string>();
  const usEast1 = new Map<string, { price: number; file: string; line: number }>();

  const specRows = readCsv(dataDir, AWS_FILES.specs, out, {
    required: ['instance_type', 'vcpu', 'memory_mib', 'gpu_name', 'gpu_count', 'gpu_memory_mib_per_gpu', 'accelerator_name', 'accelerator_count', 'ondemand_usd_per_hour_us_east_1'],
  });
  for (const { line, cells } of specRows) {
    const type = cells.instance_type ?? '';
    const accelerator = cells.gpu_name === '' && cells.accelerator_name !== '';
    const gpuMemoryMib = numberCell(cells.gpu_memory_mib_per_gpu);
    const s = specsFrom(out, AWS_FILES.specs, line, numberCell(cells.vcpu), numberCell(cells.memory_mib) / 1024,
      accelerator ? cells.accelerator_name ?? '' : cells.gpu_name ?? '', accelerator ? cells.accelerator_count ?? '' : cells.gpu_count ?? '',
      Number.isFinite(gpuMemoryMib) ? gpuMemoryMib / 1024 : undefined);
    if (s === FRACTIONAL) {
      fractional.add(type);
      out.skip(FRACTIONAL_REASON);
      continue;
    }
    if (s === null) continue;
    specs.set(type, s);
    const price = checkPrice(out, AWS_FILES.specs, line, 'ondemand_usd_per_hour_us_east_1', priceCell(cells.ondemand_usd_per_hour_us_east_1), 'aws: no us-east-1 on-demand price for the type');
    if (price !== null) usEast1.set(type, { price, file: AWS_FILES.specs, line });
  }

  // The on-demand price list names a few older types the reference lacks (p3, g3 …): they join the by-region file's specs.
  const priceRows = readCsv(dataDir, AWS_FILES.usEast1, out, { required: ['region', 'instance_type', 'ondemand_usd_per_hour'] });
  const priceOnly = new Map<string, { price: number; line: number }>();
  for (const { line, cells } of priceRows) {
    if (cells.region !== 'us-east-1') {
      out.bad(AWS_FILES.usEast1, line, 'unexpected region', JSON.stringify(cells.region));
      continue;
    }
    const type = cells.instance_type ?? '';
    if (usEast1.has(type) || fractional.has(type)) continue; // the same price, read with the specs (or left out)
    const price = checkPrice(out, AWS_FILES.usEast1, line, 'ondemand_usd_per_hour', priceCell(cells.ondemand_usd_per_hour), 'aws: no us-east-1 on-demand price for the type');
    if (price !== null) priceOnly.set(type, { price, line });
  }

  const gpuRows = readCsv(dataDir, AWS_FILES.gpuByRegion, out, {
    required: ['instance_type', 'gpu_model', 'gpu_count', 'gpu_memory_gib_total', 'vcpu', 'memory_gib', 'region', 'linux_ondemand_usd_per_hour',
      'spot_avg_usd_per_hour', 'reserved_1y_std_no_upfront_usd_per_hour', 'reserved_3y_std_no_upfront_usd_per_hour'],
  });
  // Specs of types only the by-region file describes (first row of each type).
  for (const { line, cells } of gpuRows) {
    const type = cells.instance_type ?? '';
    if (specs.has(type) || fractional.has(type)) continue;
    const count = numberCell(cells.gpu_count);
    const total = numberCell(cells.gpu_memory_gib_total);
    const s = specsFrom(out, AWS_FILES.gpuByRegion, line, numberCell(cells.vcpu), numberCell(cells.memory_gib), cells.gpu_model ?? '', cells.gpu_count ?? '',
      count > 0 && total > 0 ? total / count : undefined);
    if (s === FRACTIONAL) fractional.add(type);
    else if (s !== null) specs.set(type, s);
  }

  const emit = (type: string, region: string, zone: string | null, purchase: PurchaseOption, term: ReservationTerm | null, price: number,
    source: string, file: string, line: number) => {
    const s = specs.get(type);
    if (s === undefined) {
      out.skip('aws: no specs (vCPUs, memory) for the type in either source');
      return;
    }
    const base = { provider: 'aws', region, zone, instanceType: type, purchase, term };
    out.add({ id: offeringId(base), ...base, vcpus: s.vcpus, memoryGiB: s.memoryGiB, gpu: s.gpu, pricePerHour: roundPrice(price), available: null, source: `bundled:${source}`, asOf: null }, file, line);
  };

  for (const [type, { price, file, line }] of usEast1) emit(type, 'us-east-1', null, 'on-demand', null, price, 'aws_karpenter', file, line);
  for (const [type, { price, line }] of priceOnly) emit(type, 'us-east-1', null, 'on-demand', null, price, 'aws_karpenter', AWS_FILES.usEast1, line);

  for (const { line, cells } of gpuRows) {
    const type = cells.instance_type ?? '';
    if (fractional.has(type)) {
      out.skip(FRACTIONAL_REASON);
      continue;
    }
    if (!specs.has(type)) {
      out.skip('aws: no specs (vCPUs, memory) for the type in either source');
      continue;
    }
    const location = awsLocation(cells.region ?? '');
    if (location === null) {
      out.bad(AWS_FILES.gpuByRegion, line, 'region not recognised', JSON.stringify(cells.region));
      continue;
    }
    const { region, zone } = location;
    const file = AWS_FILES.gpuByRegion;
    const onDemand = checkPrice(out, file, line, 'linux_ondemand_usd_per_hour', priceCell(cells.linux_ondemand_usd_per_hour), 'aws: no on-demand price in the region');
    if (onDemand !== null) {
      if (region === 'us-east-1' && zone === null && (usEast1.has(type) || priceOnly.has(type))) out.skip('aws: us-east-1 on-demand price superseded by the newer Karpenter list');
      else emit(type, region, zone, 'on-demand', null, onDemand, 'aws_vantage_gpu', file, line);
    }
    const spot = checkPrice(out, file, line, 'spot_avg_usd_per_hour', priceCell(cells.spot_avg_usd_per_hour), 'aws: no spot price in the region');
    if (spot !== null) emit(type, region, zone, 'spot', null, spot, 'aws_vantage_gpu', file, line);
    const r1 = checkPrice(out, file, line, 'reserved_1y_std_no_upfront_usd_per_hour', priceCell(cells.reserved_1y_std_no_upfront_usd_per_hour), 'aws: no 1-year reserved price in the region');
    if (r1 !== null) emit(type, region, zone, 'reserved', '1y', r1, 'aws_vantage_gpu', file, line);
    const r3 = checkPrice(out, file, line, 'reserved_3y_std_no_upfront_usd_per_hour', priceCell(cells.reserved_3y_std_no_upfront_usd_per_hour), 'aws: no 3-year reserved price in the region');
    if (r3 !== null) emit(type, region, zone, 'reserved', '3y', r3, 'aws_vantage_gpu', file, line);
  }
}
