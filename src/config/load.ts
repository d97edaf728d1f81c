import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KindGuard } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { parse, TomlError } from 'smol-toml';
import { GovError } from '../core/errors.js';
import { BOOLEAN_WORDS, coerceString } from './coerce.js';
import { MAX_TIMER_MS, tryParseDuration } from './duration.js';
import { hasReferences, interpolate } from './interpolate.js';
import {
  CONFIG_FILE_ENV, DURATION_PATTERN, ENV_PREFIX, FLAG_KEYS, configLeaves, describeExpected, envKeyMap, leafFor,
  type ConfigLeaf,
} from './keys.js';
import { MASK, maskValue } from './print.js';
import { ConfigSchema, type Config } from './schema.js';
import { suggestKey } from './suggest-key.js';
import { holdsSecret as schemaHoldsSecret, providerConfigProblems, schemaBelow } from './providers.js';
import { closest } from './suggest.js';
import { formatSource, type ConfigFlags, type ConfigSource, type LoadConfigOptions, type LoadedConfig } from './types.js';

export { parseDuration, tryParseDuration, MAX_TIMER_MS } from './duration.js';
export { configKeys, type ConfigKeyInfo } from './keys.js';
export { describeConfig, maskedConfig, maskUrlPassword, renderToml, type ConfigRow } from './print.js';
export { formatSource, type ConfigFlags, type ConfigSource, type LoadConfigOptions, type LoadedConfig } from './types.js';
export type { Config } from './schema.js';

/** The file read when neither --config nor GOVERNATOR_CONFIG names one (absent is fine). */
export const DEFAULT_CONFIG_FILE = 'governator.toml';

/** One entry of GOV_CONFIG_INVALID's `details.errors`. */
export interface ConfigProblem {
  /** Dotted key, with [i] for list items: `server.port`, `rbac.roles[1].name`. */
  readonly key: string;
  /** formatSource() of where the offending value came from. */
  readonly source: string;
  /** The whole line: key, source, the value (masked if secret) and what is expected. */
  readonly message: string;
}

type Segment = string | number;
type Table = Record<string, unknown>;

const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

function formatKey(path: readonly Segment[]): string {
  return path.reduce<string>((out, segment) =>
    typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`, '');
}

function getPath(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Sets a leaf, creating tables on the way; false when a value in the way is not a table (reported later). */
function setPath(root: Table, path: readonly string[], value: unknown): boolean {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment] ?? (node[segment] = {});
    if (!isTable(next)) return false;
    node = next;
  }
  node[path[path.length - 1] as string] = value;
  return true;
}

/** JSON-pointer path from TypeBox → segments, numbering the items of arrays. */
function pointerToPath(pointer: string, root: unknown): Segment[] {
  const out: Segment[] = [];
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: Segment = Array.isArray(node) && /^[0-9]+$/.test(part) ? Number(part) : part;
    out.push(segment);
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

function leafAt(path: readonly Segment[]): ConfigLeaf | undefined {
  return configLeaves().find((leaf) => leaf.path.every((segment, i) => path[i] === segment));
}

/** A value as quoted in an error message; never throws (TOML may hand us bigints and dates). */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  let json: string;
  try {
    json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    json = String(value);
  }
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** `value` found at `path`, quoted, with anything that is or may hold a secret masked. */
function showAt(path: readonly Segment[], value: unknown): string {
  const leaf = leafAt(path);
  if (leaf !== undefined && path.length > leaf.path.length) {
    // Inside a table list ([[providers]]): mask when the field there is, or holds, a secret.
    const below = schemaBelow(leaf.schema, path.slice(leaf.path.length));
    return show(below !== undefined && !schemaHoldsSecret(below) ? value : MASK);
  }
  if (leaf !== undefined) return show(maskValue(leaf, value));
  // A value above a secret leaf (e.g. `database = "postgres://…"`) may be the secret in the wrong place.
  const holdsSecret = configLeaves().some((l) => l.secret && path.every((segment, i) => l.path[i] === segment));
  return show(holdsSecret ? MASK : value);
}

/**
 * The value of an unknown key, for its error. The schema cannot say whether an unknown key is secret
 * (`[database] pasword = "…"` is a typo of one), so only numbers and booleans are quoted.
 */
function showUnknown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `value ${String(value)}`;
  if (typeof value === 'string') return 'a string value, not shown';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isTable(value)) return `a table of ${Object.keys(value).join(', ') || 'nothing'}`;
  return 'a date';
}

class Problems {
  readonly list: ConfigProblem[] = [];

  add(key: string, source: ConfigSource | string, text: string): void {
    const label = typeof source === 'string' ? source : formatSource(source);
    this.list.push({ key, source: label, message: `${key} (${label}): ${text}` });
  }
}

interface LocatedFile {
  readonly path: string;
  /** The source that named the file; undefined for the default ./governator.toml. */
  readonly namedBy: string | undefined;
}

function locateFile(flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd: string): LocatedFile {
  if (flags.config !== undefined) return { path: resolve(cwd, flags.config), namedBy: 'flag --config' };
  const fromEnv = env[CONFIG_FILE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { path: resolve(cwd, fromEnv), namedBy: `env ${CONFIG_FILE_ENV}` };
  return { path: resolve(cwd, DEFAULT_CONFIG_FILE), namedBy: undefined };
}

/** The parsed file, or null when the default file is absent. */
function readToml(file: LocatedFile): Table | null {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file.namedBy === undefined) return null;
    const namedBy = file.namedBy === undefined ? '' : ` (named by ${file.namedBy})`;
    const why = code === 'ENOENT' ? 'does not exist'
      : code === 'EISDIR' ? 'is a directory, not a file'
      : `cannot be read: ${(error as Error).message}`;
    throw new GovError('GOV_CONFIG_FILE', `configuration file ${file.path}${namedBy} ${why}`, {
      details: { path: file.path, namedBy: file.namedBy ?? 'default', reason: code ?? 'unknown' },
      cause: error,
    });
  }
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message ends with a code block quoting the file, which may show a secret: keep the first line.
    const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new GovError('GOV_CONFIG_FILE',
      `configuration file ${file.path} is not valid TOML: line ${error.line}, column ${error.column}: ${reason}`,
      { details: { path: file.path, line: error.line, column: error.column, reason } });
  }
}

/**
 * Replaces ${VAR} references in every string of the file (in place). A reference in an integer or boolean
 * leaf (`port = "${PORT:-8080}"`) is then read like an environment value, so it can fill any scalar.
 */
function interpolateFile(node: unknown, path: Segment[], env: NodeJS.ProcessEnv, source: ConfigSource, problems: Problems): unknown {
  if (typeof node === 'string') {
    if (!hasReferences(node)) return node;
    const result = interpolate(node, env);
    if (!result.ok) {
      for (const problem of result.problems) problems.add(formatKey(path), source, `${showAt(path, node)} ${problem}`);
      return node;
    }
    const leaf = leafAt(path);
    if (leaf === undefined || leaf.path.length !== path.length || (leaf.kind !== 'integer' && leaf.kind !== 'number' && leaf.kind !== 'boolean')) {
      return result.value;
    }
    const coerced = coerceString(leaf, result.value);
    if (coerced.ok) return coerced.value;
    problems.add(leaf.key, source, `${show(result.value)} (from ${show(node)}) is not ${expectedForText(leaf)}`);
    return result.value;
  }
  if (Array.isArray(node)) {
    node.forEach((item, i) => { node[i] = interpolateFile(item, [...path, i], env, source, problems); });
  } else if (isTable(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '__proto__') {
        // No key of ours has this name, and TypeBox's Value.Default copies tables by assignment, which would
        // turn it into the table's prototype and its contents into inherited settings: report it here instead.
        problems.add(formatKey([...path, key]), source, `unknown key (${showUnknown(value)}); no setting has this name`);
        delete node[key];
        continue;
      }
      node[key] = interpolateFile(value, [...path, key], env, source, problems);
    }
  }
  return node;
}

/** What a string for `leaf` from the environment or a flag must be. */
function expectedForText(leaf: ConfigLeaf): string {
  return leaf.kind === 'boolean' ? BOOLEAN_WORDS : describeExpected(leaf.schema);
}

/** The layers above the file: sets values in `raw` and records their source. */
class Layering {
  constructor(
    private readonly raw: Table,
    private readonly sources: Map<string, ConfigSource>,
    private readonly problems: Problems,
  ) {}

  setText(leaf: ConfigLeaf, text: string, source: ConfigSource): void {
    const coerced = coerceString(leaf, text);
    if (!coerced.ok) {
      this.problems.add(leaf.key, source, `${show(maskValue(leaf, text))} is not ${expectedForText(leaf)}`);
      return;
    }
    this.setValue(leaf, coerced.value, source);
  }

  setValue(leaf: ConfigLeaf, value: unknown, source: ConfigSource): void {
    if (setPath(this.raw, leaf.path, value)) this.sources.set(leaf.key, source);
  }
}

function applyEnv(env: NodeJS.ProcessEnv, layering: Layering, problems: Problems): void {
  for (const leaf of configLeaves()) {
    const given = leaf.env
      .map((name) => ({ name, text: env[name] }))
      .filter((v): v is { name: string; text: string } => v.text !== undefined && v.text !== '');
    const first = given[0];
    if (first === undefined) continue;
    if (given.some((v) => v.text !== first.text)) {
      problems.add(leaf.key, given.map((v) => `env ${v.name}`).join(' and '),
        `set to different values (${given.map((v) => show(maskValue(leaf, v.text))).join(' and ')}); expected only one of them set, or both the same`);
      continue;
    }
    layering.setText(leaf, first.text, { kind: 'env', name: first.name });
  }
}

function applyFlags(flags: ConfigFlags, layering: Layering, problems: Problems): void {
  const settable = configLeaves().filter((leaf) => leaf.scalar);
  for (const entry of flags.set ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0) {
      problems.add(entry, `flag --set ${entry}`, 'is not a key=value pair; expected e.g. --set server.port=9000');
      continue;
    }
    const key = entry.slice(0, equals).trim();
    const text = entry.slice(equals + 1);
    const source: ConfigSource = { kind: 'flag', flag: `--set ${key}` };
    const leaf = leafFor(key);
    if (leaf === undefined) {
      const suggestion = suggestKey(key, settable.map((l) => l.key));
      problems.add(key, source, `unknown key; ${suggestion === undefined
        ? `expected one of ${settable.map((l) => l.key).join(', ')}` : `did you mean ${suggestion}?`}`);
    } else if (!leaf.scalar) {
      problems.add(key, source, `cannot be set with --set; expected it in the configuration file (${describeExpected(leaf.schema)})`);
    } else {
      layering.setText(leaf, text, source);
    }
  }
  for (const { option, flag, key } of FLAG_KEYS) {
    const given = flags[option];
    if (given === undefined) continue;
    const leaf = leafFor(key);
    if (leaf === undefined) throw new Error(`FLAG_KEYS names ${key}, which is not in the schema`);
    if (typeof given === 'boolean') {
      layering.setValue(leaf, given, { kind: 'flag', flag: given ? '--migrate' : '--no-migrate' });
    } else {
      layering.setText(leaf, String(given), { kind: 'flag', flag: flag.split(' ')[0] ?? flag });
    }
  }
}

function schemaProblems(value: Table, sourceAt: (path: readonly Segment[]) => ConfigSource, problems: Problems): void {
  const seen = new Set<string>();
  for (const error of Value.Errors(ConfigSchema, value)) {
    if (seen.has(error.path)) continue; // one message per key: the first failure says enough
    seen.add(error.path);
    const path = pointerToPath(error.path, value);
    const key = formatKey(path);
    const source = sourceAt(path);
    if (error.type === ValueErrorType.ObjectAdditionalProperties && KindGuard.IsObject(error.schema)) {
      const parent = path.slice(0, -1);
      const siblings = Object.keys(error.schema.properties).map((name) => formatKey([...parent, name]));
      const suggestion = suggestKey(key, siblings);
      problems.add(key, source, `unknown key (${showUnknown(error.value)}); ${suggestion === undefined
        ? `expected one of ${siblings.join(', ')}` : `did you mean ${suggestion}?`}`);
    } else if (error.type === ValueErrorType.ObjectRequiredProperty) {
      problems.add(key, source, `missing; expected ${describeExpected(error.schema)}`);
    } else {
      problems.add(key, source, `${showAt(path, error.value)} is not ${describeExpected(error.schema)}`);
    }
  }
}

/** Rules the schema cannot state. Each looks only at values of the right type (type errors are reported already). */
function semanticProblems(value: Table, sourceAt: (path: readonly Segment[]) => ConfigSource, problems: Problems): void {
  const cert = getPath(value, ['server', 'tls_cert']);
  const key = getPath(value, ['server', 'tls_key']);
  if ((typeof cert === 'string') !== (typeof key === 'string')) {
    const [setName, missingName, setValue] = typeof cert === 'string'
      ? ['server.tls_cert', 'server.tls_key', cert] : ['server.tls_key', 'server.tls_cert', key];
    const setPathSegments = setName.split('.');
    problems.add(setName, sourceAt(setPathSegments), `${showAt(setPathSegments, setValue)} is set but ${missingName} is not; expected both server.tls_cert and server.tls_key (HTTPS), or neither (HTTP)`);
  }

  const durationPattern = new RegExp(DURATION_PATTERN);
  for (const leaf of configLeaves()) {
    if (leaf.schema['pattern'] !== DURATION_PATTERN) continue;
    const text = getPath(value, leaf.path);
    if (typeof text !== 'string' || !durationPattern.test(text)) continue;
    const ms = tryParseDuration(text);
    if (ms === undefined || ms > MAX_TIMER_MS) {
      problems.add(leaf.key, sourceAt(leaf.path), `${show(text)} is too long; expected a duration of at most ${MAX_TIMER_MS}ms (about 24 days), the longest a timer can wait`);
    }
  }

  const roles = getPath(value, ['rbac', 'roles']);
  if (Array.isArray(roles)) {
    const firstIndex = new Map<string, number>();
    roles.forEach((role: unknown, i) => {
      const name = getPath(role, ['name']);
      if (typeof name !== 'string') return;
      const earlier = firstIndex.get(name);
      if (earlier === undefined) {
        firstIndex.set(name, i);
        return;
      }
      const path = ['rbac', 'roles', i, 'name'];
      problems.add(formatKey(path), sourceAt(path), `${show(name)} is already the name of rbac.roles[${earlier}]; expected role names to be unique`);
    });
  }

  // Owned hardware names become offering ids (docs/catalog.md): two entries may not share one.
  const owned = getPath(value, ['catalog', 'owned']);
  if (Array.isArray(owned)) {
    const firstOwned = new Map<string, number>();
    owned.forEach((entry: unknown, i) => {
      const name = getPath(entry, ['name']);
      if (typeof name !== 'string') return;
      const earlier = firstOwned.get(name);
      if (earlier === undefined) {
        firstOwned.set(name, i);
        return;
      }
      const path = ['catalog', 'owned', i, 'name'];
      problems.add(formatKey(path), sourceAt(path), `${show(name)} is already the name of catalog.owned[${earlier}]; expected unique names`);
    });
  }

  // [[providers]] (issue #7): unique names, the options table of the entry's own kind, present when required.
  for (const problem of providerConfigProblems(getPath(value, ['providers']))) {
    problems.add(formatKey(problem.path), sourceAt(problem.path), problem.message);
  }
}

/**
 * A deep-frozen copy made of ordinary objects and arrays. smol-toml's tables have a null prototype, which
 * surprises consumers (`console.log`, `obj.hasOwnProperty`); after validation only JSON-like values remain.
 */
function frozenPlain(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenPlain));
  if (isTable(value)) return Object.freeze(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, frozenPlain(v)])));
  return value;
}

/**
 * Loads the configuration: schema defaults ← TOML file ← environment ← flags, then validates the result
 * once against {@link ConfigSchema} and a few rules the schema cannot state, and deep-freezes it.
 *
 * Contract:
 * - reads only the file (no process.env: the environment is `options.env`);
 * - the file is --config, else GOVERNATOR_CONFIG, else ./governator.toml in `cwd` when it exists;
 * - env values that are empty strings count as unset; unknown GOVERNATOR_* names are returned in `unknownEnv`;
 * - relative paths in values (data_dir, tls_*) are returned as written; callers resolve them against cwd.
 *
 * @throws GovError GOV_CONFIG_FILE when a named file is missing or unreadable, or the file is not valid TOML.
 * @throws GovError GOV_CONFIG_INVALID listing every problem, one per line (`details.errors`: {@link ConfigProblem}[]).
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const flags = options.flags ?? {};
  const { env, cwd } = options;
  const problems = new Problems();
  const sources = new Map<string, ConfigSource>(configLeaves().map((leaf) => [leaf.key, { kind: 'default' }]));

  const located = locateFile(flags, env, cwd);
  const document = readToml(located);
  const fileSource: ConfigSource = { kind: 'file', path: located.path };
  // The parsed document becomes the bottom layer in place (interpolateFile has taken out any `__proto__` key).
  const raw: Table = document === null ? {} : (interpolateFile(document, [], env, fileSource, problems) as Table);
  for (const leaf of configLeaves()) if (document !== null && getPath(raw, leaf.path) !== undefined) sources.set(leaf.key, fileSource);

  const layering = new Layering(raw, sources, problems);
  applyEnv(env, layering, problems);
  applyFlags(flags, layering, problems);

  const value = Value.Default(ConfigSchema, raw) as Table;
  // Where a value at `path` came from: its leaf's source; above the leaves (unknown keys, whole sections) only
  // the file can have put it there.
  const sourceAt = (path: readonly Segment[]): ConfigSource => {
    const leaf = leafAt(path);
    if (leaf !== undefined) return sources.get(leaf.key) ?? { kind: 'default' };
    return document !== null && getPath(document, path) !== undefined ? fileSource : { kind: 'default' };
  };
  schemaProblems(value, sourceAt, problems);
  semanticProblems(value, sourceAt, problems);

  if (problems.list.length > 0) {
    const count = problems.list.length;
    throw new GovError('GOV_CONFIG_INVALID',
      `invalid configuration (${count} problem${count === 1 ? '' : 's'}):\n${problems.list.map((p) => `  ${p.message}`).join('\n')}`,
      { details: { errors: problems.list } });
  }

  const known = envKeyMap();
  const unknownEnv = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name !== CONFIG_FILE_ENV && !known.has(name) && env[name] !== '' && env[name] !== undefined)
    .sort();

  return {
    config: frozenPlain(value) as Config,
    sources,
    file: document === null ? null : located.path,
    unknownEnv: Object.freeze(unknownEnv),
  };
}

/** For an unknown GOVERNATOR_* variable, the known name it is probably a typo of (for the CLI's warning). */
export function suggestEnvName(name: string): string | undefined {
  return closest(name, [...envKeyMap().keys(), CONFIG_FILE_ENV]);
}
