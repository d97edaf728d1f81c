import type { Command } from 'commander';
import { GovError } from '../../core/errors.js';
import { printJson, printTable } from '../output.js';
import { withRuntime } from './keys.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log');

  audit.command('verify')
    .description('recompute the hash chain; exit 0 when intact, 1 naming every broken entry')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (runtime) => {
        const progress = process.stderr.isTTY && !opts.json
          ? (n: number) => process.stderr.write(`\rchecked ${n} entries`)
          : undefined;
        const result = await runtime.audit.verify(progress);
        if (progress) process.stderr.write('\n');
        if (opts.json) printJson(result);
        else if (result.ok) process.stdout.write(`audit log OK: ${result.checked} entries, head #${result.headId} ${result.headHash}\n`);
        if (!result.ok) {
          if (!opts.json) for (const b of result.breaks) process.stdout.write(`entry #${b.id}: ${b.reason}\n`);
          throw new GovError('GOV_AUDIT_CHAIN_BROKEN', `audit log chain broken at ${result.breaks.length} point(s); first at entry #${result.breaks[0]!.id}`);
        }
      });
    });

  audit.command('list')
    .description('print the newest audit entries')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new GovError('GOV_VALIDATION', `--limit must be an integer from 1 to 10000, got ${JSON.stringify(opts.limit)}`);
      }
      await withRuntime(cmd, async (runtime) => {
        const entries = await runtime.audit.recent(limit);
        if (opts.json) printJson({ entries });
        else printTable(['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'], entries.map((e) => [
          String(e.id), e.at.toISOString(), e.actor, e.action, e.target ?? '', e.outcome,
        ]));
      });
    });
}
