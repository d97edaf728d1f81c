import type { Command } from 'commander';
import { loadCatalog, type LoadedCatalog } from '../../bootstrap/catalog.js';
import { cheapest } from '../../core/catalog/cheapest.js';
import { GovError } from '../../core/errors.js';
import {
  OFFERING_SORTS, parseCount, parseOfferingQuery, pricePerGpuHour, pricePerVcpuHour, queryOfferings, vocabularyOf,
  type FieldNames, type RawOfferingQuery,
} from '../../core/catalog/query.js';
import { catalogStats, purchaseKey } from '../../core/catalog/stats.js';
import { GPU_MODELS } from '../../core/catalog/gpu.js';
import { PURCHASE_OPTIONS, type Offering } from '../../core/model/offering.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

/** CLI flag for each filter, so errors name what the user typed. */
const FLAGS: FieldNames = {
  provider: '--provider', region: '--region', gpu: '--gpu', minGpus: '--min-gpus', minVcpus: '--min-vcpus',
  minMemory: '--min-memory', purchase: '--purchase', maxPrice: '--max-price', sort: '--sort',
};

interface FilterOptions {
  provider?: string;
  region?: string;
  gpu?: string;
  minGpus?: string;
  minVcpus?: string;
  minMemory?: string;
  purchase?: string;
  maxPrice?: string;
  json?: boolean;
}

function addFilterOptions(cmd: Command, options: { gpuCount: boolean }): Command {
  cmd
    .option('--provider <list>', 'providers, comma-separated (aws, azure, gcp, digitalocean, baremetal …)')
    .option('--region <list>', 'regions, comma-separated')
    .option('--gpu <model>', `GPU model: ${GPU_MODELS.slice(0, 8).join(', ')} … (aliases like nvidia-h100-80gb work; none = CPU-only)`);
  if (options.gpuCount) cmd.option('--min-gpus <n>', 'at least this many GPUs per node');
  return cmd
    .option('--min-vcpus <n>', 'at least this many vCPUs per node')
    .option('--min-memory <gib>', 'at least this much memory per node, GiB')
    .option('--purchase <list>', `purchase options, comma-separated: ${PURCHASE_OPTIONS.join(', ')}`)
    .option('--max-price <usd>', 'at most this price per node-hour')
    .option('--json', 'print JSON');
}

function raw(opts: FilterOptions): RawOfferingQuery {
  return {
    provider: opts.provider, region: opts.region, gpu: opts.gpu, minGpus: opts.minGpus, minVcpus: opts.minVcpus,
    minMemory: opts.minMemory, purchase: opts.purchase, maxPrice: opts.maxPrice,
  };
}

function load(cmd: Command): LoadedCatalog {
  const { config } = loadCommandConfig(cmd);
  return loadCatalog(config);
}

const money = (value: number | null): string => (value === null ? '-' : value >= 100 ? value.toFixed(2) : value >= 1 ? value.toFixed(3) : value.toFixed(4));
const gpuText = (o: Offering): string => (o.gpu === null ? '-' : `${o.gpu.count}x${o.gpu.model}`);

function offeringJson(o: Offering) {
  return { ...o, pricePerGpuHour: pricePerGpuHour(o), pricePerVcpuHour: pricePerVcpuHour(o) };
}

function printOfferings(offerings: readonly Offering[]): void {
  printTable(
    ['PROVIDER', 'REGION', 'ZONE', 'INSTANCE TYPE', 'VCPUS', 'MEM GIB', 'GPU', 'PURCHASE', '$/HOUR', '$/GPU-HOUR', '$/VCPU-HOUR'],
    offerings.map((o) => [
      o.provider, o.region, o.zone ?? '-', o.instanceType, String(o.vcpus), String(o.memoryGiB), gpuText(o), purchaseKey(o),
      money(o.pricePerHour), money(pricePerGpuHour(o)), money(pricePerVcpuHour(o)),
    ]),
  );
}

export function registerCatalog(program: Command): void {
  const catalog = program.command('catalog').description('the price catalog: bundled cloud prices plus owned hardware from [[catalog.owned]]');

  addFilterOptions(catalog.command('list'), { gpuCount: true })
    .description('list offerings, cheapest first, filtered')
    .option('--sort <order>', `${OFFERING_SORTS.join(', ')} (ascending)`, 'price')
    .option('--limit <n>', 'at most this many offerings', '50')
    .option('--offset <n>', 'skip this many matching offerings first', '0')
    .action((opts: FilterOptions & { sort: string; limit: string; offset: string }, cmd: Command) => {
      const limit = parseCount(opts.limit, '--limit', 1);
      const offset = parseCount(opts.offset, '--offset', 0);
      const loaded = load(cmd);
      const { filter, sort } = parseOfferingQuery({ ...raw(opts), sort: opts.sort }, vocabularyOf(loaded.catalog), FLAGS);
      const page = queryOfferings(loaded.catalog, filter, { sort, offset, limit });
      if (opts.json) {
        printJson({ offerings: page.offerings.map(offeringJson), total: page.total, nextOffset: page.nextOffset });
        return;
      }
      printOfferings(page.offerings);
      const shown = page.offerings.length === 0 ? 'no offering matches' : `offerings ${offset + 1}-${offset + page.offerings.length} of ${page.total}`;
      process.stderr.write(`${shown}${page.nextOffset === null ? '' : ` (next page: --offset ${page.nextOffset})`}\n`);
    });

  addFilterOptions(catalog.command('cheapest'), { gpuCount: false })
    .description('the cheapest offerings whose ONE node meets the requirements, with price per GPU-hour and per vCPU-hour')
    .option('--count <n>', 'at least this many GPUs (of --gpu) on one node', '1')
    .option('--limit <n>', 'how many to show', '10')
    .action((opts: FilterOptions & { count: string; limit: string }, cmd: Command) => {
      const limit = parseCount(opts.limit, '--limit', 1);
      const gpus = parseCount(opts.count, '--count', 1);
      if (opts.gpu === undefined && cmd.getOptionValueSource('count') === 'cli') {
        throw new GovError('GOV_VALIDATION', '--count counts GPUs of the --gpu model: give --gpu too (e.g. --gpu H100 --count 8)', {
          details: { errors: [{ field: '--count', message: 'expected --gpu with --count' }] },
        });
      }
      if (opts.gpu === undefined && opts.minVcpus === undefined && opts.minMemory === undefined) {
        throw new GovError('GOV_VALIDATION', 'catalog cheapest needs a requirement: --gpu (with --count), --min-vcpus or --min-memory', {
          details: { errors: [{ field: '--gpu', message: 'expected --gpu, --min-vcpus or --min-memory' }] },
        });
      }
      const loaded = load(cmd);
      const { filter } = parseOfferingQuery(raw(opts), vocabularyOf(loaded.catalog), FLAGS);
      if (filter.gpu === 'none') {
        throw new GovError('GOV_VALIDATION', '--gpu none is not a GPU requirement; leave --gpu out and use --min-vcpus / --min-memory', {
          details: { errors: [{ field: '--gpu', message: 'expected a GPU model' }] },
        });
      }
      const result = cheapest(loaded.catalog, {
        ...(filter.gpu !== undefined ? { gpu: filter.gpu, gpus } : {}),
        ...(filter.minVcpus !== undefined ? { minVcpus: filter.minVcpus } : {}),
        ...(filter.minMemoryGiB !== undefined ? { minMemoryGiB: filter.minMemoryGiB } : {}),
        ...(filter.providers !== undefined ? { providers: filter.providers } : {}),
        ...(filter.regions !== undefined ? { regions: filter.regions } : {}),
        ...(filter.purchase !== undefined ? { purchase: filter.purchase } : {}),
      }, limit);
      if (opts.json) {
        printJson({
          offerings: result.offerings.map((p) => ({ ...p.offering, pricePerGpuHour: p.pricePerGpuHour, pricePerVcpuHour: p.pricePerVcpuHour })),
          total: result.total,
        });
        return;
      }
      printOfferings(result.offerings.map((p) => p.offering));
      process.stderr.write(result.total === 0 ? 'no offering meets the requirements\n' : `${result.offerings.length} of ${result.total} offerings that meet the requirements\n`);
    });

  catalog.command('stats')
    .description('offerings per provider and purchase option, the sources and their dates')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const loaded = load(cmd);
      const stats = catalogStats(loaded.catalog);
      const sources = loaded.manifest.sources.map((s) => ({ id: s.id, licence: s.licence, asOf: s.asOf, origin: s.origin }));
      if (opts.json) {
        printJson({ ...stats, sources, refusedRows: loaded.problems.length });
        return;
      }
      const purchases = [...new Set(Object.values(stats.providers).flatMap((p) => Object.keys(p.byPurchase)))].sort();
      printTable(
        ['PROVIDER', 'OFFERINGS', 'REGIONS', 'TYPES', 'GPU OFFERINGS', ...purchases.map((k) => k.toUpperCase())],
        Object.entries(stats.providers).map(([name, p]) => [
          name, String(p.offerings), String(p.regions), String(p.instanceTypes), String(p.gpuOfferings), ...purchases.map((k) => String(p.byPurchase[k] ?? 0)),
        ]),
      );
      process.stdout.write(`total ${stats.offerings} offerings\n\n`);
      printTable(['SOURCE', 'LICENCE', 'AS OF', 'ORIGIN'], sources.map((s) => [s.id, s.licence, s.asOf ?? 'unknown', s.origin]));
      if (loaded.problems.length > 0) process.stderr.write(`${loaded.problems.length} bundled rows were refused and left out\n`);
    });
}
