import { stringify } from 'smol-toml';
import { MASK, maskUrlPassword } from '../core/secrets.js';
import type { TSchema } from '@sinclair/typebox';
import { configLeaves, type ConfigLeaf } from './keys.js';
import { holdsSecret, maskSecretsWithin } from './providers.js';
import { formatSource, type LoadedConfig } from './types.js';

export { MASK, maskUrlPassword };

/** Secret keys holding URLs: everything but the password stays readable (host and database help debugging). */
const URL_SECRET_KEYS: ReadonlySet<string> = new Set(['database.url']);

/** `value` as it may be shown for `key`: secrets masked, anything else unchanged; undefined stays undefined. */
export function maskValue(leaf: Pick<ConfigLeaf, 'key' | 'secret'> & { readonly schema?: TSchema }, value: unknown): unknown {
  if (value === undefined) return value;
  // A table list such as [[providers]] is not secret as a whole, but fields inside its entries may be.
  if (!leaf.secret) return leaf.schema !== undefined && holdsSecret(leaf.schema) ? maskSecretsWithin(leaf.schema, value, MASK) : value;
  if (URL_SECRET_KEYS.has(leaf.key) && typeof value === 'string') return maskUrlPassword(value);
  return MASK;
}

function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
}

/** The effective configuration as a plain (unfrozen) object with every secret masked; safe to print or log. */
export function maskedConfig(loaded: LoadedConfig): Record<string, unknown> {
  const copy = structuredClone(loaded.config) as unknown as Record<string, unknown>;
  for (const leaf of configLeaves()) {
    const value = getPath(copy, leaf.path);
    if (value !== undefined && (leaf.secret || holdsSecret(leaf.schema))) setPath(copy, leaf.path, maskValue(leaf, value));
  }
  return copy;
}

/** One row of `governator config print --sources`. */
export interface ConfigRow {
  readonly key: string;
  /** Masked when the key is secret; undefined when the key is unset. */
  readonly value: unknown;
  /** formatSource() of where it came from, e.g. `env GOVERNATOR_PORT`. */
  readonly source: string;
}

/** A row for every leaf key, in schema order, with masked values and their source. */
export function describeConfig(loaded: LoadedConfig): ConfigRow[] {
  return configLeaves().map((leaf) => ({
    key: leaf.key,
    value: maskValue(leaf, getPath(loaded.config, leaf.path)),
    source: formatSource(loaded.sources.get(leaf.key) ?? { kind: 'default' }),
  }));
}

/** TOML text for a configuration object (pass {@link maskedConfig}'s result, never the raw config). */
export function renderToml(config: object): string {
  return stringify(config);
}
