#!/usr/bin/env node
// Live-pricing benchmark (docs/benchmarks.md, "Live price sources"): how long the CPU side of a price refresh
// takes, without any network.
//
//   npm run build && node bench/pricing.mjs [--offerings 50000] [--quotes 25000] [--runs 15] [--json]
//
// 1. overlay: applyQuotes (src/core/pricing/overlay.ts) of --quotes live quotes onto --offerings offerings
//    (70% exact matches, 20% zonal spot quotes folded into region-level offerings, 5% derived from a known
//    shape, 5% unknown types), median of --runs runs.
// 2. refresher recompute: PriceRefresher.refresh() of one source whose snapshot is the same --quotes quotes
//    over the same catalog (overlay + change detection + history rows into an in-memory repository).
// 3. AWS GetProducts parsing: 20 pages × 100 PriceList entries (JSON strings like the real API's) through the
//    aws-pricing adapter with a stub client (no SDK network stack), entries per second.
// 4. Azure Retail parsing: 20 pages × 1,000 items through the azure-retail adapter over undici's MockAgent.
import { parseArgs } from 'node:util';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { MockAgent } from 'undici';
import { applyQuotes } from '../dist/core/pricing/overlay.js';
import { PriceRefresher } from '../dist/app/price-refresher.js';
import { FakeClock } from '../dist/adapters/clock/fake.js';
import { ManualScheduler } from '../dist/adapters/clock/manual-scheduler.js';
import { FakePriceSource } from '../dist/adapters/pricing/fake.js';
import { createAwsListPriceSource } from '../dist/adapters/pricing/aws/list.js';
import { createAzureRetailPriceSource } from '../dist/adapters/pricing/azure/retail.js';

const { values: args } = parseArgs({
  options: {
    offerings: { type: 'string', default: '50000' },
    quotes: { type: 'string', default: '25000' },
    runs: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const N_OFFERINGS = Number(args.offerings);
const N_QUOTES = Number(args.quotes);
const RUNS = Number(args.runs);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function time(fn, runs = RUNS) {
  await fn(); // warm-up
  const ms = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
}

// --------------------------------------------------------------------------------------- the catalog
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-1', 'sa-east-1', 'ca-central-1', 'eu-north-1'];
const PURCHASES = [['on-demand', null], ['spot', null], ['reserved', '1y'], ['reserved', '3y'], ['reserved', '1y']];
const offerings = [];
for (let i = 0; offerings.length < N_OFFERINGS; i += 1) {
  const region = REGIONS[i % REGIONS.length];
  const instanceType = `t${Math.floor(i / REGIONS.length / 4)}.x${i % 4}`;
  const [purchase, term] = PURCHASES[Math.floor(i / REGIONS.length) % 4];
  const id = ['aws', region, instanceType, purchase, term].filter(Boolean).join(':');
  offerings.push({ id, provider: 'aws', region, zone: null, instanceType, vcpus: 4, memoryGiB: 16, gpu: null, purchase, term,
    pricePerHour: 1 + (i % 97) / 100, available: null, source: 'bundled:bench', asOf: '2025-11-01T00:00:00.000Z' });
}
const quotes = [];
for (let i = 0; quotes.length < N_QUOTES; i += 1) {
  const o = offerings[(i * 7919) % offerings.length];
  const kind = i % 20;
  const base = { provider: 'aws', region: o.region, zone: null, instanceType: o.instanceType, purchase: o.purchase, term: o.term,
    pricePerHour: o.pricePerHour * (kind % 2 ? 1 : 0.97), asOf: '2026-01-01T00:00:00.000Z' };
  if (kind < 14) quotes.push(base);
  else if (kind < 18) quotes.push({ ...base, purchase: 'spot', term: null, zone: `${o.region}${'abcd'[kind % 4]}` });
  else if (kind === 18) quotes.push({ ...base, region: 'me-south-1' });
  else quotes.push({ ...base, instanceType: `unknown.${i}` });
}

const overlay = await time(() => applyQuotes(offerings, quotes, { source: 'live:bench' }));
const sample = applyQuotes(offerings, quotes, { source: 'live:bench' });

// ------------------------------------------------------------------------------ refresher recompute
const clock = new FakeClock('2026-01-01T00:00:00.000Z');
const rows = { n: 0 };
const history = { append: async (r) => { rows.n += r.length; }, list: async () => [] };
let flip = false;
const source = new FakePriceSource({ name: 'bench', kind: 'list' });
const other = quotes.map((q) => ({ ...q, pricePerHour: q.pricePerHour * 1.01 }));
const refresher = new PriceRefresher({ sources: [source], clock, scheduler: new ManualScheduler(clock), initialOfferings: offerings, store: { costHistory: history } });
const recompute = await time(async () => {
  flip = !flip;
  source.answerNext({ quotes: flip ? quotes : other, errors: [] });
  const r = await refresher.refresh('bench');
  if (!r.ok) throw new Error(r.error.message);
});
await refresher.whenIdle();

// ------------------------------------------------------------------------------------- AWS parsing
function awsEntry(i) {
  const sku = `SKU${String(i).padStart(13, '0')}`;
  const dim = (code, price) => ({ [`${sku}.${code}.6YS6EN2CT7`]: { unit: 'Hrs', endRange: 'Inf', description: 'x', appliesTo: [], rateCode: `${sku}.${code}.6YS6EN2CT7`, beginRange: '0', pricePerUnit: { USD: price } } });
  return JSON.stringify({
    product: { productFamily: 'Compute Instance', sku, attributes: { instanceType: `b${i}.xlarge`, regionCode: 'us-east-1', location: 'US East (N. Virginia)', operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used', marketoption: 'OnDemand', vcpu: '4', memory: '16 GiB' } },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: { [`${sku}.JRTCKXETXF`]: { priceDimensions: dim('JRTCKXETXF', '0.1920000000'), sku, effectiveDate: '2025-11-01T00:00:00Z', offerTermCode: 'JRTCKXETXF', termAttributes: {} } },
      Reserved: Object.fromEntries([['4NA7Y494T4', '1yr', 'No Upfront'], ['BPH4J8HBKS', '3yr', 'No Upfront'], ['HU7G6KETJZ', '1yr', 'Partial Upfront'], ['38NPMPTW36', '3yr', 'Partial Upfront']]
        .map(([code, len, opt]) => [`${sku}.${code}`, { priceDimensions: dim(code, '0.1210000000'), sku, effectiveDate: '2025-10-01T00:00:00Z', offerTermCode: code, termAttributes: { LeaseContractLength: len, OfferingClass: 'standard', PurchaseOption: opt } }])),
    },
    version: '20251114001533', publicationDate: '2025-11-14T00:15:33Z',
  });
}
const AWS_PAGES = 20;
const awsPages = Array.from({ length: AWS_PAGES }, (_, p) => ({
  PriceList: Array.from({ length: 100 }, (_, i) => awsEntry(p * 100 + i)), NextToken: p < AWS_PAGES - 1 ? `t${p + 1}` : undefined,
}));
const stubPricing = { send: async (cmd) => awsPages[cmd.input.NextToken ? Number(cmd.input.NextToken.slice(1)) : 0] };
const aws = createAwsListPriceSource({ client: stubPricing, regions: ['us-east-1'] });
const awsTime = await time(() => aws.fetch({ signal: new AbortController().signal }));
const awsBytes = awsPages.reduce((n, p) => n + p.PriceList.reduce((m, e) => m + e.length, 0), 0);

// ----------------------------------------------------------------------------------- Azure parsing
const AZ_PAGES = 20;
const azItem = (i) => ({ currencyCode: 'USD', tierMinimumUnits: 0, retailPrice: 0.192 + (i % 50) / 1000, unitPrice: 0.192, armRegionName: 'eastus', location: 'US East',
  effectiveStartDate: '2024-01-01T00:00:00Z', meterId: `m-${i}`, meterName: i % 3 === 0 ? `D${i} v5 Spot` : `D${i} v5`, productId: 'DZH318Z0BQ4L', skuId: `DZH318Z0BQ4L/${i}`,
  productName: i % 5 === 0 ? 'Virtual Machines Dv5 Series Windows' : 'Virtual Machines Dv5 Series', skuName: `D${i} v5`, serviceName: 'Virtual Machines', serviceId: 'DZH313Z7MMC8',
  serviceFamily: 'Compute', unitOfMeasure: '1 Hour', type: i % 7 === 0 ? 'Reservation' : 'Consumption', ...(i % 7 === 0 ? { reservationTerm: '1 Year', retailPrice: 1059 } : {}),
  isPrimaryMeterRegion: true, armSkuName: `Standard_D${i}_v5` });
const azBodies = Array.from({ length: AZ_PAGES }, (_, p) => JSON.stringify({
  BillingCurrency: 'USD', CustomerEntityId: 'Default', CustomerEntityType: 'Retail', Count: 1000,
  Items: Array.from({ length: 1000 }, (_, i) => azItem(p * 1000 + i)),
  NextPageLink: p < AZ_PAGES - 1 ? `https://prices.azure.com:443/api/retail/prices?api-version=2023-01-01-preview&$skip=${(p + 1) * 1000}` : null,
}));
const agent = new MockAgent();
agent.disableNetConnect();
agent.get('https://prices.azure.com').intercept({ path: (p) => p.startsWith('/api/retail/prices'), method: 'GET' })
  .reply((opts) => {
    const skip = Number(new URL(`https://x${opts.path}`).searchParams.get('$skip') ?? 0);
    return { statusCode: 200, data: azBodies[skip / 1000], responseOptions: { headers: { 'content-type': 'application/json' } } };
  }).persist();
const azure = createAzureRetailPriceSource({ regions: ['eastus'], mode: 'list', dispatcher: agent });
const azTime = await time(() => azure.fetch({ signal: new AbortController().signal }), Math.min(RUNS, 10));
const azBytes = azBodies.reduce((n, b) => n + b.length, 0);
await agent.close();

const result = {
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  overlay: { offerings: N_OFFERINGS, quotes: N_QUOTES, changes: sample.changes.length, added: sample.added.length, unmatched: sample.unmatched.length, ...overlay },
  refresherRecompute: { historyRowsWritten: rows.n, ...recompute },
  awsGetProducts: { entries: AWS_PAGES * 100, bytes: awsBytes, ...awsTime, entriesPerSecond: Math.round((AWS_PAGES * 100) / (awsTime.medianMs / 1000)) },
  azureRetail: { items: AZ_PAGES * 1000, bytes: azBytes, ...azTime, itemsPerSecond: Math.round((AZ_PAGES * 1000) / (azTime.medianMs / 1000)) },
};
if (args.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const f = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`machine: ${result.machine.cpus} CPUs (${result.machine.model}), Node ${result.machine.node}`);
  console.log(`overlay: ${N_QUOTES} quotes onto ${N_OFFERINGS} offerings: median ${f(overlay.medianMs)} (min ${f(overlay.minMs)}, max ${f(overlay.maxMs)}); ${sample.changes.length} changes, ${sample.added.length} added, ${sample.unmatched.length} unmatched`);
  console.log(`refresher recompute (same sizes, alternating prices): median ${f(recompute.medianMs)} (min ${f(recompute.minMs)}, max ${f(recompute.maxMs)})`);
  console.log(`aws-pricing parse: ${AWS_PAGES * 100} PriceList entries (${(awsBytes / 1e6).toFixed(1)} MB of JSON text): median ${f(awsTime.medianMs)}, ${result.awsGetProducts.entriesPerSecond} entries/s`);
  console.log(`azure-retail: ${AZ_PAGES} pages × 1000 items (${(azBytes / 1e6).toFixed(1)} MB) over MockAgent: median ${f(azTime.medianMs)}, ${result.azureRetail.itemsPerSecond} items/s`);
}
