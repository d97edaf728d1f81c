/**
 * Persistence of provider credentials (sealed secrets) and of providers registered through the API (issue #7).
 * Implemented over SQL in src/adapters/storage/sql/{credentials,providers}.ts (migrations/0007_providers.sql).
 *
 * These repositories never see a plaintext secret: encryption and decryption happen in
 * src/app/credentials (AES-256-GCM under the master key); what is stored is the sealed form below.
 */

/** A secret as stored: AES-256-GCM output and what is needed to open it again. */
export interface SealedSecret {
  /** Which master key sealed it (a fingerprint of the key, never the key). */
  readonly keyId: string;
  /** Format of the sealed value (1: AES-256-GCM, 96-bit nonce, 128-bit tag, associated data v1). */
  readonly encVersion: number;
  /** 12 random bytes, never reused under one key. */
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** 16 bytes. */
  readonly authTag: Uint8Array;
}

/** A stored credential: who it is for and its sealed values. */
export interface CredentialRecord {
  /** Random, stable id; part of the associated data, so a sealed value cannot be moved to another row. */
  readonly id: string;
  /** Unique name that config and API providers reference (`credentials = "aws-prod"`). */
  readonly name: string;
  /** The provider kind it is for: `aws`, `gcp`, `azure`, `digitalocean`, `kubernetes`, `baremetal` … */
  readonly provider: string;
  readonly description: string | null;
  /** Names of the secret values inside (e.g. `access_key_id`, `secret_access_key`); never the values. */
  readonly fields: readonly string[];
  readonly sealed: SealedSecret;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** `key:<id>`, `cli` … */
  readonly createdBy: string;
}

export interface CredentialRepository {
  /**
   * Insert the credential, or replace the one with the same NAME (keeping its id and createdAt when the
   * caller passes them). Returns true when a new row was created, false when one was replaced.
   */
  upsert(record: CredentialRecord): Promise<boolean>;
  /** The credential with this name, or null. */
  getByName(name: string): Promise<CredentialRecord | null>;
  /** Every credential, by name. */
  list(): Promise<readonly CredentialRecord[]>;
  /** Delete by name; false when there was none. */
  delete(name: string): Promise<boolean>;
  /**
   * Re-seal every credential in ONE transaction (master-key rotation): each row is locked, passed to `reseal`,
   * and updated with what it returns. When `reseal` throws for any row, nothing is changed and the error
   * propagates. Resolves with the number of rows re-sealed.
   */
  resealAll(reseal: (record: CredentialRecord) => SealedSecret, at: Date): Promise<number>;
}

/** A provider registered through the API (providers from the configuration file are not stored). */
export interface ProviderRecord {
  /** The provider instance's name, also its id in the API (`aws-prod`). */
  readonly id: string;
  /** `sim`, `local`, `aws`, `gcp`, `azure`, `digitalocean`, `kubernetes`, `baremetal`. */
  readonly kind: string;
  /** Per-kind options, as in the configuration file's `[providers.<kind>]` table; never a secret. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Name of a stored credential, or null. */
  readonly credentials: string | null;
  readonly enabled: boolean;
  /** How often health() is probed, ms. */
  readonly healthIntervalMs: number;
  /** A probe slower than this counts as unreachable, ms. */
  readonly healthTimeoutMs: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly createdBy: string;
}

export interface ProviderRepository {
  /** Insert. Rejects with GOV_CONFLICT when a provider with this id exists. */
  create(record: ProviderRecord): Promise<void>;
  /** Every stored provider, by id. */
  list(): Promise<readonly ProviderRecord[]>;
  /** Delete by id; false when there was none. */
  delete(id: string): Promise<boolean>;
}
