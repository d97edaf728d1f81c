import { GovError } from '../../../core/errors.js';
import type { CredentialRecord, CredentialRepository, SealedSecret } from '../../../ports/credential-store.js';
import type { SqlClient, SqlExecutor } from './client.js';
import { timestampParam, toDate, toNumber, toStringOrNull } from './rows.js';

interface CredentialRow {
  id: string;
  name: string;
  provider: string;
  description: unknown;
  fields: unknown;
  key_id: string;
  enc_version: unknown;
  nonce: unknown;
  ciphertext: unknown;
  auth_tag: unknown;
  created_at: unknown;
  updated_at: unknown;
  created_by: string;
}

const COLUMNS = 'id, name, provider, description, fields, key_id, enc_version, nonce, ciphertext, auth_tag, created_at, updated_at, created_by';

/** BYTEA comes back as Uint8Array (PGlite) or Buffer (pg); Buffer is what both drivers accept as a parameter. */
function toBytes(value: unknown, column: string): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`column ${column}: expected bytes, got ${typeof value}`);
}

const bytesParam = (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength);

function toFields(value: unknown): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed) || !parsed.every((f) => typeof f === 'string')) {
    throw new TypeError('column provider_credentials.fields: expected a JSON array of strings');
  }
  return parsed as string[];
}

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    description: toStringOrNull(row.description),
    fields: toFields(row.fields),
    sealed: {
      keyId: row.key_id,
      encVersion: toNumber(row.enc_version, 'provider_credentials.enc_version'),
      nonce: toBytes(row.nonce, 'provider_credentials.nonce'),
      ciphertext: toBytes(row.ciphertext, 'provider_credentials.ciphertext'),
      authTag: toBytes(row.auth_tag, 'provider_credentials.auth_tag'),
    },
    createdAt: toDate(row.created_at, 'provider_credentials.created_at'),
    updatedAt: toDate(row.updated_at, 'provider_credentials.updated_at'),
    createdBy: row.created_by,
  };
}

function sealedParams(sealed: SealedSecret): unknown[] {
  return [sealed.keyId, sealed.encVersion, bytesParam(sealed.nonce), bytesParam(sealed.ciphertext), bytesParam(sealed.authTag)];
}

/** CredentialRepository over SQL (table provider_credentials, migrations/0007_providers.sql). */
export class SqlCredentialRepository implements CredentialRepository {
  constructor(private readonly db: SqlClient) {}

  async upsert(record: CredentialRecord): Promise<boolean> {
    // xmax = 0 only for a freshly inserted row: tells insert from update in one statement (PostgreSQL and PGlite).
    const rows = await this.db.query<{ inserted: boolean }>(
      `INSERT INTO provider_credentials (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (name) DO UPDATE SET
         provider = EXCLUDED.provider, description = EXCLUDED.description, fields = EXCLUDED.fields,
         key_id = EXCLUDED.key_id, enc_version = EXCLUDED.enc_version, nonce = EXCLUDED.nonce,
         ciphertext = EXCLUDED.ciphertext, auth_tag = EXCLUDED.auth_tag, updated_at = EXCLUDED.updated_at
       WHERE provider_credentials.id = EXCLUDED.id
       RETURNING (xmax = 0) AS inserted`,
      [record.id, record.name, record.provider, record.description, JSON.stringify(record.fields),
        ...sealedParams(record.sealed), timestampParam(record.createdAt), timestampParam(record.updatedAt), record.createdBy]);
    const row = rows[0];
    // No row: a credential of that name exists under another id (the caller sealed for the wrong row).
    if (row === undefined) {
      throw new GovError('GOV_CONFLICT', `credential "${record.name}" was written concurrently; retry`, { details: { field: 'name', value: record.name } });
    }
    return row.inserted;
  }

  async getByName(name: string): Promise<CredentialRecord | null> {
    const rows = await this.db.query<CredentialRow>(`SELECT ${COLUMNS} FROM provider_credentials WHERE name = $1`, [name]);
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async list(): Promise<readonly CredentialRecord[]> {
    const rows = await this.db.query<CredentialRow>(`SELECT ${COLUMNS} FROM provider_credentials ORDER BY name`);
    return rows.map(toRecord);
  }

  async delete(name: string): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>('DELETE FROM provider_credentials WHERE name = $1 RETURNING id', [name]);
    return rows.length > 0;
  }

  resealAll(reseal: (record: CredentialRecord) => SealedSecret, at: Date): Promise<number> {
    return this.db.transaction(async (tx: SqlExecutor) => {
      // FOR UPDATE: a credential written by a server during the rotation waits for it, then lands under
      // whatever key that server holds (see docs/providers.md: restart servers with the new key).
      const rows = await tx.query<CredentialRow>(`SELECT ${COLUMNS} FROM provider_credentials ORDER BY id FOR UPDATE`);
      for (const row of rows) {
        const sealed = reseal(toRecord(row));
        await tx.query(
          `UPDATE provider_credentials SET key_id = $2, enc_version = $3, nonce = $4, ciphertext = $5, auth_tag = $6,
           updated_at = $7 WHERE id = $1`,
          [row.id, ...sealedParams(sealed), timestampParam(at)]);
      }
      return rows.length;
    });
  }
}
