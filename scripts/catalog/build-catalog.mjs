#!/usr/bin/env node
// Builds the bundled price catalog (assets/catalog/offerings.csv.gz + manifest.json) from the Apache-2.0 and
// MIT price files of the shared data set. See docs/catalog.md, "Regenerating the bundled catalog".
//
//   npm run catalog:build                     # builds dist/, then runs this file with the defaults below
//   node scripts/catalog/build-catalog.mjs [--data-dir ../shared/data/pricing] [--out assets/catalog] [--check] [--verbose]
//
// --check   build in memory and compare with the files in --out; exit 1 when they differ (nothing is written).
// --verbose print every bad row (default: the first 20, then a count).
// Exit codes: 0 built (or up to date); 1 a source file is missing or unusable, or --check found a difference.
// The conversion code is the project's own (dist/adapters/catalog/), so normalisation is not duplicated here.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_MODULE = join(ROOT, 'dist', 'adapters', 'catalog', 'build.js');
const CORE_MODULE = join(ROOT, 'dist', 'core', 'catalog', 'index.js');

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: resolve(ROOT, '..', 'shared', 'data', 'pricing') },
    out: { type: 'string', default: join(ROOT, 'assets', 'catalog') },
    check: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

if (!existsSync(BUILD_MODULE)) {
  console.error(`error: ${BUILD_MODULE} is missing; run npm run build first (npm run catalog:build does both)`);
  process.exit(1);
}
const { buildCatalog, packBundle, writeBundle, BUNDLE_FILE, MANIFEST_FILE } = await import(BUILD_MODULE);
const { catalogStats, createCatalog } = await import(CORE_MODULE);

const dataDir = resolve(values['data-dir']);
const outDir = resolve(values.out);
const started = process.hrtime.bigint();
const result = buildCatalog(dataDir);
const ms = Number(process.hrtime.bigint() - started) / 1e6;

console.log(`read ${dataDir} in ${ms.toFixed(0)} ms`);
if (result.fatal.length > 0) {
  for (const p of result.fatal) console.error(`error: ${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.reason}`);
  console.error('a source could not be used: nothing written');
  process.exit(1);
}

const shown = values.verbose ? result.problems : result.problems.slice(0, 20);
for (const p of shown) console.warn(`warning: ${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.reason} (row skipped)`);
if (shown.length < result.problems.length) console.warn(`warning: … and ${result.problems.length - shown.length} more bad rows (--verbose lists them all)`);

const { catalog } = createCatalog(result.offerings);
const stats = catalogStats(catalog);
console.log(`\n${stats.offerings} offerings`);
console.log('provider'.padEnd(14) + 'offerings'.padStart(10) + 'regions'.padStart(9) + 'types'.padStart(7) + 'gpu'.padStart(8) + '  by purchase');
for (const [provider, p] of Object.entries(stats.providers)) {
  const by = Object.entries(p.byPurchase).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(provider.padEnd(14) + String(p.offerings).padStart(10) + String(p.regions).padStart(9) + String(p.instanceTypes).padStart(7) + String(p.gpuOfferings).padStart(8) + `  ${by}`);
}
console.log(`\nGPU models: ${Object.entries(stats.gpuModels).map(([m, n]) => `${m} ${n}`).join(', ')}`);

console.log('\nrows or prices left out, by reason:');
for (const [reason, n] of [...result.skipped.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${reason}`);

const byReason = new Map();
for (const [sku, { reason }] of result.underivedAzure) {
  const list = byReason.get(reason) ?? [];
  list.push(sku);
  byReason.set(reason, list);
}
console.log(`\nAzure SKUs whose specs cannot be derived from the name: ${result.underivedAzure.size}`);
for (const [reason, skus] of [...byReason.entries()].sort((a, b) => b[1].length - a[1].length)) {
  const sample = values.verbose ? skus.join(' ') : `${skus.slice(0, 6).join(' ')}${skus.length > 6 ? ' …' : ''}`;
  console.log(`  ${String(skus.length).padStart(4)}  ${reason}: ${sample}`);
}

if (values.check) {
  const { data, manifest } = packBundle(result.offerings, result.sources);
  const file = join(outDir, BUNDLE_FILE);
  const same = existsSync(file) && readFileSync(file).equals(data)
    && existsSync(join(outDir, MANIFEST_FILE)) && readFileSync(join(outDir, MANIFEST_FILE), 'utf8') === `${JSON.stringify(manifest, null, 2)}\n`;
  console.log(same ? `\n${outDir} is up to date` : `\n${outDir} differs from a fresh build: run npm run catalog:build`);
  process.exit(same ? 0 : 1);
}
const manifest = writeBundle(outDir, result.offerings, result.sources);
const size = readFileSync(join(outDir, BUNDLE_FILE)).length;
console.log(`\nwrote ${join(outDir, BUNDLE_FILE)} (${(size / 1024).toFixed(0)} KiB, sha256 ${manifest.sha256.slice(0, 16)}…) and ${MANIFEST_FILE}`);
