import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError } from '../../../core/errors.js';
import { providerError } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';
import { ipmiPower, type IpmiTarget, type PowerStatus } from './ipmi.js';
import { RedfishClient, type RedfishTarget } from './redfish.js';

export type { IpmiTarget } from './ipmi.js';
export type { RedfishTarget } from './redfish.js';

/** One owned server and its BMC. */
export type BaremetalHost = {
  /** Unique in the provider; becomes the node id. */
  readonly id: string;
  /** The catalog offering this machine is (`baremetal:<site>:<type>:owned`); starts pick hosts by it. */
  readonly offeringId: string;
  /** When set, the host only ever serves this pool; otherwise any pool may claim it while it is off. */
  readonly pool?: string;
  readonly instanceType?: string;
  readonly region?: string;
  readonly zone?: string;
  /** Where the OS answers (IP or host:port), for health checks. */
  readonly address?: string;
  /** Extra labels reported on the node. */
  readonly labels?: Readonly<Record<string, string>>;
} & (
  | { readonly protocol: 'ipmi'; readonly ipmi: IpmiTarget }
  | { readonly protocol: 'redfish'; readonly redfish: RedfishTarget }
);

/** Who holds a host: the pool and the start's idempotency token. Kept by the adapter, not on the BMC. */
export interface HostClaim {
  readonly pool: string;
  readonly token: string;
  /** When the claim was made (ISO 8601). */
  readonly at: string;
  /**
   * Set when a graceful stop was asked for: the OS powers the machine off when it is done, so the host stays
   * claimed (and reads `stopping`) until it is seen off.
   */
  readonly stopRequestedAt?: string;
}

/**
 * Where host claims live. BMCs have nowhere to keep a tag, so the adapter remembers which start powered which
 * host; a file-backed store (`stateFile`) lets that survive a restart so the journal can be reconciled.
 */
export interface HostClaimStore {
  load(): Promise<Record<string, HostClaim>>;
  save(claims: Record<string, HostClaim>): Promise<void>;
}

export interface BaremetalProviderOptions {
  /** Provider instance name (config), e.g. `onprem-ipmi`. */
  readonly name: string;
  /** The inventory: every host this provider may power. Ids must be unique. */
  readonly hosts: readonly BaremetalHost[];
  /** JSON file for host claims (written atomically). Ignored when `claimStore` is given. Default: memory only. */
  readonly stateFile?: string;
  readonly claimStore?: HostClaimStore;
  /** ipmitool binary; default `ipmitool` on PATH. */
  readonly ipmitoolPath?: string;
  /** Per ipmitool run; default 20 000 ms. */
  readonly ipmiTimeoutMs?: number;
  /** Redfish HTTP dispatcher (tests inject an undici MockAgent). */
  readonly redfishDispatcher?: Dispatcher;
  /** Accept self-signed BMC certificates for Redfish; default false. */
  readonly redfishInsecureTls?: boolean;
  readonly redfishTimeoutMs?: number;
  /**
   * Power off gracefully (IPMI `soft`, Redfish `GracefulShutdown`) for mode `stop`; mode `terminate` cuts the
   * power (`off` / `ForceOff`). Default true; false makes both modes cut the power.
   */
  readonly gracefulStop?: boolean;
  /** Clock for claim times; default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Owned servers behind IPMI or Redfish BMCs. A start powers on a free host of the offering (off and not
 * claimed, and dedicated to the pool or to none); a stop powers it off and frees it. Hosts are never
 * "terminated": an off host is `stopped` and can be started again.
 *
 * Idempotency: the claim (pool + token) is written BEFORE the power-on; a second start with the same token
 * finds the claim and only re-issues the power-on (harmless when the host is already on).
 */
export function createBaremetalProvider(options: BaremetalProviderOptions): CloudProvider {
  return new BaremetalProvider(options);
}

class BaremetalProvider implements CloudProvider {
  readonly kind = 'baremetal';
  readonly name: string;
  readonly #hosts = new Map<string, BaremetalHost>();
  readonly #store: HostClaimStore;
  readonly #redfish: RedfishClient;
  readonly #options: BaremetalProviderOptions;
  #claims: Record<string, HostClaim> | null = null;
  /** Starts and stops run one at a time so two starts never claim the same host. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: BaremetalProviderOptions) {
    this.name = options.name;
    this.#options = options;
    for (const host of options.hosts) {
      if (this.#hosts.has(host.id)) throw new Error(`baremetal provider ${options.name}: duplicate host id ${host.id}`);
      this.#hosts.set(host.id, host);
    }
    this.#store = options.claimStore ?? (options.stateFile === undefined ? memoryStore() : fileStore(options.stateFile));
    this.#redfish = new RedfishClient({
      provider: options.name,
      ...(options.redfishDispatcher === undefined ? {} : { dispatcher: options.redfishDispatcher }),
      ...(options.redfishInsecureTls === undefined ? {} : { insecureTls: options.redfishInsecureTls }),
      ...(options.redfishTimeoutMs === undefined ? {} : { timeoutMs: options.redfishTimeoutMs }),
    });
  }

  async listNodes(options: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    const claims = await this.#loadClaims();
    const nodes: ProviderNode[] = [];
    // One host's dead BMC must not hide the others: it is listed as `unknown`.
    for (const host of this.#hosts.values()) {
      let state: NodeState;
      try {
        state = toState(await this.#power(host, 'status', 'listNodes', options.signal));
      } catch (error) {
        if (isGovError(error) && (error.details as { kind?: string } | undefined)?.kind === 'AuthFailed') throw error;
        state = 'unknown';
      }
      nodes.push(this.#node(host, state, claims[host.id]));
    }
    return nodes;
  }

  async getNode(id: string, options: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    const host = this.#host(id, 'getNode');
    const claims = await this.#loadClaims();
    return this.#node(host, toState(await this.#power(host, 'status', 'getNode', options.signal)), claims[id]);
  }

  startNode(request: StartNodeRequest): Promise<ProviderNode> {
    return this.#serial(async () => {
      const claims = await this.#loadClaims();
      const held = Object.entries(claims).find(([, claim]) => claim.token === request.idempotencyToken);
      if (held !== undefined) {
        const host = this.#hosts.get(held[0]);
        if (host !== undefined) {
          await this.#power(host, 'on', 'startNode', request.signal);
          return this.#node(host, 'pending', held[1]);
        }
      }
      const candidates = [...this.#hosts.values()].filter((host) =>
        host.offeringId === request.offering.id
        && (claims[host.id] === undefined || claims[host.id]!.stopRequestedAt !== undefined)
        && (host.pool === undefined || host.pool === request.pool));
      if (candidates.length === 0) {
        throw providerError('CapacityUnavailable', this.name, 'startNode',
          `no free host of offering ${request.offering.id} for pool ${request.pool}`, { providerCode: 'NO_FREE_HOST' });
      }
      for (const host of candidates) {
        // A host that is on without a claim is in use outside Governator: leave it alone.
        let status: PowerStatus;
        try {
          status = await this.#power(host, 'status', 'startNode', request.signal);
        } catch (error) {
          if (candidates.length > 1 && isGovError(error) && error.code === 'GOV_PROVIDER_UNAVAILABLE') continue;
          throw error;
        }
        if (status !== 'off') continue;
        const claim: HostClaim = { pool: request.pool, token: request.idempotencyToken, at: this.#now().toISOString() };
        await this.#saveClaims({ ...claims, [host.id]: claim });
        await this.#power(host, 'on', 'startNode', request.signal);
        return this.#node(host, 'pending', claim);
      }
      throw providerError('CapacityUnavailable', this.name, 'startNode',
        `every host of offering ${request.offering.id} is already powered on or unreachable`, { providerCode: 'NO_FREE_HOST' });
    });
  }

  stopNode(request: StopNodeRequest): Promise<void> {
    return this.#serial(async () => {
      const host = this.#host(request.nodeId, 'stopNode');
      const status = await this.#power(host, 'status', 'stopNode', request.signal);
      const claims = await this.#loadClaims();
      const claim = claims[host.id];
      const graceful = request.mode === 'stop' && this.#options.gracefulStop !== false;
      if (status === 'on') await this.#power(host, graceful ? 'soft' : 'off', 'stopNode', request.signal);
      if (claim === undefined) return;
      if (status === 'on' && graceful) {
        // A graceful shutdown is a request to the OS: keep the host claimed until it is seen off.
        if (claim.stopRequestedAt === undefined) {
          await this.#saveClaims({ ...claims, [host.id]: { ...claim, stopRequestedAt: this.#now().toISOString() } });
        }
        return;
      }
      // Freed only after the power-off was accepted: a failed stop keeps the host owned by its pool.
      const { [host.id]: _released, ...rest } = claims;
      await this.#saveClaims(rest);
    });
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    const first = this.#hosts.values().next();
    if (first.done === true) return { ok: true, latencyMs: 0, detail: 'no hosts configured' };
    try {
      await this.#power(first.value, 'status', 'health');
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, detail: (error as Error).message };
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #host(id: string, operation: string): BaremetalHost {
    const host = this.#hosts.get(id);
    if (host === undefined) throw providerError('NotFound', this.name, operation, `no host ${id} in the inventory`, { nodeId: id });
    return host;
  }

  async #power(host: BaremetalHost, command: 'status' | 'on' | 'off' | 'soft', operation: string, signal?: AbortSignal): Promise<PowerStatus> {
    const context = { operation, nodeId: host.id, ...(signal === undefined ? {} : { signal }) };
    if (host.protocol === 'ipmi') {
      const result = await ipmiPower(host.ipmi, command, {
        provider: this.name, ...context,
        ...(this.#options.ipmitoolPath === undefined ? {} : { ipmitoolPath: this.#options.ipmitoolPath }),
        ...(this.#options.ipmiTimeoutMs === undefined ? {} : { timeoutMs: this.#options.ipmiTimeoutMs }),
      });
      return result ?? (command === 'on' ? 'on' : 'off');
    }
    if (command === 'status') return this.#redfish.powerState(host.redfish, context);
    const resetType = command === 'on' ? 'On' : command === 'soft' ? 'GracefulShutdown' : 'ForceOff';
    await this.#redfish.reset(host.redfish, resetType, context);
    return command === 'on' ? 'on' : 'off';
  }

  #node(host: BaremetalHost, observed: NodeState, claim: HostClaim | undefined): ProviderNode {
    // A host asked to shut down gracefully that is still on is `stopping`; once off, its claim no longer counts.
    const stopping = claim?.stopRequestedAt !== undefined;
    const state: NodeState = stopping && observed !== 'stopped' && observed !== 'unknown' ? 'stopping' : observed;
    if (stopping && observed === 'stopped') claim = undefined;
    const pool = claim?.pool ?? host.pool ?? null;
    const labels: Record<string, string> = { ...host.labels, 'governator:bmc-protocol': host.protocol };
    if (pool !== null) labels[POOL_LABEL] = pool;
    if (claim !== undefined) labels[TOKEN_LABEL] = claim.token;
    return {
      id: host.id, provider: this.name, offeringId: host.offeringId, instanceType: host.instanceType ?? null,
      region: host.region ?? null, zone: host.zone ?? null, pool, state, labels,
      launchedAt: claim?.at ?? null, idempotencyToken: claim?.token ?? null, address: host.address ?? null,
    };
  }

  async #loadClaims(): Promise<Record<string, HostClaim>> {
    this.#claims ??= await this.#store.load().catch((error: unknown) => {
      throw providerError('Unavailable', this.name, 'loadClaims', `cannot read host claims: ${(error as Error).message}`, { retryable: false, cause: error });
    });
    return this.#claims;
  }

  async #saveClaims(claims: Record<string, HostClaim>): Promise<void> {
    await this.#store.save(claims).catch((error: unknown) => {
      throw providerError('Unavailable', this.name, 'saveClaims', `cannot write host claims: ${(error as Error).message}`, { retryable: false, cause: error });
    });
    this.#claims = claims;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** IPMI/Redfish know on and off only; `on` is reported as running (OS readiness is the health check's job). */
function toState(status: PowerStatus): NodeState {
  return status === 'on' ? 'running' : 'stopped';
}

function memoryStore(): HostClaimStore {
  let saved: Record<string, HostClaim> = {};
  return {
    load: () => Promise.resolve({ ...saved }),
    save: (claims) => { saved = { ...claims }; return Promise.resolve(); },
  };
}

/** A JSON file written to a temporary name and renamed over, so a crash never leaves half a file. */
export function fileStore(path: string): HostClaimStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as Record<string, HostClaim>;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw error;
      }
    },
    async save(claims) {
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(claims, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}
