import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { BUNDLE_FORMAT, decodeBundle, type BundleManifest } from '../../core/catalog/bundle.js';
import { createCatalog, type Catalog, type CatalogProblem } from '../../core/catalog/catalog.js';
import { GovError } from '../../core/errors.js';
import type { Offering } from '../../core/model/offering.js';

/** assets/catalog/ of this installation (the same relative place from src/ and dist/). */
export const BUNDLED_CATALOG_DIR = fileURLToPath(new URL('../../../assets/catalog/', import.meta.url));

const MANIFEST_FILE = 'manifest.json';

export interface BundledOfferings {
  readonly offerings: readonly Offering[];
  readonly manifest: BundleManifest;
  /** Rows refused, as `file:line: reason` (file is the bundle's name). */
  readonly problems: readonly CatalogProblem[];
}

function unavailable(message: string, cause?: unknown): GovError {
  return new GovError('GOV_CATALOG_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

function readManifest(dir: string): BundleManifest {
  const path = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw unavailable(`the bundled catalog's manifest ${path} cannot be read: ${(error as Error).message}`, error);
  }
  const m = raw as Partial<BundleManifest>;
  if (m.format !== BUNDLE_FORMAT) throw unavailable(`${path}: format ${JSON.stringify(m.format)} is not ${BUNDLE_FORMAT}`);
  if (typeof m.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(m.file)) throw unavailable(`${path}: "file" is not a plain file name`);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) throw unavailable(`${path}: "sha256" is not a hex SHA-256`);
  if (!Array.isArray(m.sources) || m.sources.some((s) => typeof s?.id !== 'string' || !(s.asOf === null || typeof s.asOf === 'string'))) {
    throw unavailable(`${path}: "sources" is not a list of { id, asOf }`);
  }
  return m as BundleManifest;
}

/**
 * Reads the bundled catalog in `dir` (default: this installation's assets/catalog/), without trusting it:
 * the manifest's format and the file's SHA-256 must match, and every row is checked again (a NaN, zero or
 * negative price, an unknown GPU name, a wrong column count … is refused and reported, never loaded).
 *
 * @throws GovError GOV_CATALOG_UNAVAILABLE when the manifest or file is missing, unreadable, not gzip, or
 *   does not match its SHA-256.
 */
export function readBundledOfferings(dir: string = BUNDLED_CATALOG_DIR): BundledOfferings {
  const manifest = readManifest(dir);
  const path = join(dir, manifest.file);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw unavailable(`the bundled catalog ${path} cannot be read: ${(error as Error).message}`, error);
  }
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== manifest.sha256) {
    throw unavailable(`the bundled catalog ${path} does not match the SHA-256 in its manifest (file ${sha}, manifest ${manifest.sha256}); rebuild it with npm run catalog:build or reinstall`);
  }
  let text: string;
  try {
    text = gunzipSync(data).toString('utf8');
  } catch (error) {
    throw unavailable(`the bundled catalog ${path} is not gzip data: ${(error as Error).message}`, error);
  }
  const sources = new Map(manifest.sources.map((s) => [s.id, s.asOf]));
  const decoded = decodeBundle(text, sources);
  return {
    offerings: decoded.offerings,
    manifest,
    problems: decoded.problems.map((p) => ({ file: manifest.file, line: p.line, reason: p.reason })),
  };
}

export interface BundledCatalog {
  readonly catalog: Catalog;
  readonly manifest: BundleManifest;
  readonly problems: readonly CatalogProblem[];
}

/** {@link readBundledOfferings}, then a catalog of them (duplicates are refused and reported too). */
export function loadBundledCatalog(dir: string = BUNDLED_CATALOG_DIR): BundledCatalog {
  const read = readBundledOfferings(dir);
  const { catalog, rejected } = createCatalog(read.offerings, { checked: true });
  return {
    catalog,
    manifest: read.manifest,
    problems: [...read.problems, ...rejected.map((r) => ({ file: read.manifest.file, line: null, reason: `${r.id}: ${r.reason}` }))],
  };
}
