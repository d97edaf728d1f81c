import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { GovError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { formatMasterKey, generateMasterKey, parseMasterKey, type MasterKey } from '../app/credentials/cipher.js';

/** The key file generated on the embedded database when no key is configured (like initial-admin-key). */
export const MASTER_KEY_FILE = 'master-key';

export interface ResolvedMasterKey {
  readonly key: MasterKey;
  /** Where it came from, safe to print: `security.master_key`, or the file's path. */
  readonly source: string;
  /** The key file, when the key came from one. */
  readonly file: string | null;
  /** True when this call created the file. */
  readonly generated: boolean;
}

/** The default key file: <data_dir>/master-key. */
export function defaultMasterKeyFile(config: Readonly<Config>): string {
  return join(resolve(config.database.data_dir), MASTER_KEY_FILE);
}

/** Read a key file; GOV_CONFIG_INVALID names the file when it is missing or does not hold a key. */
export function readMasterKeyFile(file: string, logger?: Logger): MasterKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GovError('GOV_CONFIG_INVALID', `master key file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { details: { file }, cause: error });
  }
  try {
    // Group- or world-readable key files defeat the encryption on a shared machine: say so (but go on).
    if ((statSync(file).mode & 0o077) !== 0) logger?.warn({ file }, 'the master key file is readable by other users; chmod 600 it');
  } catch {
    // Read just worked; a failed stat changes nothing.
  }
  return parseMasterKey(text, `master key file ${file}`);
}

/** Write a new key file with mode 0600; refuses to replace an existing file (O_EXCL). */
export function writeMasterKeyFile(file: string, key: MasterKey): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${formatMasterKey(key)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The master key of the credential store, from (first match): security.master_key (also GOVERNATOR_MASTER_KEY),
 * security.master_key_file, or <data_dir>/master-key. On the embedded database that default file is generated
 * (mode 0600) when `generate` is true and it does not exist yet. With an external database nothing is generated
 * — replicas must share one key — and null means "no key configured".
 * @throws GovError GOV_CONFIG_INVALID when both keys are set, or a key or key file is unreadable or malformed.
 */
export function resolveMasterKey(config: Readonly<Config>, options: { generate: boolean; logger?: Logger }): ResolvedMasterKey | null {
  const { master_key: inline, master_key_file: file } = config.security;
  if (inline !== undefined && file !== undefined) {
    throw new GovError('GOV_CONFIG_INVALID', 'security.master_key and security.master_key_file are both set; expected only one of them', { details: { key: 'security.master_key' } });
  }
  if (inline !== undefined) return { key: parseMasterKey(inline, 'security.master_key'), source: 'security.master_key', file: null, generated: false };
  if (file !== undefined) {
    const path = resolve(file);
    return { key: readMasterKeyFile(path, options.logger), source: path, file: path, generated: false };
  }
  if (config.database.url !== undefined) {
    // The default file lives beside an embedded database; an external one is shared by replicas that must
    // agree on one key, so it has to be configured explicitly.
    return null;
  }
  const path = defaultMasterKeyFile(config);
  try {
    return { key: readMasterKeyFile(path, options.logger), source: path, file: path, generated: false };
  } catch (error) {
    const missing = (error as GovError).cause !== undefined && ((error as GovError).cause as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing || !options.generate) {
      if (missing) return null;
      throw error;
    }
  }
  const key = generateMasterKey();
  try {
    writeMasterKeyFile(path, key);
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readMasterKeyFile(path, options.logger), source: path, file: path, generated: false };
    throw error;
  }
  options.logger?.warn({ file: path, keyId: key.id }, 'no master key was configured: generated one for the credential store into this file (readable by this user only); back it up — credentials cannot be opened without it');
  return { key, source: path, file: path, generated: true };
}
