import { existsSync, renameSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { readMasterKeyFile, resolveMasterKey, writeMasterKeyFile } from '../../bootstrap/master-key.js';
import { createRuntime, type Runtime } from '../../bootstrap/runtime.js';
import { generateMasterKey, type MasterKey } from '../../app/credentials/cipher.js';
import { rotateMasterKey } from '../../app/credentials/service.js';
import { GovError } from '../../core/errors.js';
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

  keys.command('rotate-master')
    .description('re-encrypt every stored provider credential under a new master key (run with serve stopped on an embedded database)')
    .option('--new-key-file <file>', 'the new key (32 bytes, base64); required when the current key comes from security.master_key / GOVERNATOR_MASTER_KEY')
    .option('--json', 'print JSON')
    .action(async (opts: { newKeyFile?: string; json?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (runtime) => {
        const current = resolveMasterKey(runtime.config, { generate: false });
        if (current === null) {
          throw new GovError('GOV_CONFIG_INVALID', 'no master key is configured (security.master_key, security.master_key_file or <data_dir>/master-key): nothing to rotate', { details: { key: 'security.master_key' } });
        }
        // Where the new key comes from and where it ends up. With a key file and no --new-key-file, the new
        // key is generated into "<file>.next" BEFORE the database changes, so a crash at any point loses
        // nothing: a rerun picks the pending key up again (rows already under it are re-sealed from it).
        let next: MasterKey;
        let pending: string | null = null;
        if (opts.newKeyFile !== undefined) {
          next = readMasterKeyFile(opts.newKeyFile);
        } else if (current.file !== null) {
          pending = `${current.file}.next`;
          if (existsSync(pending)) next = readMasterKeyFile(pending);
          else {
            next = generateMasterKey();
            writeMasterKeyFile(pending, next);
          }
        } else {
          throw new GovError('GOV_CONFIG_INVALID',
            `the master key comes from ${current.source}, which this command cannot rewrite: generate a new key (\`openssl rand -base64 32 > new.key\`), pass --new-key-file new.key, then set the new key in its place`,
            { details: { key: 'security.master_key' } });
        }
        if (next.id === current.key.id) {
          throw new GovError('GOV_VALIDATION', `the new master key is the current one (key id ${next.id}); expected a different key`, { details: { field: 'new-key-file' } });
        }
        const report = await rotateMasterKey(runtime.store.credentials.secrets, current.key, next, runtime.clock);
        if (pending !== null && current.file !== null) {
          // The old key stays beside it as "<file>.old" until the operator has checked and removed it.
          const old = `${current.file}.old`;
          rmSync(old, { force: true });
          renameSync(current.file, old);
          renameSync(pending, current.file);
        }
        const actor = cliActor();
        await runtime.audit.record({
          actor, action: 'keys.rotate-master', target: `master-key:${report.newKeyId}`, outcome: 'success',
          details: { oldKeyId: report.oldKeyId, newKeyId: report.newKeyId, resealed: report.resealed },
        });
        if (opts.json) printJson({ ...report, keyFile: current.file ?? null });
        else {
          process.stdout.write(`re-encrypted ${report.resealed} credential(s): master key ${report.oldKeyId} -> ${report.newKeyId}\n`);
          if (pending !== null) process.stderr.write(`the new key is in ${current.file} (the old one in ${current.file}.old: delete it once serve runs on the new key)\n`);
          else process.stderr.write(`now put the new key in place of ${current.source} before starting serve\n`);
        }
      });
    });
}
