import type { NodeState } from '../../../core/model/node.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

export type FakeOperation = 'listNodes' | 'getNode' | 'startNode' | 'stopNode' | 'health';

/** One recorded call: the operation and what it was given (signals left out). */
export interface FakeCall {
  readonly operation: FakeOperation;
  readonly nodeId?: string;
  readonly token?: string;
  readonly pool?: string;
  readonly offeringId?: string;
  readonly mode?: string;
}

export interface FakeProviderOptions {
  /** Default `fake`. */
  readonly name?: string;
  /**
   * The state a started node reports: `running` (default) makes every start ready at once; `pending` keeps it
   * pending until `setState` moves it on.
   */
  readonly startState?: NodeState;
  /** The state a stopped node reports (default: `terminated`, or `stopped` for mode `stop`). */
  readonly stopState?: NodeState;
}

/**
 * An in-memory CloudProvider for unit tests (style.md lesson 5): records every call, keeps nodes in a map, and
 * can be told to fail next. No time, no randomness: a test moves nodes between states itself with `setState`.
 * For realistic timing (start-up delays, quotas, interruptions) use the simulated cloud (../sim).
 */
export class FakeCloudProvider implements CloudProvider {
  readonly name: string;
  readonly kind = 'fake';
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  readonly #nodes = new Map<string, ProviderNode>();
  readonly #byToken = new Map<string, string>();
  readonly #failures = new Map<FakeOperation, Error[]>();
  readonly #startState: NodeState;
  readonly #stopState: NodeState | undefined;
  #counter = 0;

  constructor(options: FakeProviderOptions = {}) {
    this.name = options.name ?? 'fake';
    this.#startState = options.startState ?? 'running';
    this.#stopState = options.stopState;
  }

  /** The next call of `operation` rejects with `error` (a provider error of `kind` when a kind is given). Queued. */
  failNext(operation: FakeOperation, error: ProviderErrorKind | Error): void {
    const value = typeof error === 'string' ? providerError(error, this.name, operation, 'injected failure') : error;
    const queue = this.#failures.get(operation) ?? [];
    queue.push(value);
    this.#failures.set(operation, queue);
  }

  /** Put a node in the fake (as if it was there before). */
  addNode(node: Partial<ProviderNode> & { id: string }): ProviderNode {
    const full: ProviderNode = {
      provider: this.name, offeringId: null, instanceType: null, region: null, zone: null, pool: null, state: 'running',
      labels: {}, launchedAt: null, idempotencyToken: null, address: null, ...node,
    };
    this.#nodes.set(full.id, full);
    if (full.idempotencyToken !== null) this.#byToken.set(full.idempotencyToken, full.id);
    return full;
  }

  /** Move a node to a state. */
  setState(id: string, state: NodeState): void {
    const node = this.#nodes.get(id);
    if (node === undefined) throw new Error(`fake: no node ${id}`);
    this.#nodes.set(id, { ...node, state });
  }

  /** Forget a node (it vanished behind our back). */
  remove(id: string): void {
    this.#nodes.delete(id);
  }

  /** Every node the fake holds. */
  get nodes(): readonly ProviderNode[] {
    return [...this.#nodes.values()];
  }

  #enter(call: FakeCall): void {
    this.calls.push(call);
    const queue = this.#failures.get(call.operation);
    const next = queue?.shift();
    if (next !== undefined) throw next;
  }

  async listNodes(): Promise<readonly ProviderNode[]> {
    this.#enter({ operation: 'listNodes' });
    return this.nodes;
  }

  async getNode(id: string): Promise<ProviderNode> {
    this.#enter({ operation: 'getNode', nodeId: id });
    const node = this.#nodes.get(id);
    if (node === undefined) throw providerError('NotFound', this.name, 'getNode', `node ${id} not found`, { nodeId: id });
    return node;
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    this.#enter({ operation: 'startNode', token: request.idempotencyToken, pool: request.pool, offeringId: request.offering.id });
    const existing = this.#byToken.get(request.idempotencyToken);
    const known = existing === undefined ? undefined : this.#nodes.get(existing);
    if (known !== undefined) return known;
    this.#counter += 1;
    const node = this.addNode({
      id: `${this.name}-${this.#counter}`,
      offeringId: request.offering.id,
      instanceType: request.offering.instanceType,
      region: request.offering.region,
      zone: request.offering.zone,
      pool: request.pool,
      state: this.#startState,
      labels: { ...request.labels, [POOL_LABEL]: request.pool, [TOKEN_LABEL]: request.idempotencyToken },
      idempotencyToken: request.idempotencyToken,
      address: `127.0.0.1:${10_000 + this.#counter}`,
    });
    return node;
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    this.#enter({ operation: 'stopNode', nodeId: request.nodeId, mode: request.mode });
    const node = this.#nodes.get(request.nodeId);
    if (node === undefined) {
      throw providerError('NotFound', this.name, 'stopNode', `node ${request.nodeId} not found`, { nodeId: request.nodeId });
    }
    if (node.state === 'terminated' || (node.state === 'stopped' && request.mode === 'stop')) return;
    this.setState(request.nodeId, this.#stopState ?? (request.mode === 'stop' ? 'stopped' : 'terminated'));
  }

  async health(): Promise<ProviderHealth> {
    try {
      this.#enter({ operation: 'health' });
      return { ok: true, latencyMs: 0 };
    } catch (error) {
      return { ok: false, latencyMs: 0, detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
