import type { Command } from 'commander';
import { openStore } from '../../bootstrap/runtime.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerDb(program: Command): void {
  const db = program.command('db').description('database schema');
  db.command('migrate')
    .description('apply pending schema migrations (the server also does this at start-up unless --no-migrate)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = loadCommandConfig(cmd);
      const store = await openStore(config);
      try {
        const report = await store.migrate();
        if (opts.json) printJson({ store: store.location, ...report });
        else if (report.applied.length === 0) process.stdout.write(`${store.location}: schema is current (version ${report.version})\n`);
        else {
          for (const m of report.applied) process.stdout.write(`applied ${String(m.version).padStart(4, '0')}_${m.name}\n`);
          process.stdout.write(`${store.location}: schema now at version ${report.version}\n`);
        }
      } finally {
        await store.close();
      }
    });
  db.command('status')
    .description('list migrations and whether each is applied')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = loadCommandConfig(cmd);
      const store = await openStore(config);
      try {
        const states = await store.migrationStatus();
        if (opts.json) printJson({ store: store.location, migrations: states });
        else printTable(['VERSION', 'NAME', 'APPLIED'], states.map((m) => [String(m.version), m.name, m.appliedAt?.toISOString() ?? 'pending']));
      } finally {
        await store.close();
      }
    });
}
