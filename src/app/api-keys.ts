import { GovError } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import type { ApiKeyRecord, Store } from '../ports/store.js';
import { hexEquals, randomBase64Url, randomHex, sha256Hex } from './crypto.js';

/**
 * API keys: `gov_<id>_<secret>`, where `id` (12 hex digits) is public and names the key in lists and audit
 * rows, and `secret` is 256 random bits. Only a salted SHA-256 of the secret is stored. A slow password hash
 * (scrypt, argon2) buys nothing for a 256-bit random secret and would cost milliseconds on every request;
 * see docs/design/api-keys.md.
 */
const KEY_PATTERN = /^gov_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

/** How long a verified key is trusted without asking the database again. Revocations here clear it at once. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 1_000;

export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly role: string;
  readonly permissions: readonly string[];
}

export interface CreatedKey {
  readonly record: ApiKeyRecord;
  /** The key string; shown to the user once and never stored. */
  readonly token: string;
}

export interface ApiKeyServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** Role name → permissions (src/core/auth/rbac.ts resolveRoles). */
  readonly roles: ReadonlyMap<string, readonly string[]>;
}

export class ApiKeyService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #roles: ReadonlyMap<string, readonly string[]>;
  readonly #cache = new Map<string, { record: ApiKeyRecord; until: number }>();

  constructor(options: ApiKeyServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#roles = options.roles;
  }

  /** Names of the roles a key may be given. */
  roleNames(): string[] {
    return [...this.#roles.keys()];
  }

  /** Create a key. Rejects with GOV_VALIDATION for a bad name or unknown role, GOV_CONFLICT for a taken name. */
  async create(input: { name: string; role: string; createdBy: string }): Promise<CreatedKey> {
    if (!NAME_PATTERN.test(input.name)) {
      throw new GovError('GOV_VALIDATION', `invalid key name ${JSON.stringify(input.name)}: expected 1-64 characters, letters, digits, space, . _ @ -, starting with a letter or digit`, {
        details: { field: 'name' },
      });
    }
    if (!this.#roles.has(input.role)) {
      throw new GovError('GOV_VALIDATION', `unknown role ${JSON.stringify(input.role)}: expected one of ${this.roleNames().join(', ')}`, {
        details: { field: 'role', allowed: this.roleNames() },
      });
    }
    const id = randomHex(6);
    const secret = randomBase64Url(32);
    const salt = randomHex(16);
    const record: ApiKeyRecord = {
      id,
      name: input.name,
      role: input.role,
      salt,
      hash: sha256Hex(salt + secret),
      createdAt: this.#clock.now(),
      createdBy: input.createdBy,
      revokedAt: null,
    };
    await this.#store.apiKeys.create(record);
    return { record, token: `gov_${id}_${secret}` };
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return this.#store.apiKeys.list();
  }

  /** Revoke a key; GOV_NOT_FOUND when there is no such key. Takes effect in this process at once. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    const found = await this.#store.apiKeys.revoke(id, this.#clock.now());
    this.#cache.delete(id);
    const record = found ? await this.#store.apiKeys.get(id) : null;
    if (!record) throw new GovError('GOV_NOT_FOUND', `no API key with id ${JSON.stringify(id)}`, { details: { id } });
    return record;
  }

  /**
   * The principal a presented key string stands for. Rejects with GOV_AUTH_INVALID (the same message for a
   * malformed, unknown, wrong or revoked key, so callers cannot probe which) and, for a key whose role no
   * longer exists in config, GOV_FORBIDDEN.
   */
  async authenticate(token: string): Promise<Principal> {
    const match = KEY_PATTERN.exec(token);
    if (!match) throw invalidKey('malformed');
    const [, id, secret] = match as unknown as [string, string, string];
    const record = await this.#lookup(id);
    if (!record) throw invalidKey('unknown');
    if (!hexEquals(sha256Hex(record.salt + secret), record.hash)) throw invalidKey('mismatch');
    if (record.revokedAt) throw invalidKey('revoked');
    const permissions = this.#roles.get(record.role);
    if (!permissions) {
      throw new GovError('GOV_FORBIDDEN', `the role ${JSON.stringify(record.role)} of this key is no longer defined`, {
        details: { reason: 'unknown-role' },
      });
    }
    return { keyId: record.id, name: record.name, role: record.role, permissions };
  }

  async #lookup(id: string): Promise<ApiKeyRecord | null> {
    const nowMs = this.#clock.now().getTime();
    const cached = this.#cache.get(id);
    if (cached && cached.until > nowMs) return cached.record;
    const record = await this.#store.apiKeys.get(id);
    if (record) {
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(id, { record, until: nowMs + CACHE_TTL_MS });
    }
    return record;
  }
}

function invalidKey(reason: 'malformed' | 'unknown' | 'mismatch' | 'revoked'): GovError {
  // The reason goes to the audit log and metrics, never to the client.
  return new GovError('GOV_AUTH_INVALID', 'the API key is not valid', { details: { reason } });
}
