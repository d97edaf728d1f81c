import { GovError } from '../../core/errors.js';
import { isSecretSchema, PROVIDER_KINDS, ProviderKindSchemas } from '../../config/schema.js';
import type { Clock } from '../../ports/clock.js';
import type { CredentialRecord, CredentialRepository } from '../../ports/credential-store.js';
import { randomHex } from '../crypto.js';
import { open, seal, type MasterKey } from './cipher.js';

/** A credential as shown: everything but the secret values. */
export interface CredentialInfo {
  readonly name: string;
  readonly provider: string;
  readonly description: string | null;
  /** Names of the values it holds. */
  readonly fields: readonly string[];
  /** Which master key sealed it (fingerprint). */
  readonly keyId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly createdBy: string;
}

export interface PutCredentialInput {
  readonly name: string;
  readonly provider: string;
  readonly description?: string | null;
  /** Secret values by field name (the fields of the kind's options marked secret, e.g. aws secret_access_key). */
  readonly values: Readonly<Record<string, string>>;
  readonly createdBy: string;
}

/** An opened credential: the kind it is for and its plaintext values. Hand it to an adapter, never to a log. */
export interface OpenedCredential {
  readonly name: string;
  readonly provider: string;
  readonly values: Readonly<Record<string, string>>;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** The secret fields a credential for `kind` may hold: the options of that kind marked secret in the config schema. */
export function credentialFields(kind: string): readonly string[] {
  if (!(PROVIDER_KINDS as readonly string[]).includes(kind)) return [];
  const schema = ProviderKindSchemas[kind as keyof typeof ProviderKindSchemas];
  return Object.entries(schema.properties).filter(([, s]) => isSecretSchema(s)).map(([name]) => name);
}

/** Kinds that take credentials at all. */
export function credentialKinds(): readonly string[] {
  return PROVIDER_KINDS.filter((k) => credentialFields(k).length > 0);
}

function info(record: CredentialRecord): CredentialInfo {
  return {
    name: record.name, provider: record.provider, description: record.description, fields: record.fields,
    keyId: record.sealed.keyId, createdAt: record.createdAt, updatedAt: record.updatedAt, createdBy: record.createdBy,
  };
}

export interface CredentialServiceOptions {
  readonly repository: CredentialRepository;
  readonly clock: Clock;
  /**
   * The master key, or null when none is configured (external database without security.master_key): then
   * listing works, and storing or opening a credential fails with GOV_CONFIG_INVALID saying what to set.
   */
  readonly key: MasterKey | null;
}

/**
 * Provider credentials, sealed with AES-256-GCM under the master key (./cipher.ts). Contract: no method
 * returns or logs a secret value except `open`, whose result goes to an adapter factory only; errors name
 * credentials and fields, never values.
 */
export class CredentialService {
  readonly #repository: CredentialRepository;
  readonly #clock: Clock;
  readonly #key: MasterKey | null;

  constructor(options: CredentialServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
    this.#key = options.key;
  }

  /** Fingerprint of the configured master key, or null. */
  get keyId(): string | null {
    return this.#key?.id ?? null;
  }

  #requireKey(): MasterKey {
    if (this.#key === null) {
      throw new GovError('GOV_CONFIG_INVALID',
        'no master key is configured, so provider credentials cannot be stored or opened; set security.master_key (GOVERNATOR_MASTER_KEY) or security.master_key_file',
        { details: { key: 'security.master_key' } });
    }
    return this.#key;
  }

  /** Create or replace (by name) a credential. Resolves with what is shown of it and whether it is new. */
  async put(input: PutCredentialInput): Promise<{ credential: CredentialInfo; created: boolean }> {
    if (!NAME.test(input.name)) {
      throw new GovError('GOV_VALIDATION', `credential name ${JSON.stringify(input.name)} is not valid; expected a lowercase letter, then up to 63 lowercase letters, digits, _ or -`, { details: { field: 'name' } });
    }
    const allowed = credentialFields(input.provider);
    if (allowed.length === 0) {
      throw new GovError('GOV_VALIDATION', `provider kind ${JSON.stringify(input.provider)} takes no credentials; expected one of ${credentialKinds().join(', ')}`, { details: { field: 'provider' } });
    }
    const fields = Object.keys(input.values).sort();
    if (fields.length === 0) {
      throw new GovError('GOV_VALIDATION', `credential "${input.name}" has no values; expected some of ${allowed.join(', ')}`, { details: { field: 'values' } });
    }
    for (const field of fields) {
      const value = input.values[field];
      if (!allowed.includes(field)) {
        throw new GovError('GOV_VALIDATION', `values.${field} is not a credential field of kind ${input.provider}; expected some of ${allowed.join(', ')}`, { details: { field: `values.${field}` } });
      }
      if (typeof value !== 'string' || value.length === 0 || value.length > 65_536) {
        throw new GovError('GOV_VALIDATION', `values.${field} must be a non-empty string of at most 65536 characters`, { details: { field: `values.${field}` } });
      }
    }
    const key = this.#requireKey();
    const existing = await this.#repository.getByName(input.name);
    const now = this.#clock.now();
    const id = existing?.id ?? randomHex(12);
    const plaintext = JSON.stringify(Object.fromEntries(fields.map((f) => [f, input.values[f]])));
    const record: CredentialRecord = {
      id, name: input.name, provider: input.provider, description: input.description ?? null, fields,
      sealed: seal(key, { id, provider: input.provider, name: input.name }, plaintext),
      createdAt: existing?.createdAt ?? now, updatedAt: now, createdBy: existing?.createdBy ?? input.createdBy,
    };
    const created = await this.#repository.upsert(record);
    return { credential: info(record), created };
  }

  async list(): Promise<readonly CredentialInfo[]> {
    return (await this.#repository.list()).map(info);
  }

  /** Metadata of one credential; GOV_NOT_FOUND when there is none. */
  async get(name: string): Promise<CredentialInfo> {
    const record = await this.#repository.getByName(name);
    if (record === null) throw new GovError('GOV_NOT_FOUND', `no credential named "${name}"`, { details: { credential: name } });
    return info(record);
  }

  /** Delete; GOV_NOT_FOUND when there is none. Callers check first that no provider uses it. */
  async delete(name: string): Promise<CredentialInfo> {
    const record = await this.#repository.getByName(name);
    if (record === null || !(await this.#repository.delete(name))) {
      throw new GovError('GOV_NOT_FOUND', `no credential named "${name}"`, { details: { credential: name } });
    }
    return info(record);
  }

  /**
   * The plaintext values of a credential, for an adapter factory. GOV_NOT_FOUND when there is none;
   * GOV_CREDENTIAL_UNREADABLE when it does not open (other master key, altered row).
   */
  async open(name: string): Promise<OpenedCredential> {
    const record = await this.#repository.getByName(name);
    if (record === null) throw new GovError('GOV_NOT_FOUND', `no credential named "${name}"`, { details: { credential: name } });
    return openRecord(this.#requireKey(), record);
  }
}

function openRecord(key: MasterKey, record: CredentialRecord): OpenedCredential {
  const text = open(key, { id: record.id, provider: record.provider, name: record.name }, record.sealed);
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    // Authenticated but not our JSON: written by something else than this service. Never echo the text.
    throw new GovError('GOV_CREDENTIAL_UNREADABLE', `credential "${record.name}" opened but does not hold a JSON object of values`, { details: { credential: record.name, reason: 'format' }, cause: error });
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values) || !Object.values(values).every((v) => typeof v === 'string')) {
    throw new GovError('GOV_CREDENTIAL_UNREADABLE', `credential "${record.name}" opened but does not hold a JSON object of values`, { details: { credential: record.name, reason: 'format' } });
  }
  return { name: record.name, provider: record.provider, values: values as Record<string, string> };
}

export interface RotateReport {
  /** Credentials re-sealed under the new key. */
  readonly resealed: number;
  readonly oldKeyId: string;
  readonly newKeyId: string;
}

/**
 * Re-seal every stored credential from `oldKey` to `newKey` in one transaction (`governator keys rotate-master`):
 * each is opened with the old key (a row that does not open aborts the whole rotation, changing nothing) and
 * sealed again with a fresh nonce under the new key. Rows already under the new key are re-sealed from it, so
 * running a rotation again after a crash between the commit and the key-file swap is safe.
 */
export async function rotateMasterKey(repository: CredentialRepository, oldKey: MasterKey, newKey: MasterKey, clock: Clock): Promise<RotateReport> {
  const resealed = await repository.resealAll((record) => {
    const from = record.sealed.keyId === newKey.id ? newKey : oldKey;
    const binding = { id: record.id, provider: record.provider, name: record.name };
    return seal(newKey, binding, open(from, binding, record.sealed));
  }, clock.now());
  return { resealed, oldKeyId: oldKey.id, newKeyId: newKey.id };
}
