import type { Config } from './schema.js';

/** Where a configuration value came from; lowest to highest precedence: default, file, env, flag. */
export type ConfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string }
  /** `flag` is the flag as typed, e.g. `--port`, `--no-migrate` or `--set server.port`. */
  | { readonly kind: 'flag'; readonly flag: string };

/** `default`, `file /abs/governator.toml`, `env GOVERNATOR_PORT`, `flag --port`, `flag --set server.port`. */
export function formatSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'default': return 'default';
    case 'file': return `file ${source.path}`;
    case 'env': return `env ${source.name}`;
    case 'flag': return `flag ${source.flag}`;
  }
}

/**
 * Configuration flags as the CLI parsed them. Only flags the user gave should be present: a flag that is
 * present (even `false` or an empty string) overrides the environment and the file.
 */
export interface ConfigFlags {
  /** --config: the TOML file to read (relative to cwd). */
  readonly config?: string;
  readonly host?: string;
  /** --port; a string is parsed strictly (digits only), a number must be an integer. */
  readonly port?: string | number;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly logLevel?: string;
  /** --migrate / --no-migrate → database.enable_migrations. */
  readonly migrate?: boolean;
  /** --set dotted.key=value, repeatable; later entries win; a dedicated flag beats --set for the same key. */
  readonly set?: readonly string[];
}

export interface LoadConfigOptions {
  readonly flags?: ConfigFlags;
  /** The environment to read GOVERNATOR_* from (the loader never reads process.env itself). */
  readonly env: NodeJS.ProcessEnv;
  /** Directory relative paths (and the default ./governator.toml) are resolved against. */
  readonly cwd: string;
}

/** The result of {@link loadConfig}: validated once, deep-frozen. */
export interface LoadedConfig {
  readonly config: Readonly<Config>;
  /** For every leaf key (dotted, e.g. `server.port`), where its effective value came from. */
  readonly sources: ReadonlyMap<string, ConfigSource>;
  /** Absolute path of the TOML file read, or null when none was. */
  readonly file: string | null;
  /** GOVERNATOR_* variables that name no key (sorted); ignored, for the CLI to warn about. */
  readonly unknownEnv: readonly string[];
}
