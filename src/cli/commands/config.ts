import type { Command } from 'commander';
import { describeConfig, maskedConfig, renderToml } from '../../config/load.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the effective configuration');
  config
    .command('print')
    .description('print the effective config (defaults < file < env < flags) with secrets masked')
    .option('--json', 'print JSON instead of TOML')
    .option('--sources', 'print every key with its value and where it came from')
    .action((opts: { json?: boolean; sources?: boolean }, cmd: Command) => {
      const loaded = loadCommandConfig(cmd);
      if (opts.sources) {
        const rows = describeConfig(loaded);
        if (opts.json) printJson(rows);
        else printTable(['KEY', 'VALUE', 'SOURCE'], rows.map((r) => [r.key, JSON.stringify(r.value) ?? '(unset)', r.source]));
        return;
      }
      const masked = maskedConfig(loaded);
      if (opts.json) printJson(masked);
      else process.stdout.write(`# effective Governator config${loaded.file ? ` (file: ${loaded.file})` : ' (no config file)'}\n${renderToml(masked)}\n`);
    });
  config
    .command('validate')
    .description('load and validate the config; exit 0 when valid, 2 with the errors when not')
    .action((_opts, cmd: Command) => {
      const loaded = loadCommandConfig(cmd);
      process.stdout.write(`config OK${loaded.file ? ` (${loaded.file})` : ' (defaults and environment; no file)'}\n`);
    });
}
