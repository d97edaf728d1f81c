import { auditEntryText, GENESIS_HASH, verifyChain, type AuditRecord, type ChainBreak } from '../core/audit/chain.js';
import type { Clock } from '../ports/clock.js';
import type { AuditEntryInput, Store } from '../ports/store.js';
import { sha256Hex } from './crypto.js';

const VERIFY_PAGE = 1_000;

export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  /** Hash of the newest entry: record it elsewhere to detect later truncation of the tail. */
  readonly headHash: string;
  readonly headId: number;
  readonly breaks: readonly ChainBreak[];
}

/** The append-only, hash-chained audit log (see src/core/audit/chain.ts for the chain itself). */
export class AuditLog {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; clock: Clock }) {
    this.#store = options.store;
    this.#clock = options.clock;
  }

  /** Append one entry stamped with the current time. */
  record(entry: Omit<AuditEntryInput, 'at'>): Promise<AuditRecord> {
    const at = this.#clock.now();
    return this.#store.audit.append((head) => {
      const unsealed = {
        id: (head?.id ?? 0) + 1,
        at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        outcome: entry.outcome,
        details: entry.details,
        prevHash: head?.hash ?? GENESIS_HASH,
      };
      return { ...unsealed, hash: sha256Hex(auditEntryText(unsealed)) };
    });
  }

  /** Walk the whole chain in pages and report every break. */
  async verify(onProgress?: (checked: number) => void): Promise<AuditVerification> {
    let afterId = 0;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    const breaks: ChainBreak[] = [];
    for (;;) {
      const page = await this.#store.audit.list({ afterId, limit: VERIFY_PAGE });
      if (page.length === 0) break;
      const result = verifyChain(page, prevHash, sha256Hex);
      breaks.push(...result.breaks);
      checked += result.checked;
      prevHash = result.lastHash;
      afterId = page[page.length - 1]!.id;
      onProgress?.(checked);
    }
    return { ok: breaks.length === 0, checked, headHash: prevHash, headId: afterId, breaks };
  }

  recent(limit: number): Promise<readonly AuditRecord[]> {
    return this.#store.audit.listRecent(limit);
  }
}
