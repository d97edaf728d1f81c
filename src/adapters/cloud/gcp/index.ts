import { createHash } from 'node:crypto';
import { InstancesClient, ZoneOperationsClient, type protos } from '@google-cloud/compute';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError, type GovError } from '../../../core/errors.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

/**
 * GCP label keys and values allow lowercase letters, digits, `_` and `-` only (63 characters at most), so the
 * port's `governator:pool` is spelled `governator-pool` here, and the start token `governator-token`.
 */
export const GCP_POOL_LABEL = 'governator-pool';
export const GCP_TOKEN_LABEL = 'governator-token';
/** The instance description carries what labels cannot: the exact offering id and the raw token. */
const DESCRIPTION_PREFIX = 'Governator node:';

/** A parsed service account key (the JSON file Google hands out). */
export interface GcpServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly [field: string]: unknown;
}

export interface GcpProviderOptions {
  /** Provider instance name (config), e.g. `gcp-prod`. */
  readonly name: string;
  readonly project: string;
  /** Zones this instance lists and starts nodes in, e.g. `us-central1-a`. */
  readonly zones: readonly string[];
  /**
   * Instance template used for starts (`global/instanceTemplates/NAME`, `regions/R/instanceTemplates/NAME` or a
   * full URL): disks, network, service account, metadata. The adapter sets name, machine type, labels,
   * description and (spot) scheduling on top.
   */
  readonly instanceTemplate?: string;
  /** Without a template: boot image (e.g. `projects/debian-cloud/global/images/family/debian-12`). */
  readonly sourceImage?: string;
  readonly bootDiskSizeGb?: number;
  /** Without a template: network / subnetwork of the node (default network `global/networks/default`). */
  readonly network?: string;
  readonly subnetwork?: string;
  /** Service account key (from the credential store). Omitted: Application Default Credentials. */
  readonly credentials?: GcpServiceAccountKey;
  /** `owned` lists only instances with a `governator-pool` label; `all` (default) every instance of the zones. */
  readonly listScope?: 'all' | 'owned';
  /**
   * How long start and stop follow their zone operation (zoneOperations.wait) before they resolve with the node
   * as it is: long enough to surface a failed operation (ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED) as a
   * typed error. Default 90 000 ms; 0 returns as soon as the request is accepted.
   */
  readonly operationWaitMs?: number;
  /**
   * Before inserting, start a stopped (`TERMINATED`) instance of the same pool, machine type and provisioning
   * model in the zone, if there is one (what stop mode `stop` keeps disks for). Default true.
   */
  readonly reuseStopped?: boolean;
  /** Within this window after a start, a 404 for that instance reads as `pending`. Default 120 000 ms. */
  readonly consistencyGraceMs?: number;
  /** Injected clients (tests: their transport answers from recorded responses); otherwise built from credentials. */
  readonly instancesClient?: InstancesClient;
  readonly operationsClient?: ZoneOperationsClient;
  readonly now?: () => number;
}

/**
 * Google Compute Engine. Nodes are instances labelled `governator-pool=<pool>` and `governator-token=<token>`,
 * named `gov-<pool>-<16 hex of the token's SHA-256>` so that a start is idempotent twice over: the insert
 * carries `requestId` (a UUID derived from the token; GCP answers a repeated request with the first operation),
 * and a name that exists already is the first start's instance (409 alreadyExists → that instance). Stop mode
 * `terminate` → instances.delete, `stop` → instances.stop (disk kept; status TERMINATED). Operations are followed
 * with zoneOperations.wait for up to `operationWaitMs`.
 */
export function createGcpProvider(options: GcpProviderOptions): CloudProvider {
  return new GcpProvider(options);
}

/** The instance name of a start (deterministic: a retried start finds the first one's instance). */
export function instanceName(pool: string, token: string): string {
  const slug = pool.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '').slice(0, 40);
  return `gov-${slug}-${sha256(token).slice(0, 16)}`;
}

/** A UUID (RFC 4122 layout, version 5 bits) derived from the token: GCP's requestId must be a non-zero UUID. */
export function requestId(token: string): string {
  const h = sha256(`governator:${token}`).slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** A label key or value GCP accepts: lowercase letters, digits, `_`, `-`, at most 63 (keys start with a letter). */
export function labelValue(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
}
/** The token as a label value: itself when GCP accepts it, else `h-` + 32 hex of its SHA-256 (never truncated: no collisions). */
export function tokenLabel(token: string): string {
  return /^[a-z0-9_-]{1,63}$/.test(token) ? token : `h-${sha256(token).slice(0, 32)}`;
}
function labelKey(key: string): string {
  const v = labelValue(key);
  return /^[a-z]/.test(v) ? v : `x${v}`.slice(0, 63);
}

const STATES: Readonly<Record<string, NodeState>> = {
  PROVISIONING: 'pending', STAGING: 'pending', RUNNING: 'running', STOPPING: 'stopping', SUSPENDING: 'stopping',
  TERMINATED: 'stopped', STOPPED: 'stopped', SUSPENDED: 'stopped', REPAIRING: 'unknown',
};

class GcpProvider implements CloudProvider {
  readonly kind = 'gcp';
  readonly name: string;
  readonly #options: GcpProviderOptions;
  readonly #instances: InstancesClient;
  readonly #operations: ZoneOperationsClient;
  readonly #recent = new Map<string, { node: ProviderNode; at: number }>();

  constructor(options: GcpProviderOptions) {
    if (options.zones.length === 0) throw providerError('InvalidRequest', options.name, 'configure', 'at least one zone is needed');
    this.name = options.name;
    this.#options = options;
    const clientOptions = {
      projectId: options.project,
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    };
    this.#instances = options.instancesClient ?? new InstancesClient(clientOptions);
    this.#operations = options.operationsClient ?? new ZoneOperationsClient(clientOptions);
  }

  async listNodes(opts: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    const filter = this.#options.listScope === 'owned' ? `labels.${GCP_POOL_LABEL}:*` : undefined;
    const nodes: ProviderNode[] = [];
    // Every zone must answer: one failing zone fails the list (never a silently partial inventory).
    for (const zone of this.#options.zones) {
      try {
        for await (const instance of this.#instances.listAsync({ project: this.#options.project, zone, maxResults: 500, ...(filter ? { filter } : {}) }, { ...NO_RETRY, autoPaginate: false })) {
          if (opts.signal?.aborted === true) throw providerError('Timeout', this.name, 'listNodes', 'aborted');
          nodes.push(this.#node(instance, zone));
        }
      } catch (error) {
        throw this.#error(error, 'listNodes');
      }
    }
    return nodes;
  }

  async getNode(id: string, opts: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    const ref = this.#parseId(id);
    if (ref === null) throw providerError('NotFound', this.name, 'getNode', `no instance ${JSON.stringify(id)}`, { nodeId: id });
    const zones = ref.zone === null ? this.#options.zones : [ref.zone];
    let notFound: GovError | null = null;
    for (const zone of zones) {
      try {
        const instance = await this.#call(opts.signal, () => this.#instances.get({ project: this.#options.project, zone, instance: ref.name }, NO_RETRY));
        const node = this.#node(instance[0], zone);
        this.#recent.delete(node.id);
        return node;
      } catch (error) {
        const mapped = this.#error(error, 'getNode', id);
        if (mapped.code !== 'GOV_PROVIDER_NOT_FOUND') throw mapped;
        notFound = mapped;
      }
    }
    const recent = this.#recent.get(ref.zone === null ? '' : `${ref.zone}/${ref.name}`) ?? [...this.#recent.values()].find((r) => r.node.id.endsWith(`/${ref.name}`));
    if (recent !== undefined) {
      if (this.#now() - recent.at <= (this.#options.consistencyGraceMs ?? 120_000)) return recent.node;
      this.#recent.delete(recent.node.id);
    }
    throw notFound ?? providerError('NotFound', this.name, 'getNode', `no instance ${JSON.stringify(id)}`, { nodeId: id });
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    const { offering, pool, idempotencyToken: token } = request;
    const zone = this.#zoneFor(offering.zone, offering.region);
    const name = instanceName(pool, token);
    const project = this.#options.project;

    // A retried start: the first one's instance exists under the same name, or (a reused one) carries the token.
    const existing = await this.#find(zone, name, request.signal);
    if (existing !== null) return existing;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.labels ?? {})) labels[labelKey(k)] = labelValue(v);
    labels[GCP_POOL_LABEL] = labelValue(pool);
    labels[GCP_TOKEN_LABEL] = tokenLabel(token);
    const tokened = await this.#listZone(zone, `labels.${GCP_TOKEN_LABEL} = "${labels[GCP_TOKEN_LABEL]}"`, request.signal);
    if (tokened[0] !== undefined) return this.#node(tokened[0], zone);
    if (this.#options.reuseStopped !== false) {
      const reused = await this.#reuse(zone, request, labels);
      if (reused !== null) return reused;
    }

    if (this.#options.instanceTemplate === undefined && this.#options.sourceImage === undefined) {
      throw providerError('InvalidRequest', this.name, 'startNode', 'no instance_template and no source_image: GCP needs a boot disk');
    }
    const resource: Instance = {
      name,
      machineType: `zones/${zone}/machineTypes/${offering.instanceType}`,
      labels,
      description: `${DESCRIPTION_PREFIX} pool=${pool} offering=${offering.id} token=${token}`,
      ...(offering.purchase === 'spot' ? { scheduling: { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE', automaticRestart: false, onHostMaintenance: 'TERMINATE' } } : {}),
      ...(this.#options.instanceTemplate === undefined ? {
        disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: this.#options.sourceImage ?? null, ...(this.#options.bootDiskSizeGb === undefined ? {} : { diskSizeGb: String(this.#options.bootDiskSizeGb) }) } }],
        networkInterfaces: [{
          ...(this.#options.subnetwork === undefined ? { network: this.#options.network ?? 'global/networks/default' } : { subnetwork: this.#options.subnetwork }),
        }],
      } : {}),
    };
    let operation: Operation;
    try {
      const [lro] = await this.#call(request.signal, () => this.#instances.insert({
        project, zone, requestId: requestId(token), instanceResource: resource,
        ...(this.#options.instanceTemplate === undefined ? {} : { sourceInstanceTemplate: this.#options.instanceTemplate }),
      }, NO_RETRY));
      operation = lro.latestResponse as Operation;
    } catch (error) {
      const mapped = this.#error(error, 'startNode');
      // 409 alreadyExists: the first start got there (its answer was lost, or the instance was not visible yet).
      if (mapped.code === 'GOV_PROVIDER_INVALID_REQUEST' && (mapped.details as { providerCode?: string }).providerCode === 'alreadyExists') {
        const found = await this.#find(zone, name, request.signal);
        return found ?? this.#remember(this.#synthetic(name, zone, pool, offering, token, labels));
      }
      throw mapped;
    }
    await this.#follow(operation, zone, 'startNode', request.signal);
    const node = this.#remember(this.#synthetic(name, zone, pool, offering, token, labels));
    // Prefer the instance as GCP reports it now; it may not be readable yet (then the synthetic pending node).
    try {
      const [instance] = await this.#call(request.signal, () => this.#instances.get({ project, zone, instance: name }, NO_RETRY));
      const live = this.#node(instance, zone);
      return this.#remember(live);
    } catch (error) {
      if (this.#error(error, 'startNode').code === 'GOV_PROVIDER_NOT_FOUND') return node;
      throw this.#error(error, 'startNode');
    }
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const node = await this.getNode(request.nodeId, request.signal ? { signal: request.signal } : {});
    const ref = this.#parseId(node.id)!;
    const zone = ref.zone ?? this.#options.zones[0]!;
    const call = { project: this.#options.project, zone, instance: ref.name };
    let operation: Operation;
    try {
      if (request.mode === 'terminate') {
        const [lro] = await this.#call(request.signal, () => this.#instances.delete(call, NO_RETRY));
        operation = lro.latestResponse as Operation;
      } else {
        if (node.state === 'stopped' || node.state === 'stopping') return;
        const [lro] = await this.#call(request.signal, () => this.#instances.stop(call, NO_RETRY));
        operation = lro.latestResponse as Operation;
      }
    } catch (error) {
      const mapped = this.#error(error, 'stopNode', node.id);
      const providerCode = (mapped.details as { providerCode?: string }).providerCode;
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND' && request.mode === 'terminate') {
        // Started moments ago and not visible yet: stopping it now would leave an orphan once it appears.
        if (this.#recent.has(node.id)) {
          throw providerError('Unavailable', this.name, 'stopNode', `instance ${node.id} was just started and is not visible yet`, { nodeId: node.id });
        }
        return; // Deleted between our get and our call: the goal of a terminate is reached.
      }
      // A delete already running (the instance is going away): resourceNotReady.
      if (request.mode === 'terminate' && providerCode === 'resourceNotReady' && node.state === 'stopping') return;
      throw mapped;
    }
    this.#recent.delete(node.id);
    try {
      await this.#follow(operation, zone, 'stopNode', request.signal, node.id);
    } catch (error) {
      // The instance went away while the stop ran (a spot preemption, someone else's delete): stopped enough.
      if (isGovError(error) && error.code === 'GOV_PROVIDER_NOT_FOUND') return;
      throw error;
    }
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      await this.#instances.list({ project: this.#options.project, zone: this.#options.zones[0]!, maxResults: 1 }, { ...NO_RETRY, autoPaginate: false });
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, detail: this.#error(error, 'health').message };
    }
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #remember(node: ProviderNode): ProviderNode {
    this.#recent.set(node.id, { node, at: this.#now() });
    return node;
  }

  async #listZone(zone: string, filter: string, signal?: AbortSignal): Promise<Instance[]> {
    const out: Instance[] = [];
    try {
      for await (const instance of this.#instances.listAsync({ project: this.#options.project, zone, filter, maxResults: 500 }, { ...NO_RETRY, autoPaginate: false })) {
        if (signal?.aborted === true) throw providerError('Timeout', this.name, 'startNode', 'aborted');
        out.push(instance);
      }
    } catch (error) {
      throw this.#error(error, 'startNode');
    }
    return out;
  }

  /**
   * Claim a stopped instance of the pool with the same machine type and provisioning model: set the start's
   * labels under the instance's labelFingerprint (a concurrent claim makes GCP answer 412, and the next candidate
   * is tried), then instances.start. Null when there is none to claim.
   */
  async #reuse(zone: string, request: StartNodeRequest, labels: Record<string, string>): Promise<ProviderNode | null> {
    const { offering, idempotencyToken: token, signal } = request;
    const project = this.#options.project;
    const stopped = await this.#listZone(zone, `(labels.${GCP_POOL_LABEL} = "${labels[GCP_POOL_LABEL]}") AND (status = "TERMINATED")`, signal);
    const spot = offering.purchase === 'spot';
    const candidates = stopped.filter((i) => i.status === 'TERMINATED' && i.machineType?.endsWith(`/machineTypes/${offering.instanceType}`)
      && (i.scheduling?.provisioningModel === 'SPOT' || i.scheduling?.preemptible === true) === spot);
    for (const candidate of candidates) {
      const instance = candidate.name!;
      try {
        const [lro] = await this.#call(signal, () => this.#instances.setLabels({
          project, zone, instance, requestId: requestId(`labels:${token}`),
          instancesSetLabelsRequestResource: { labels: { ...candidate.labels, ...labels }, labelFingerprint: candidate.labelFingerprint ?? null },
        }, NO_RETRY));
        await this.#follow(lro.latestResponse as Operation, zone, 'startNode', signal, `${zone}/${instance}`);
      } catch (error) {
        const mapped = this.#error(error, 'startNode', `${zone}/${instance}`);
        const code = (mapped.details as { providerCode?: string }).providerCode;
        // Another start claimed it first (fingerprint changed) or it went away: try the next one.
        if (code === 'conditionNotMet' || code === 'CONDITION_NOT_MET' || mapped.code === 'GOV_PROVIDER_NOT_FOUND') continue;
        throw mapped;
      }
      const [lro] = await this.#call(signal, () => this.#instances.start({ project, zone, instance, requestId: requestId(`start:${token}`) }, NO_RETRY))
        .catch((error: unknown) => { throw this.#error(error, 'startNode', `${zone}/${instance}`); });
      await this.#follow(lro.latestResponse as Operation, zone, 'startNode', signal, `${zone}/${instance}`);
      const found = await this.#find(zone, instance, signal);
      const node = found ?? { ...this.#node({ ...candidate, labels: { ...candidate.labels, ...labels } }, zone), state: 'pending' as const };
      return this.#remember({ ...node, idempotencyToken: token });
    }
    return null;
  }

  /** The instance of that name, or null when GCP says 404. */
  async #find(zone: string, name: string, signal?: AbortSignal): Promise<ProviderNode | null> {
    try {
      const [instance] = await this.#call(signal, () => this.#instances.get({ project: this.#options.project, zone, instance: name }, NO_RETRY));
      return this.#node(instance, zone);
    } catch (error) {
      const mapped = this.#error(error, 'startNode');
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND') return null;
      throw mapped;
    }
  }

  /** Wait on a zone operation until DONE (then fail with its error, if any) or until operationWaitMs passed. */
  async #follow(operation: Operation, zone: string, op: string, signal?: AbortSignal, nodeId?: string): Promise<void> {
    const waitMs = this.#options.operationWaitMs ?? 90_000;
    const deadline = this.#now() + waitMs;
    let current = operation;
    // zoneOperations.wait blocks up to 2 minutes server-side; the cap on rounds bounds a stuck clock.
    for (let round = 0; current.status !== 'DONE' && waitMs > 0 && round < 20 && this.#now() < deadline; round++) {
      if (!current.name) break;
      try {
        [current] = await this.#call(signal, () => this.#operations.wait({ project: this.#options.project, zone, operation: current.name! }, NO_RETRY));
      } catch (error) {
        throw this.#error(error, op, nodeId);
      }
    }
    if (current.status === 'DONE' && current.error?.errors?.length) throw this.#operationError(current, op, nodeId);
  }

  #operationError(operation: Operation, op: string, nodeId?: string): GovError {
    const first = operation.error!.errors![0]!;
    const code = first.code ?? 'UNKNOWN';
    const kind = gcpErrorKind(operation.httpErrorStatusCode ?? undefined, code, first.message ?? '');
    return providerError(kind, this.name, op, `${code}: ${first.message ?? operation.httpErrorMessage ?? 'operation failed'}`, {
      providerCode: code, ...(nodeId === undefined ? {} : { nodeId }),
    });
  }

  /** Run one SDK call; an abort of the caller's signal rejects at once (the SDK call takes no AbortSignal). */
  async #call<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    if (signal === undefined) return run();
    if (signal.aborted) throw providerError('Timeout', this.name, 'call', 'aborted');
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(providerError('Timeout', this.name, 'call', 'aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      run().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #zoneFor(zone: string | null, region: string): string {
    if (zone !== null) {
      if (!this.#options.zones.includes(zone)) {
        throw providerError('InvalidRequest', this.name, 'startNode', `zone ${zone} is not among this provider's zones (${this.#options.zones.join(', ')})`);
      }
      return zone;
    }
    const inRegion = this.#options.zones.find((z) => z.startsWith(`${region}-`));
    if (inRegion === undefined) {
      throw providerError('InvalidRequest', this.name, 'startNode', `no configured zone in region ${region} (zones: ${this.#options.zones.join(', ')})`);
    }
    return inRegion;
  }

  /** `zone/name` (what listNodes returns), or a bare name looked up in every configured zone. */
  #parseId(id: string): { zone: string | null; name: string } | null {
    const m = /^(?:([a-z]+-[a-z0-9]+-[a-z])\/)?([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/.exec(id);
    if (m === null) return null;
    return { zone: m[1] ?? null, name: m[2]! };
  }

  #synthetic(name: string, zone: string, pool: string, offering: { id: string; instanceType: string }, token: string, labels: Record<string, string>): ProviderNode {
    return {
      id: `${zone}/${name}`, provider: this.name, offeringId: offering.id, instanceType: offering.instanceType,
      region: regionOf(zone), zone, pool, state: 'pending', labels, launchedAt: null, idempotencyToken: token, address: null,
    };
  }

  #node(instance: Instance, zone: string): ProviderNode {
    const labels: Record<string, string> = { ...(instance.labels ?? {}) };
    const description = instance.description ?? '';
    const fromDescription = (key: string) => description.startsWith(DESCRIPTION_PREFIX) ? new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(description)?.[1] ?? null : null;
    const type = instance.machineType ? instance.machineType.slice(instance.machineType.lastIndexOf('/') + 1) : null;
    const region = regionOf(zone);
    const purchase = instance.scheduling?.provisioningModel === 'SPOT' || instance.scheduling?.preemptible === true ? 'spot' : 'on-demand';
    const pool = labels[GCP_POOL_LABEL] ?? null;
    return {
      id: `${zone}/${instance.name ?? ''}`, provider: this.name,
      offeringId: fromDescription('offering') ?? (type === null ? null : `gcp:${region}:${type}:${purchase}`),
      instanceType: type, region, zone,
      pool: pool === null ? null : (fromDescription('pool') ?? pool),
      state: STATES[instance.status ?? ''] ?? 'unknown', labels,
      launchedAt: instance.creationTimestamp ? new Date(instance.creationTimestamp).toISOString() : null,
      // The description keeps the exact token of the start that created the instance; a reused instance carries
      // its current start's token in the label only.
      idempotencyToken: token(fromDescription('token'), labels[GCP_TOKEN_LABEL]),
      address: instance.networkInterfaces?.[0]?.networkIP ?? null,
    };
  }

  #error(error: unknown, operation: string, nodeId?: string): GovError {
    if (isGovError(error)) return error;
    const info = gcpErrorInfo(error);
    const kind = gcpErrorKind(info.status, info.reason, info.message);
    const retryAfterMs = kind === 'Throttled' ? info.retryAfterMs : undefined;
    return providerError(kind, this.name, operation, `${info.status === undefined ? '' : `HTTP ${info.status}: `}${info.message}`, {
      cause: error, ...(info.reason === undefined ? {} : { providerCode: info.reason }),
      ...(nodeId === undefined ? {} : { nodeId }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

/** No SDK retries: the engine retries with its own backoff and budget (port contract). */
const NO_RETRY = { maxRetries: 0 } as const;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function token(fromDescription: string | null, label: string | undefined): string | null {
  if (fromDescription !== null && (label === undefined || tokenLabel(fromDescription) === label)) return fromDescription;
  return label ?? null;
}

function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

interface GcpErrorInfo {
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly message: string;
  readonly retryAfterMs: number | undefined;
}

/** gRPC codes the gax layer may report instead of an HTTP status. */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = { 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 13: 500, 14: 503, 16: 401 };

/**
 * What an error of the Compute client says: HTTP status, reason and message. Over REST the client rejects with
 * a GaxiosError whose message is the response body (`{"error": {"code", "message", "errors": [{"reason"}],
 * "details": [{"reason"}]}}`); token failures of google-auth-library look alike (`{"error": "invalid_grant"}`);
 * a GoogleError carries a gRPC code.
 */
export function gcpErrorInfo(error: unknown): GcpErrorInfo {
  const e = error as { status?: unknown; code?: unknown; message?: unknown; reason?: unknown; response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> }; name?: string };
  let status = typeof e.status === 'number' ? e.status : e.response?.status;
  if (status === undefined && typeof e.code === 'number') status = e.code >= 100 ? e.code : GRPC_TO_HTTP[e.code];
  const raw = typeof e.message === 'string' ? e.message : '';
  let body: unknown;
  for (const candidate of [e.response?.data, raw]) {
    if (body !== undefined) break;
    if (typeof candidate === 'string' && candidate.trimStart().startsWith('{')) {
      try { body = JSON.parse(candidate); } catch { /* not JSON */ }
    } else if (candidate !== null && typeof candidate === 'object') body = candidate;
  }
  let reason = typeof e.reason === 'string' ? e.reason : undefined;
  let message = raw;
  const envelope = (body as { error?: unknown; error_description?: string } | undefined)?.error;
  if (envelope !== undefined && typeof envelope === 'object' && envelope !== null) {
    const err = envelope as { message?: string; status?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> };
    message = err.message ?? message;
    reason = err.errors?.find((x) => x.reason)?.reason ?? err.details?.find((x) => x.reason)?.reason ?? reason ?? err.status;
  } else if (typeof envelope === 'string') {
    // OAuth token endpoint: {"error": "invalid_grant", "error_description": "…"}.
    reason = envelope;
    message = `${envelope}${(body as { error_description?: string }).error_description ? `: ${(body as { error_description?: string }).error_description}` : ''}`;
    if (status === undefined || status === 400) status = 401;
  }
  if (typeof e.code === 'string' && reason === undefined) reason = e.code;
  if (e.name === 'AbortError') reason = 'AbortError';
  const headers = e.response?.headers;
  const header = typeof (headers as Headers | undefined)?.get === 'function' ? (headers as Headers).get('retry-after') : (headers as Record<string, string> | undefined)?.['retry-after'];
  const seconds = header === null || header === undefined ? NaN : Number(header);
  return { status, reason, message: message.slice(0, 500) || (e.name ?? 'Error'), retryAfterMs: Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined };
}

/**
 * GCP's answers folded into the port's kinds. Compute reports quota and stock-outs either at once (HTTP 403
 * `quotaExceeded`) or in the operation's error (`QUOTA_EXCEEDED`, `ZONE_RESOURCE_POOL_EXHAUSTED`); API rate
 * limits as 429 or as 403 `rateLimitExceeded`.
 */
export function gcpErrorKind(status: number | undefined, reason: string | undefined, message: string): ProviderErrorKind {
  const r = reason ?? '';
  if (['ZONE_RESOURCE_POOL_EXHAUSTED', 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', 'REGION_RESOURCE_POOL_EXHAUSTED', 'RESOURCE_POOL_EXHAUSTED', 'STOCKOUT', 'resourcePoolExhausted'].includes(r)
    || /does not have enough resources available/i.test(message)) return 'CapacityUnavailable';
  if (['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED', 'RESOURCE_OPERATION_RATE_EXCEEDED'].includes(r) || status === 429) return 'Throttled';
  if (['QUOTA_EXCEEDED', 'quotaExceeded', 'limitExceeded'].includes(r)) return /per minute|per 100 seconds|per second/i.test(message) ? 'Throttled' : 'QuotaExceeded';
  if (['notFound', 'RESOURCE_NOT_FOUND'].includes(r) || status === 404) return 'NotFound';
  if (['authError', 'UNAUTHENTICATED', 'ACCESS_TOKEN_EXPIRED', 'CREDENTIALS_MISSING', 'invalid_grant', 'invalid_client', 'unauthorized_client',
    'forbidden', 'insufficientPermissions', 'IAM_PERMISSION_DENIED', 'accessNotConfigured', 'SERVICE_DISABLED', 'PERMISSION_DENIED'].includes(r)
    || status === 401 || status === 403) return 'AuthFailed';
  if (r === 'AbortError' || status === 504 || r === 'ETIMEDOUT') return 'Timeout';
  if (status !== undefined && status >= 400 && status < 500) return 'InvalidRequest';
  if (status === undefined && /^[A-Z_]+$/.test(r) && !/^E[A-Z]+$/.test(r)) return 'InvalidRequest';
  return 'Unavailable';
}
