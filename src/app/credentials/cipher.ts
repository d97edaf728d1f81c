import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { GovError } from '../../core/errors.js';
import type { SealedSecret } from '../../ports/credential-store.js';

/**
 * Sealing of provider credentials: AES-256-GCM (node:crypto) under a 32-byte master key. Every seal draws a
 * fresh random 96-bit nonce (the size GCM is defined for; at 2^32 seals per key the collision risk stays
 * below NIST SP 800-38D's 2^-32 bound), produces a 128-bit authentication tag, and binds the ciphertext to
 * its row with associated data, so a sealed value copied onto another credential, or edited by one bit, does
 * not open: it fails with GOV_CREDENTIAL_UNREADABLE instead of returning garbage.
 */

/** The sealed-value format this build writes (and the only one it reads). */
export const ENC_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

/** A master key with its public fingerprint. Never printed, never logged: only `id` is. */
export interface MasterKey {
  /** 16 hex characters: HMAC-SHA-256(key, label), so it names the key without revealing it. */
  readonly id: string;
  readonly bytes: Buffer;
}

/** Wrap 32 raw bytes as a master key (throws GOV_CONFIG_INVALID for any other length). */
export function masterKeyFromBytes(bytes: Uint8Array, where: string): MasterKey {
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new GovError('GOV_CONFIG_INVALID',
      `${where}: the master key must be ${MASTER_KEY_BYTES} bytes, base64-encoded (e.g. \`openssl rand -base64 32\`); it decodes to ${bytes.length} bytes`,
      { details: { where, bytes: bytes.length } });
  }
  const copy = Buffer.from(bytes);
  const id = createHmac('sha256', copy).update('governator master key id v1').digest('hex').slice(0, 16);
  return { id, bytes: copy };
}

/** Parse a base64 (or base64url) master key as written in GOVERNATOR_MASTER_KEY or a key file. */
export function parseMasterKey(text: string, where: string): MasterKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new GovError('GOV_CONFIG_INVALID',
      `${where}: the master key is not base64 text; expected 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`,
      { details: { where } });
  }
  return masterKeyFromBytes(Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), where);
}

/** A new random master key. */
export function generateMasterKey(): MasterKey {
  return masterKeyFromBytes(randomBytes(MASTER_KEY_BYTES), 'generated key');
}

/** The base64 text of a key, for a key file. */
export function formatMasterKey(key: MasterKey): string {
  return key.bytes.toString('base64');
}

/** What a sealed value is bound to: a credential row. */
export interface SealBinding {
  readonly id: string;
  readonly provider: string;
  readonly name: string;
}

function associatedData(binding: SealBinding): Buffer {
  // Length-prefixed fields: no two different bindings produce the same bytes.
  const parts = ['governator/credential', String(ENC_VERSION), binding.id, binding.provider, binding.name];
  return Buffer.from(parts.map((p) => `${Buffer.byteLength(p, 'utf8')}:${p}`).join('|'), 'utf8');
}

/** Seal `plaintext` (UTF-8 text) for `binding` under `key`. */
export function seal(key: MasterKey, binding: SealBinding, plaintext: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: key.id, encVersion: ENC_VERSION, nonce, ciphertext, authTag: cipher.getAuthTag() };
}

/**
 * Open a sealed value. Rejects with GOV_CREDENTIAL_UNREADABLE when it was sealed under another key (named by
 * id), in an unknown format, for another row, or was altered in any way (authentication fails).
 */
export function open(key: MasterKey, binding: SealBinding, sealed: SealedSecret): string {
  const what = `credential "${binding.name}"`;
  if (sealed.encVersion !== ENC_VERSION) {
    throw new GovError('GOV_CREDENTIAL_UNREADABLE', `${what} is sealed in format ${sealed.encVersion}, which this build cannot read`,
      { details: { credential: binding.name, reason: 'format', encVersion: sealed.encVersion } });
  }
  if (sealed.keyId !== key.id) {
    throw new GovError('GOV_CREDENTIAL_UNREADABLE',
      `${what} was sealed under master key ${sealed.keyId}, but the configured master key is ${key.id}: configure the key it was sealed with (see governator keys rotate-master)`,
      { details: { credential: binding.name, reason: 'wrong_key', sealedWith: sealed.keyId, configured: key.id } });
  }
  if (sealed.nonce.length !== NONCE_BYTES || sealed.authTag.length !== TAG_BYTES) {
    throw new GovError('GOV_CREDENTIAL_UNREADABLE', `${what} is damaged (nonce or tag of the wrong size)`,
      { details: { credential: binding.name, reason: 'tampered' } });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, sealed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    // The only failure GCM reports is "unable to authenticate data": altered ciphertext, tag, nonce or row.
    throw new GovError('GOV_CREDENTIAL_UNREADABLE',
      `${what} does not authenticate: the stored value was altered or belongs to another row`,
      { details: { credential: binding.name, reason: 'tampered' }, cause: error });
  }
}
