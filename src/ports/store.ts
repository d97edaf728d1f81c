import type { AuditOutcome, AuditRecord } from '../core/audit/chain.js';
import type { Node, NodeState } from '../core/model/node.js';
import type { Plan } from '../core/model/plan.js';
import type { SeriesRepository } from './series-store.js';
import type { ActionJournal } from './action-journal.js';
import type { CredentialRepository, ProviderRepository } from './credential-store.js';
import type { ForecastRepository } from './forecast-store.js';

/**
 * The Store port: everything Governator persists goes through it. Two adapters implement it with the same
 * SQL and the same migrations (migrations/*.sql): embedded PostgreSQL via PGlite (src/adapters/storage/pglite)
 * and an external PostgreSQL server (src/adapters/storage/postgres).
 *
 * Contracts common to every method:
 * - Failures to reach the database reject with GovError `GOV_DB_UNAVAILABLE`.
 * - Dates come back as `Date`, JSON columns as plain objects, numbers as `number`.
 * - Nothing here logs or reads the clock: timestamps are passed in.
 */
export interface Store {
  /** `pglite` or `postgres`. */
  readonly kind: StoreKind;
  /** Where the data lives, safe to print: the data directory, or the database URL with its password masked. */
  readonly location: string;

  /** Apply every pending migration, in order, each in its own transaction. Safe to run concurrently. */
  migrate(): Promise<MigrationReport>;
  /** Which migrations are known to this build and which are applied. */
  migrationStatus(): Promise<readonly MigrationState[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Close connections and release the data-directory lock. Idempotent. */
  close(): Promise<void>;

  readonly nodes: NodeRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditRepository;
  readonly costHistory: CostHistoryRepository;
  /** Telemetry series and samples (issue #5): src/ports/series-store.ts. */
  readonly series: SeriesRepository;
  /** Plans the service computed (issue #4): the deployment_decisions table. */
  readonly decisions: DecisionRepository;
  /** The action engine's journal, plans and kill switch (issue #7): src/ports/action-journal.ts. */
  readonly actions: ActionJournal;
  /** Sealed provider credentials and API-registered providers (issue #7): src/ports/credential-store.ts. */
  readonly credentials: { readonly secrets: CredentialRepository; readonly providers: ProviderRepository };
  /** Fitted models, forecasts, accuracy and anomalies (issue #6): src/ports/forecast-store.ts. */
  readonly forecasts: ForecastRepository;
}

export type StoreKind = 'pglite' | 'postgres';

export interface MigrationReport {
  /** Versions applied by this call, in order (empty when the schema was already current). */
  readonly applied: readonly MigrationState[];
  /** The schema version after the call. */
  readonly version: number;
}

export interface MigrationState {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: Date | null;
}

// ---------------------------------------------------------------------------------------------- nodes

export interface NodeFilter {
  readonly provider?: string;
  readonly pool?: string;
  readonly state?: NodeState;
  readonly region?: string;
  /** Page size; 1..1000. */
  readonly limit: number;
  /** Return nodes whose id sorts after this one (keyset pagination, ids ascending). */
  readonly after?: string;
}

export interface NodePage {
  readonly nodes: readonly Node[];
  /** Pass as `after` for the next page; null when this was the last page. */
  readonly nextCursor: string | null;
}

export interface NodeRepository {
  /** Nodes matching the filter, ordered by id. */
  list(filter: NodeFilter): Promise<NodePage>;
  /** The node, or null when there is none with that id. */
  get(id: string): Promise<Node | null>;
  /** Insert the node, or replace every field of the node with the same id. */
  upsert(node: Node): Promise<void>;
  /** Count of nodes by state (states with no node are omitted). */
  countByState(): Promise<Partial<Record<NodeState, number>>>;
}

// ------------------------------------------------------------------------------------------- api keys

/** A stored API key. The secret itself is never stored: only a salted hash of it. */
export interface ApiKeyRecord {
  /** Public identifier, also the first part of the key string (`gov_<id>_<secret>`). */
  readonly id: string;
  readonly name: string;
  readonly role: string;
  /** Random per-key salt, hex. */
  readonly salt: string;
  /** hex(SHA-256(salt ‖ secret)). */
  readonly hash: string;
  readonly createdAt: Date;
  /** Who created it: `cli`, `bootstrap` or `key:<id>`. */
  readonly createdBy: string;
  readonly revokedAt: Date | null;
}

export interface ApiKeyRepository {
  /** Insert a new key. Rejects with GOV_CONFLICT when an active key already has this name or id. */
  create(record: ApiKeyRecord): Promise<void>;
  /** The key with this id, revoked or not; null when there is none. */
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, newest first, revoked ones included. */
  list(): Promise<readonly ApiKeyRecord[]>;
  /**
   * Mark the key revoked at `at`. Returns false when no key has this id; revoking a revoked key is a no-op
   * that returns true and keeps the first revocation time.
   */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Number of keys not revoked. */
  countActive(): Promise<number>;
}

// ------------------------------------------------------------------------------------------ audit log

/** What the caller decides about a new audit entry; id, prevHash and hash are filled in by the chain. */
export interface AuditEntryInput {
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: AuditOutcome;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The end of the chain an entry is appended to. */
export interface AuditHead {
  readonly id: number;
  readonly hash: string;
}

export interface AuditListOptions {
  /** Entries with id greater than this (default 0: from the start). */
  readonly afterId?: number;
  /** 1..10000. */
  readonly limit: number;
}

export interface AuditRepository {
  /**
   * Append one entry. Under a lock that serialises appenders (also across processes sharing one PostgreSQL),
   * reads the current head, calls `seal(head)` to obtain the complete record (its id must be head.id + 1, or
   * 1 for the first entry), and inserts it. Rows are never updated or deleted through this port, and the
   * table rejects UPDATE and DELETE by trigger.
   */
  append(seal: (head: AuditHead | null) => AuditRecord): Promise<AuditRecord>;
  /** Entries in id order. */
  list(options: AuditListOptions): Promise<readonly AuditRecord[]>;
  /** Newest entries first, for display. */
  listRecent(limit: number): Promise<readonly AuditRecord[]>;
  /** Number of entries. */
  count(): Promise<number>;
}

// --------------------------------------------------------------------------------------- cost history

/**
 * One row of `cost_history`: an hourly price as observed at `timestamp`. The price refresher
 * (src/app/price-refresher.ts) writes a row when an offering's price CHANGES, not for every unchanged price.
 */
export interface CostHistoryRow {
  readonly timestamp: Date;
  /** aws, azure, gcp, digitalocean … (at most 50 characters). */
  readonly provider: string;
  /** What the price is for: `offering` for catalog offerings (at most 100 characters). */
  readonly resourceType: string;
  /** Which one: the offering id (at most 255 characters). */
  readonly resourceId: string;
  /** Stored as NUMERIC(12,6): rounded to 6 decimals, at most 999999.999999; finite and not negative. */
  readonly costPerHour: number;
  /** ISO 4217, three capital letters. */
  readonly currency: string;
}

/** A stored row: what was appended, with its id and the price as stored (rounded to 6 decimals). */
export interface CostHistoryRecord extends CostHistoryRow {
  readonly id: number;
}

export interface CostHistoryQuery {
  readonly resourceId?: string;
  readonly provider?: string;
  /** Rows at or after this instant. */
  readonly from?: Date;
  /** Rows strictly before this instant. */
  readonly to?: Date;
  /** 1..10000. */
  readonly limit: number;
}

export interface CostHistoryRepository {
  /**
   * Insert the rows, all or none (one statement). An empty list is a no-op. Rejects with GOV_VALIDATION,
   * inserting nothing, when a row breaks the limits above (the message names the row and the field).
   */
  append(rows: readonly CostHistoryRow[]): Promise<void>;
  /** Matching rows, oldest first (timestamp, then id); at most `limit`. */
  list(query: CostHistoryQuery): Promise<readonly CostHistoryRecord[]>;
}

// ------------------------------------------------------------------------------------------ decisions

/** A plan the service computed, as recorded in `deployment_decisions`. */
export interface DecisionInput {
  readonly at: Date;
  /** Who asked: `simulate` (POST /api/v1/cost/simulate), `recommendation` (the recommendations endpoint) … 1–64 characters. */
  readonly source: string;
  /** What it was about (the table's workload_id): the plan's pool names, comma-separated; 1–1000 characters. */
  readonly workload: string;
  readonly plan: Plan;
}

export interface DecisionRecord extends DecisionInput {
  readonly id: number;
  /** plan.feasible, also kept in its own column. */
  readonly feasible: boolean;
  /** plan.savingsPerHour as stored (cost_savings, NUMERIC(12,4): rounded to 4 decimals). */
  readonly savingsPerHour: number;
}

export interface DecisionRepository {
  /**
   * Append one decision. Rejects with GOV_VALIDATION, storing nothing, when source or workload is out of
   * bounds or the savings do not fit NUMERIC(12,4).
   */
  record(decision: DecisionInput): Promise<DecisionRecord>;
  /** The newest decisions first (timestamp, then id); limit 1..1000. */
  listRecent(limit: number): Promise<readonly DecisionRecord[]>;
}
