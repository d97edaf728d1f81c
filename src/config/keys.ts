import { KindGuard, type TSchema } from '@sinclair/typebox';
import { ConfigSchema, isSecretSchema } from './schema.js';

/**
 * The configuration's keys, derived by walking {@link ConfigSchema} (never a hand-kept list), so a key added
 * to the schema gets its GOVERNATOR_* variable, its --set spelling, its docs row and its error wording for free.
 */

/** How a string from the environment or a flag is turned into the leaf's value. */
export type LeafKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'array';

/** One leaf of the schema: a value that is not itself a table of settings. */
export interface ConfigLeaf {
  /** Dotted key, e.g. `server.port`. */
  readonly key: string;
  readonly path: readonly string[];
  readonly schema: TSchema;
  readonly kind: LeafKind;
  /** Scalars can be set from the environment and with --set; arrays only in the file. */
  readonly scalar: boolean;
  readonly secret: boolean;
  /** Environment variables that set this key: the generic GOVERNATOR_<SECTION>_<KEY> first, then any alias. */
  readonly env: readonly string[];
  /** The dedicated command-line flag, if any (`--port`); every scalar can also be set with --set key=value. */
  readonly flag: string | undefined;
}

export const ENV_PREFIX = 'GOVERNATOR_';

/** Names the configuration file; it is not itself a configuration key. */
export const CONFIG_FILE_ENV = 'GOVERNATOR_CONFIG';

/** Short environment names kept for the most used keys (they predate the generic form). */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  GOVERNATOR_DATA_DIR: 'database.data_dir',
  GOVERNATOR_DATABASE_URL: 'database.url',
  GOVERNATOR_HOST: 'server.host',
  GOVERNATOR_PORT: 'server.port',
  GOVERNATOR_LOG_LEVEL: 'log.level',
  GOVERNATOR_MASTER_KEY: 'security.master_key',
};

/** Dedicated command-line flags: the CLI's option name, its spelling on the command line, the key it sets. */
export const FLAG_KEYS = [
  { option: 'host', flag: '--host', key: 'server.host' },
  { option: 'port', flag: '--port', key: 'server.port' },
  { option: 'dataDir', flag: '--data-dir', key: 'database.data_dir' },
  { option: 'databaseUrl', flag: '--database-url', key: 'database.url' },
  { option: 'logLevel', flag: '--log-level', key: 'log.level' },
  { option: 'migrate', flag: '--migrate / --no-migrate', key: 'database.enable_migrations' },
] as const;

/** The schema's patterns in plain words, for error messages and docs (a test checks every pattern has words). */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  '^[0-9]+(ms|s|m|h)$': 'a duration: a whole number followed by ms, s, m or h (e.g. 30s)',
  '^postgres(ql)?://': 'a postgres:// or postgresql:// URL',
  '^[a-z][a-z0-9_-]{0,63}$': 'a name of 1 to 64 characters: a lowercase letter, then lowercase letters, digits, _ or -',
  '^(\\*|[a-z][a-z0-9_-]*:(\\*|[a-z][a-z0-9_-]*))$': 'a permission: resource:verb, resource:* or *',
};

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';

function literalChoices(schema: TSchema): string[] | undefined {
  if (!KindGuard.IsUnion(schema)) return undefined;
  const choices: string[] = [];
  for (const member of schema.anyOf) {
    if (!KindGuard.IsLiteral(member)) return undefined;
    choices.push(String(member.const));
  }
  return choices;
}

function kindOf(schema: TSchema): LeafKind {
  if (KindGuard.IsInteger(schema)) return 'integer';
  if (KindGuard.IsNumber(schema)) return 'number';
  if (KindGuard.IsBoolean(schema)) return 'boolean';
  if (KindGuard.IsString(schema)) return 'string';
  if (literalChoices(schema) !== undefined) return 'enum';
  if (KindGuard.IsArray(schema)) return 'array';
  throw new Error(`config schema: no loader support for leaf of kind ${String(schema['type'] ?? 'unknown')}`);
}

/** What a value for `schema` must be, in plain words ("an integer from 0 to 65535"). */
export function describeExpected(schema: TSchema): string {
  const choices = literalChoices(schema);
  if (choices !== undefined) return `one of ${choices.join(', ')}`;
  if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema)) {
    const noun = KindGuard.IsInteger(schema) ? 'an integer' : 'a number';
    const { minimum, maximum } = schema;
    if (minimum !== undefined && maximum !== undefined) return `${noun} from ${minimum} to ${maximum}`;
    if (minimum !== undefined) return `${noun} of at least ${minimum}`;
    if (maximum !== undefined) return `${noun} of at most ${maximum}`;
    return noun;
  }
  if (KindGuard.IsBoolean(schema)) return 'true or false';
  if (KindGuard.IsString(schema)) {
    if (schema.pattern !== undefined) return PATTERN_WORDS[schema.pattern] ?? `a string matching /${schema.pattern}/`;
    return schema.minLength !== undefined && schema.minLength > 0 ? 'a non-empty string' : 'a string';
  }
  if (KindGuard.IsArray(schema)) {
    const items = schema.items;
    if (KindGuard.IsObject(items)) return `a list of tables, each with ${Object.keys(items.properties).join(' and ')}`;
    return `a list, each item ${describeExpected(items)}`;
  }
  if (KindGuard.IsObject(schema)) return `a table of settings (${Object.keys(schema.properties).join(', ')})`;
  return 'a value of the documented type';
}

function walk(schema: TSchema, path: string[], out: ConfigLeaf[]): void {
  if (KindGuard.IsObject(schema)) {
    for (const [name, child] of Object.entries(schema.properties)) walk(child, [...path, name], out);
    return;
  }
  const key = path.join('.');
  const kind = kindOf(schema);
  const scalar = kind !== 'array';
  const generic = `${ENV_PREFIX}${path.join('_').toUpperCase()}`;
  // GOVERNATOR_DATABASE_URL and GOVERNATOR_LOG_LEVEL are aliases that equal the generic name: listed once.
  const aliases = Object.entries(ENV_ALIASES).filter(([name, target]) => target === key && name !== generic).map(([name]) => name);
  out.push({
    key,
    path,
    schema,
    kind,
    scalar,
    secret: isSecretSchema(schema),
    env: scalar ? [generic, ...aliases] : [],
    flag: FLAG_KEYS.find((f) => f.key === key)?.flag,
  });
}

let leavesCache: readonly ConfigLeaf[] | undefined;

/** Every leaf of the schema, in schema order. */
export function configLeaves(): readonly ConfigLeaf[] {
  if (leavesCache === undefined) {
    const out: ConfigLeaf[] = [];
    walk(ConfigSchema, [], out);
    leavesCache = Object.freeze(out);
  }
  return leavesCache;
}

/** The leaf for a dotted key, or undefined. */
export function leafFor(key: string): ConfigLeaf | undefined {
  return configLeaves().find((leaf) => leaf.key === key);
}

/** One configuration key as documented (docs/configuration.md) and listed by tooling. */
export interface ConfigKeyInfo {
  readonly key: string;
  /** `string`, `integer`, `boolean`, `duration`, `enum` or `array`. */
  readonly type: string;
  /** The schema default; undefined when the key has none (it is then unset unless configured). */
  readonly default: unknown;
  readonly description: string;
  /** What a value must be, in plain words. */
  readonly expected: string;
  /** Environment variables that set it (none for arrays, which only the file can set). */
  readonly env: string[];
  /** The dedicated command-line flag, if any. */
  readonly flag: string | undefined;
  /** Masked by `config print` and in error messages. */
  readonly secret: boolean;
}

/** Every configuration key, generated from the schema (for docs and `config` tooling). */
export function configKeys(): ConfigKeyInfo[] {
  return configLeaves().map((leaf) => ({
    key: leaf.key,
    type: leaf.kind === 'string' && leaf.schema['pattern'] === DURATION_PATTERN ? 'duration' : leaf.kind,
    default: leaf.schema.default as unknown,
    description: typeof leaf.schema.description === 'string' ? leaf.schema.description : '',
    expected: describeExpected(leaf.schema),
    env: [...leaf.env],
    flag: leaf.flag,
    secret: leaf.secret,
  }));
}

/** Environment variable name → leaf key, for every generic name and alias. */
export function envKeyMap(): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const leaf of configLeaves()) for (const name of leaf.env) map.set(name, leaf.key);
  return map;
}
