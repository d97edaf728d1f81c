import type { NodeState } from '../core/model/node.js';
import type { Offering } from '../core/model/offering.js';

export type { ProviderErrorKind } from '../core/provider/errors.js';

/**
 * The label (AWS/Azure/DigitalOcean tag, GCP/Kubernetes label) that marks a node Governator owns, and the pool
 * it serves: `governator:pool=<pool>` (GCP and Kubernetes spell it `governator-pool`, their label keys allow no
 * colon). Nodes without it are listed as inventory but never stopped by a plan.
 */
export const POOL_LABEL = 'governator:pool';
/** The label that carries a start's idempotency token on the node, where the provider has no native one. */
export const TOKEN_LABEL = 'governator:token';

/** A node as a provider reports it. */
export interface ProviderNode {
  /** The provider's own id (EC2 instance id, GCP instance name, droplet id, Kubernetes node name, BMC host …). */
  readonly id: string;
  /** The provider instance's name (config), e.g. `aws-prod`, `sim`. */
  readonly provider: string;
  /** The catalog offering it was started as, when known (`provider:region[:zone]:type:purchase[:term]`). */
  readonly offeringId: string | null;
  readonly instanceType: string | null;
  readonly region: string | null;
  readonly zone: string | null;
  /** From the `governator:pool` label; null for nodes Governator does not own. */
  readonly pool: string | null;
  readonly state: NodeState;
  readonly labels: Readonly<Record<string, string>>;
  /** When the provider launched it (ISO 8601), when known. */
  readonly launchedAt: string | null;
  /** The token of the start that made it, when known (lets a restart match journal entries to nodes). */
  readonly idempotencyToken: string | null;
  /** Where the node answers (private IP or host:port), for health checks; null when unknown. */
  readonly address: string | null;
}

export interface StartNodeRequest {
  readonly pool: string;
  readonly offering: Offering;
  /**
   * Unique per intended node, written to the action journal BEFORE the call. A second call with the same token
   * must not start a second node: it returns the node the first call started (EC2 ClientToken, a label
   * looked up before creating, …).
   */
  readonly idempotencyToken: string;
  /** Extra labels/tags to put on the node (the adapter adds `governator:pool` and the token itself). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Per pool: terminate (delete; the default for clouds) or stop/deallocate (keep the disk, pay for storage only). */
export type StopMode = 'terminate' | 'stop';

export interface StopNodeRequest {
  readonly nodeId: string;
  readonly mode: StopMode;
  readonly signal?: AbortSignal;
}

export interface ProviderHealth {
  readonly ok: boolean;
  /** Round-trip time of the health probe, ms. */
  readonly latencyMs: number;
  /** Why not ok, for people. */
  readonly detail?: string;
}

/**
 * One place nodes run: a cloud account and region set, a Kubernetes cluster, a rack of BMCs, the simulator.
 * Implemented in src/adapters/cloud/<kind>/; a fake with error injection in src/adapters/cloud/fake and a
 * simulated cloud in src/adapters/cloud/sim (style.md lessons 1 and 5).
 *
 * Contracts:
 * - Every failure rejects with a GovError made by `providerError()` (src/core/provider/errors.ts): kinds
 *   NotFound, QuotaExceeded, CapacityUnavailable, Throttled, AuthFailed, InvalidRequest, Unavailable, Timeout;
 *   `details.retryable` tells the action engine whether a retry can help. Credentials never appear in
 *   messages or details. Adapters never log and never retry by themselves (wrappers do: withRetry,
 *   withRateLimit).
 * - `listNodes` returns every node the provider instance can see in its scope, owned or not, in any state
 *   except long-gone ones; a node just started may be missing for a while (eventual consistency).
 * - `getNode` of a node that does not exist (never did, or is gone) rejects with NotFound.
 * - `startNode` is idempotent by `idempotencyToken` (see StartNodeRequest) and resolves as soon as the
 *   provider accepted the request, usually with state `pending`; callers poll `getNode` until `running`.
 * - `stopNode` is idempotent: stopping a node that is already stopping, stopped or terminated resolves; a node
 *   that has vanished entirely rejects with NotFound (callers treat that as done).
 * - `health` never rejects: an unreachable provider is `{ ok: false, detail }`.
 */
export interface CloudProvider {
  /** Unique among configured providers, e.g. `aws-prod`, `onprem-ipmi`, `sim`. */
  readonly name: string;
  /** The adapter: `sim`, `fake`, `local`, `aws`, `gcp`, `azure`, `digitalocean`, `kubernetes`, `baremetal`. */
  readonly kind: string;
  listNodes(options?: { signal?: AbortSignal }): Promise<readonly ProviderNode[]>;
  getNode(id: string, options?: { signal?: AbortSignal }): Promise<ProviderNode>;
  startNode(request: StartNodeRequest): Promise<ProviderNode>;
  stopNode(request: StopNodeRequest): Promise<void>;
  health(): Promise<ProviderHealth>;
}
