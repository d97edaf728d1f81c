import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { FLAG_KEYS } from '../config/keys.js';

/** Global options every command accepts (they configure the service like the file and env do). */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (default ./governator.toml; env GOVERNATOR_CONFIG)')
    .option('--data-dir <dir>', 'embedded database directory (database.data_dir)')
    .option('--database-url <url>', 'external PostgreSQL URL (database.url)')
    .option('--log-level <level>', 'log level (log.level)')
    .option('--host <host>', 'address to listen on (server.host)')
    .option('--port <port>', 'TCP port (server.port)')
    .option('--no-migrate', 'do not apply pending migrations at start-up (database.enable_migrations=false)')
    .option('--set <key=value>', 'set any config key, e.g. --set server.port=9000 (repeatable)', (v: string, acc: string[] = []) => [...acc, v]);
}

/**
 * Load the config from file, env and the flags the user actually typed (a flag's default never overrides
 * the file or the environment).
 */
export function loadCommandConfig(cmd: Command): LoadedConfig {
  const all = cmd.optsWithGlobals() as Record<string, unknown>;
  const given = (name: string): boolean => {
    for (let c: Command | null = cmd; c; c = c.parent) {
      const source = c.getOptionValueSource(name);
      if (source === 'cli') return true;
    }
    return false;
  };
  const flags: Record<string, unknown> = {};
  for (const name of ['config', ...FLAG_KEYS.map((f) => f.option)]) {
    if (given(name)) flags[name] = all[name];
  }
  const set = all.set as string[] | undefined;
  if (set && set.length > 0) flags.set = set;
  return loadConfig({ flags, env: process.env, cwd: process.cwd() });
}
