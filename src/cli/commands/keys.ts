import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { createRuntime, type Runtime } from '../../bootstrap/runtime.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

/** `cli:<os user>`: who did it, as far as this machine can tell. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export async function withRuntime<T>(cmd: Command, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const { config } = loadCommandConfig(cmd);
  const runtime = await createRuntime(config);
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys (while `serve` holds an embedded database, use POST /api/v1/keys instead)');

  keys.command('create')
    .description('create an API key and print it once; only a salted hash is stored')
    .requiredOption('--name <name>', 'a name for the key (unique among active keys)')
    .requiredOption('--role <role>', 'admin, operator, viewer or a role from [[rbac.roles]]')
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; role: string; json?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (runtime) => {
        const actor = cliActor();
        const created = await runtime.keys.create({ name: opts.name, role: opts.role, createdBy: actor });
        await runtime.audit.record({
          actor, action: 'keys.create', target: `key:${created.record.id}`, outcome: 'success',
          details: { name: created.record.name, role: created.record.role },
        });
        if (opts.json) {
          printJson({ key: created.token, id: created.record.id, name: created.record.name, role: created.record.role });
        } else {
          process.stdout.write(`${created.token}\n`);
          process.stderr.write(`created key ${created.record.id} "${created.record.name}" (${created.record.role}). This is the only time it is shown: store it now.\n`);
        }
      });
    });

  keys.command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (runtime) => {
        const list = await runtime.keys.list();
        if (opts.json) printJson({ keys: list.map(({ salt: _s, hash: _h, ...rest }) => rest) });
        else printTable(['ID', 'NAME', 'ROLE', 'CREATED', 'CREATED BY', 'STATUS'], list.map((k) => [
          k.id, k.name, k.role, k.createdAt.toISOString(), k.createdBy, k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
        ]));
      });
    });

  keys.command('revoke')
    .description('revoke an API key by id; it stops working at once')
    .argument('<id>', 'the key id (see keys list)')
    .action(async (id: string, _opts, cmd: Command) => {
      await withRuntime(cmd, async (runtime) => {
        const actor = cliActor();
        const record = await runtime.keys.revoke(id);
        await runtime.audit.record({ actor, action: 'keys.revoke', target: `key:${id}`, outcome: 'success', details: { name: record.name } });
        process.stdout.write(`revoked key ${id} "${record.name}"\n`);
      });
    });
}
