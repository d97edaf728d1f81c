/**
 * The audit log is a hash chain: each entry carries the hash of the previous entry, so editing, removing or
 * inserting a row breaks every hash after it. This module is the pure part: the canonical text that is hashed
 * and the walk that verifies a chain. The hash function itself (SHA-256) is passed in by the caller.
 */

/** Hash of the (virtual) entry before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

/** What one audit entry records. */
export interface AuditRecord {
  readonly id: number;
  readonly at: Date;
  /** Who: `key:<id>` for an API key, `cli` for the local command line, `anonymous` for no or a bad key. */
  readonly actor: string;
  /** What: e.g. `POST /api/v1/keys`, `keys.create`, `auth.denied`. */
  readonly action: string;
  /** The resource acted on, when there is one (`key:abc123`, `node:i-0f…`). */
  readonly target: string | null;
  /** `success`, `failure` or `denied`. */
  readonly outcome: AuditOutcome;
  /** Extra, JSON-safe context (status code, request id, reason …). Never secrets. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

export type HashFn = (text: string) => string;

/**
 * JSON with object keys sorted at every depth, so the text hashed is the same whichever database stored the
 * entry (PostgreSQL's jsonb reorders keys).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The text whose hash is an entry's `hash`: every recorded field plus the previous hash. */
export function auditEntryText(entry: Omit<AuditRecord, 'hash'>): string {
  return canonicalJson({
    id: entry.id,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    outcome: entry.outcome,
    details: entry.details,
    prevHash: entry.prevHash,
  });
}

export interface ChainBreak {
  readonly id: number;
  readonly reason: 'hash-mismatch' | 'prev-hash-mismatch';
}

export interface ChainCheck {
  readonly checked: number;
  /** Hash of the last entry checked: pass it as `prevHash` to continue with the next page. */
  readonly lastHash: string;
  readonly breaks: readonly ChainBreak[];
}

/**
 * Verify a page of consecutive entries (ordered by id) that follows an entry whose hash was `prevHash`.
 * A removed row shows up as a prev-hash mismatch on the row after it; an edited row as a hash mismatch.
 */
export function verifyChain(entries: readonly AuditRecord[], prevHash: string, hash: HashFn): ChainCheck {
  const breaks: ChainBreak[] = [];
  let expectedPrev = prevHash;
  for (const entry of entries) {
    if (entry.prevHash !== expectedPrev) breaks.push({ id: entry.id, reason: 'prev-hash-mismatch' });
    if (hash(auditEntryText(entry)) !== entry.hash) breaks.push({ id: entry.id, reason: 'hash-mismatch' });
    expectedPrev = entry.hash;
  }
  return { checked: entries.length, lastHash: expectedPrev, breaks };
}
