import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLE_FORMAT, encodeBundle, type BundleManifest, type BundleSource } from '../../core/catalog/bundle.js';
import { byPriceThenId, type CatalogProblem } from '../../core/catalog/catalog.js';
import type { Offering } from '../../core/model/offering.js';
import { AWS_FILES, readAws } from './sources/aws.js';
import { AZURE_FILES, readAzure, type UnderivedSizes } from './sources/azure.js';
import { SourceCollector } from './sources/collect.js';
import { DO_FILES, readDigitalOcean } from './sources/digitalocean.js';
import { GCP_FILES, gcpAsOf, readGcp } from './sources/gcp.js';

/**
 * Builds the bundled catalog (assets/catalog/) from the Apache-2.0 and MIT price files, and only those
 * (docs/catalog.md, "Regenerating"). Run by scripts/catalog/build-catalog.mjs (`npm run catalog:build`); the
 * product never runs it and never reads the data directory at run time.
 */

/** The bundled file's name, beside manifest.json. */
export const BUNDLE_FILE = 'offerings.csv.gz';
export const MANIFEST_FILE = 'manifest.json';

/** The sources: where each came from (data/README.md of the shared data set), its licence and date. */
export function bundleSources(dataDir: string): BundleSource[] {
  return [
    {
      id: 'aws_karpenter', title: 'EC2 instance types (specs) and us-east-1 on-demand prices',
      origin: 'github.com/aws/karpenter-provider-aws @ 1d927085 (generated pricing and instance-type reference)',
      licence: 'Apache-2.0', asOf: '2026-07', files: [AWS_FILES.specs, AWS_FILES.usEast1],
    },
    {
      id: 'aws_vantage_gpu', title: 'EC2 GPU instance prices by region: on-demand, spot, reserved 1y/3y (ec2instances.info slice)',
      origin: 'github.com/tsaol/aws-gpu @ 2d0108c7, data/gpu_instances_raw.json',
      licence: 'MIT', asOf: '2025-11', files: [AWS_FILES.gpuByRegion],
    },
    {
      id: 'azure_karpenter', title: 'Azure Linux on-demand prices by region and SKU',
      origin: 'github.com/Azure/karpenter-provider-azure @ 352646f5 (generated pricing)',
      licence: 'Apache-2.0', asOf: '2026-06', files: [AZURE_FILES.prices],
    },
    {
      id: 'gcp_cyclenerd', title: 'GCP machine types by region: on-demand, spot, committed use 1y/3y (GPUs included)',
      origin: 'github.com/Cyclenerd/google-cloud-pricing-cost-calculator @ fd66b26f (pricing.yml)',
      licence: 'Apache-2.0', asOf: gcpAsOf(dataDir) ?? '2026-07', files: [GCP_FILES.prices],
    },
    {
      id: 'do_skypilot', title: 'DigitalOcean droplets (SkyPilot catalog v6)',
      origin: 'github.com/skypilot-org/skypilot-catalog @ 1fbe7331, catalogs/v6/do/vms.csv',
      licence: 'Apache-2.0', asOf: null, files: [DO_FILES.vms],
    },
  ];
}

export interface BuildResult {
  /** In catalog order (price, then id): the order the file holds them in. */
  readonly offerings: readonly Offering[];
  readonly sources: readonly BundleSource[];
  /** Bad rows, each with file and line, left out. */
  readonly problems: readonly CatalogProblem[];
  /** Whole files that could not be used (missing, missing columns). The build should not be shipped. */
  readonly fatal: readonly CatalogProblem[];
  /** Reason → rows (or prices) left out. */
  readonly skipped: ReadonlyMap<string, number>;
  /** Azure SKUs whose specs could not be derived. */
  readonly underivedAzure: UnderivedSizes;
}

/** Reads every source under `dataDir` (the shared data set's `pricing/` folder). */
export function buildCatalog(dataDir: string): BuildResult {
  const out = new SourceCollector();
  readAws(dataDir, out);
  const underivedAzure = readAzure(dataDir, out);
  readGcp(dataDir, out);
  readDigitalOcean(dataDir, out);
  // Written in catalog order (cheapest first, then id), so loading it sorts in one pass.
  const offerings = [...out.offerings].sort(byPriceThenId);
  return { offerings, sources: bundleSources(dataDir), problems: out.problems, fatal: out.fatal, skipped: out.skipped, underivedAzure };
}

/** The compressed file and its manifest, as bytes (deterministic: same input, same bytes). */
export function packBundle(offerings: readonly Offering[], sources: readonly BundleSource[]): { data: Buffer; manifest: BundleManifest } {
  const data = gzipSync(Buffer.from(encodeBundle(offerings), 'utf8'), { level: 9 });
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    file: BUNDLE_FILE,
    sha256: createHash('sha256').update(data).digest('hex'),
    offerings: offerings.length,
    sources,
  };
  return { data, manifest };
}

/** Writes `offerings.csv.gz` and `manifest.json` into `dir`. */
export function writeBundle(dir: string, offerings: readonly Offering[], sources: readonly BundleSource[]): BundleManifest {
  const { data, manifest } = packBundle(offerings, sources);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, BUNDLE_FILE), data);
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
