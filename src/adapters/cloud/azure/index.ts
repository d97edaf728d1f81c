import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError, type GovError } from '../../../core/errors.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

/** Tag carrying the catalog offering id a VM was started as. */
export const OFFERING_TAG = 'governator:offering';

/**
 * The VM properties every start uses (the `template` file): storageProfile (image, OS disk with
 * `deleteOption: "Delete"`), osProfile (admin user, SSH keys), networkProfile — with
 * `networkApiVersion` and `networkInterfaceConfigurations` so that each VM gets its own NIC, deleted with it —
 * and anything else of the ARM VirtualMachine resource. The adapter sets location, size, name, tags, zone and
 * (spot) priority on top.
 */
export type AzureVmTemplate = Omit<VirtualMachine, 'location' | 'name' | 'id' | 'type'>;

export interface AzureServicePrincipal {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface AzureProviderOptions {
  /** Provider instance name (config), e.g. `azure-eastus`. */
  readonly name: string;
  readonly subscriptionId: string;
  /** The resource group Governator lists and starts VMs in. */
  readonly resourceGroup: string;
  /** ARM location, e.g. `eastus`; offerings of other regions are refused. */
  readonly location: string;
  /** VM properties for starts (see AzureVmTemplate). Without one, starts are refused (InvalidRequest). */
  readonly template?: AzureVmTemplate;
  /** Service principal (from the credential store). Omitted: DefaultAzureCredential (managed identity, CLI …). */
  readonly credentials?: AzureServicePrincipal;
  /** `owned` lists only VMs with a `governator:pool` tag; `all` (default) every VM of the resource group. */
  readonly listScope?: 'all' | 'owned';
  /**
   * How long start and stop follow their long-running operation before resolving with the VM as it is: long
   * enough to surface a failed allocation (AllocationFailed, ZonalAllocationFailed) as a typed error. Default
   * 90 000 ms; 0 resolves once ARM accepted the request.
   */
  readonly operationWaitMs?: number;
  /** Delay between polls of a long-running operation. Default 5 000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Before creating, start a deallocated VM of the same pool, size, priority and zone, if there is one (what stop
   * mode `stop` keeps disks for). The claim is a tag update under the VM's ETag. Default true.
   */
  readonly reuseStopped?: boolean;
  /** Within this window after a start, a 404 for that VM reads as `pending`. Default 120 000 ms. */
  readonly consistencyGraceMs?: number;
  /** Injected client (tests: its pipeline's HttpClient answers from recorded responses). */
  readonly client?: ComputeManagementClient;
  readonly now?: () => number;
}

/**
 * Azure virtual machines of one resource group. Nodes are VMs tagged `governator:pool=<pool>` (plus
 * `governator:token`, `governator:offering`), named `gov-<pool>-<16 hex of the token's SHA-256>`: a retried start
 * finds the first start's VM by name, and the create is an ARM PUT, itself idempotent for the same name and body.
 * Stop mode `terminate` → delete, `stop` → deallocate (disks kept, compute no longer billed). Node state comes
 * from the instance view's PowerState.
 */
export function createAzureProvider(options: AzureProviderOptions): CloudProvider {
  return new AzureProvider(options);
}

/** The VM name of a start (deterministic: a retried start finds the first one's VM). */
export function vmName(pool: string, token: string): string {
  const slug = pool.replace(/[^A-Za-z0-9-]/g, '-').replace(/-+$/, '').slice(0, 40);
  return `gov-${slug}-${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

const POWER_STATES: Readonly<Record<string, NodeState>> = {
  'PowerState/starting': 'pending', 'PowerState/running': 'running', 'PowerState/stopping': 'stopping',
  'PowerState/stopped': 'stopped', 'PowerState/deallocating': 'stopping', 'PowerState/deallocated': 'stopped',
};

/** Azure tag names refuse `<>%&\?/`. */
const BAD_TAG_NAME = /[<>%&\\?/]/;

class AzureProvider implements CloudProvider {
  readonly kind = 'azure';
  readonly name: string;
  readonly #options: AzureProviderOptions;
  readonly #client: ComputeManagementClient;
  readonly #recent = new Map<string, { node: ProviderNode; at: number }>();

  constructor(options: AzureProviderOptions) {
    this.name = options.name;
    this.#options = options;
    this.#client = options.client ?? new ComputeManagementClient(
      options.credentials === undefined
        ? new DefaultAzureCredential()
        : new ClientSecretCredential(options.credentials.tenantId, options.credentials.clientId, options.credentials.clientSecret),
      options.subscriptionId,
      // The engine retries with its own backoff and budget; pipeline retries would multiply them.
      { retryOptions: { maxRetries: 0 } },
    );
  }

  async listNodes(opts: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    const vms: VirtualMachine[] = [];
    try {
      for await (const vm of this.#client.virtualMachines.list(this.#options.resourceGroup, { abortSignal: opts.signal })) {
        if (this.#options.listScope === 'owned' && vm.tags?.[POOL_LABEL] === undefined) continue;
        vms.push(vm);
      }
    } catch (error) {
      throw this.#error(error, 'listNodes');
    }
    // The list has no power state; each VM's instance view does (8 at a time). A VM deleted meanwhile is left
    // out; any other failure fails the whole list (never a silently partial inventory).
    const nodes: (ProviderNode | null)[] = new Array<ProviderNode | null>(vms.length).fill(null);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < vms.length; i = next++) {
        const vm = vms[i]!;
        if (vm.provisioningState !== 'Succeeded' && vm.provisioningState !== 'Updating') { nodes[i] = this.#node(vm); continue; }
        try {
          const view = await this.#client.virtualMachines.instanceView(this.#options.resourceGroup, vm.name!, { abortSignal: opts.signal });
          nodes[i] = this.#node({ ...vm, instanceView: view } satisfies VirtualMachine);
        } catch (error) {
          const mapped = this.#error(error, 'listNodes', vm.name);
          if (mapped.code !== 'GOV_PROVIDER_NOT_FOUND') throw mapped;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, vms.length) }, () => worker()));
    return nodes.filter((n): n is ProviderNode => n !== null);
  }

  async getNode(id: string, opts: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    return (await this.#read(id, opts.signal)).node;
  }

  /** The VM of that name with its instance view, or null when ARM says 404. */
  async #find(name: string, signal?: AbortSignal): Promise<VirtualMachine | null> {
    try {
      return await this.#client.virtualMachines.get(this.#options.resourceGroup, name, { expand: 'instanceView', abortSignal: signal });
    } catch (error) {
      const mapped = this.#error(error, 'startNode');
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND') return null;
      throw mapped;
    }
  }

  /**
   * Claim a deallocated VM of the pool with the same size, priority and zone: write the start's tags under the
   * VM's ETag (a concurrent claim makes ARM answer 412 and the next candidate is tried; a VM without an ETag is
   * never claimed), then start it. Null when there is none to claim.
   */
  async #reuse(group: readonly VirtualMachine[], request: StartNodeRequest, tags: Record<string, string>): Promise<ProviderNode | null> {
    const { offering, pool, idempotencyToken: token, signal } = request;
    const rg = this.#options.resourceGroup;
    const spot = offering.purchase === 'spot';
    const zone = offering.zone === null ? null : offering.zone.replace(/^.*-(\d+)$/, '$1');
    const options = { updateIntervalInMs: this.#options.pollIntervalMs ?? 5000, abortSignal: signal };
    const candidates = group.filter((vm) => vm.name !== undefined && vm.etag !== undefined && vm.tags?.[POOL_LABEL] === pool
      && vm.hardwareProfile?.vmSize === offering.instanceType && (vm.priority === 'Spot' || vm.priority === 'Low') === spot
      && (zone === null || vm.zones?.[0] === zone) && vm.provisioningState === 'Succeeded');
    for (const candidate of candidates) {
      const name = candidate.name!;
      try {
        const view = await this.#client.virtualMachines.instanceView(rg, name, { abortSignal: signal });
        if (powerState({ ...candidate, instanceView: view }) !== 'PowerState/deallocated') continue;
        await this.#follow(this.#client.virtualMachines.update(rg, name, { tags: { ...candidate.tags, ...tags } }, { ...options, ifMatch: candidate.etag! }), signal);
      } catch (error) {
        const mapped = this.#error(error, 'startNode', name);
        // Another start claimed it first (ETag changed) or it went away: try the next one.
        if ((mapped.details as { providerCode?: string }).providerCode === 'PreconditionFailed' || mapped.code === 'GOV_PROVIDER_NOT_FOUND') continue;
        throw mapped;
      }
      try {
        await this.#follow(this.#client.virtualMachines.start(rg, name, options), signal);
      } catch (error) {
        throw this.#error(error, 'startNode', name);
      }
      const vm = await this.#find(name, signal);
      const node = vm === null ? { ...this.#node({ ...candidate, tags: { ...candidate.tags, ...tags } }), state: 'pending' as const } : this.#node(vm);
      this.#recent.set(name, { node, at: this.#now() });
      return { ...node, idempotencyToken: token };
    }
    return null;
  }

  /** The node, and the VM behind it (null for a just-started VM not visible yet). */
  async #read(id: string, signal?: AbortSignal): Promise<{ node: ProviderNode; vm: VirtualMachine | null }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) throw providerError('NotFound', this.name, 'getNode', `no VM ${JSON.stringify(id)}`, { nodeId: id });
    try {
      const vm = await this.#client.virtualMachines.get(this.#options.resourceGroup, id, { expand: 'instanceView', abortSignal: signal });
      this.#recent.delete(id);
      return { node: this.#node(vm), vm };
    } catch (error) {
      const mapped = this.#error(error, 'getNode', id);
      const recent = this.#recent.get(id);
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND' && recent !== undefined) {
        if (this.#now() - recent.at <= (this.#options.consistencyGraceMs ?? 120_000)) return { node: recent.node, vm: null };
        this.#recent.delete(id);
      }
      throw mapped;
    }
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    const { offering, pool, idempotencyToken: token } = request;
    if (offering.region !== this.#options.location) {
      throw providerError('InvalidRequest', this.name, 'startNode', `offering ${offering.id} is in ${offering.region}, this provider serves ${this.#options.location}`);
    }
    const template = this.#options.template;
    if (template === undefined) throw providerError('InvalidRequest', this.name, 'startNode', 'no VM template configured (template = "vm-template.json")');
    const name = vmName(pool, token);
    const tags: Record<string, string> = { ...request.labels, [POOL_LABEL]: pool, [TOKEN_LABEL]: token, [OFFERING_TAG]: offering.id };
    const bad = Object.keys(tags).find((k) => BAD_TAG_NAME.test(k) || k.length > 512);
    if (bad !== undefined) throw providerError('InvalidRequest', this.name, 'startNode', `tag name ${JSON.stringify(bad)} has characters Azure refuses (< > % & \\ ? /)`);

    // A retried start: the first one's VM exists under the same name, or (a reused one) carries the token.
    const existing = await this.#find(name, request.signal);
    if (existing !== null) return this.#node(existing);
    let group: VirtualMachine[];
    try {
      group = [];
      for await (const vm of this.#client.virtualMachines.list(this.#options.resourceGroup, { abortSignal: request.signal })) group.push(vm);
    } catch (error) {
      throw this.#error(error, 'startNode');
    }
    const tokened = group.find((vm) => vm.tags?.[TOKEN_LABEL] === token && vm.name !== undefined);
    if (tokened !== undefined) {
      const vm = await this.#find(tokened.name!, request.signal);
      if (vm !== null) return this.#node(vm);
    }
    if (this.#options.reuseStopped !== false) {
      const reused = await this.#reuse(group, request, tags);
      if (reused !== null) return reused;
    }

    const zone = offering.zone === null ? null : offering.zone.replace(/^.*-(\d+)$/, '$1');
    const parameters: VirtualMachine = {
      ...template,
      location: this.#options.location,
      tags: { ...template.tags, ...tags },
      hardwareProfile: { ...template.hardwareProfile, vmSize: offering.instanceType },
      ...(template.osProfile === undefined ? {} : { osProfile: { ...template.osProfile, computerName: name } }),
      ...(zone === null ? {} : { zones: [zone] }),
      ...(offering.purchase === 'spot' ? { priority: 'Spot', evictionPolicy: template.evictionPolicy ?? 'Delete', billingProfile: { maxPrice: -1 } } : {}),
    };
    const pending: ProviderNode = {
      id: name, provider: this.name, offeringId: offering.id, instanceType: offering.instanceType, region: this.#options.location,
      zone: offering.zone, pool, state: 'pending', labels: tags, launchedAt: null, idempotencyToken: token, address: null,
    };
    try {
      const poller = this.#client.virtualMachines.createOrUpdate(this.#options.resourceGroup, name, parameters, {
        updateIntervalInMs: this.#options.pollIntervalMs ?? 5000, abortSignal: request.signal,
      });
      this.#recent.set(name, { node: pending, at: this.#now() });
      const vm = await this.#follow(poller, request.signal);
      if (vm !== undefined) {
        const node = this.#node(vm);
        this.#recent.set(name, { node, at: this.#now() });
        return node;
      }
      return pending;
    } catch (error) {
      this.#recent.delete(name);
      throw this.#error(error, 'startNode');
    }
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const { node, vm } = await this.#read(request.nodeId, request.signal);
    const power = vm === null ? undefined : powerState(vm);
    const rg = this.#options.resourceGroup;
    const options = { updateIntervalInMs: this.#options.pollIntervalMs ?? 5000, abortSignal: request.signal };
    try {
      if (request.mode === 'terminate') {
        if (vm !== null && provisioningState(vm) === 'Deleting') return;
        await this.#follow(this.#client.virtualMachines.delete(rg, node.id, options), request.signal);
      } else {
        // Only deallocated stops the compute bill: a VM merely `stopped` (from inside the OS) is deallocated too.
        if (power === 'PowerState/deallocated' || power === 'PowerState/deallocating') return;
        await this.#follow(this.#client.virtualMachines.deallocate(rg, node.id, options), request.signal);
      }
      this.#recent.delete(node.id);
    } catch (error) {
      const mapped = this.#error(error, 'stopNode', node.id);
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND') {
        // Started moments ago and not visible yet: stopping it now would leave an orphan once it appears.
        if (this.#recent.has(node.id)) {
          throw providerError('Unavailable', this.name, 'stopNode', `VM ${node.id} was just started and is not visible yet`, { nodeId: node.id });
        }
        return; // Deleted between our get and our call (or during the operation): the goal is reached.
      }
      throw mapped;
    }
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      // One page of the resource group: reachability, credentials and read permission at once.
      const pages = this.#client.virtualMachines.list(this.#options.resourceGroup).byPage();
      await pages.next();
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, detail: this.#error(error, 'health').message };
    }
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  /**
   * Follow a long-running operation for up to operationWaitMs: the initial request's failure and a failed
   * operation reject; an operation still running resolves undefined (accepted).
   */
  async #follow<T>(poller: { submitted(): Promise<void>; poll(o?: { abortSignal?: AbortSignal }): Promise<unknown>; readonly isDone: boolean; readonly operationState: { status: string; error?: Error } | undefined; readonly result: T | undefined }, signal?: AbortSignal): Promise<T | undefined> {
    await poller.submitted();
    const waitMs = this.#options.operationWaitMs ?? 90_000;
    const interval = this.#options.pollIntervalMs ?? 5000;
    const deadline = this.#now() + waitMs;
    for (let round = 0; !poller.isDone && waitMs > 0 && round < 100 && this.#now() < deadline; round++) {
      if (round > 0 && interval > 0) await sleep(interval, undefined, signal ? { signal } : {});
      await poller.poll(signal ? { abortSignal: signal } : {});
    }
    const state = poller.operationState;
    if (state?.status === 'failed' || state?.status === 'canceled') throw state.error ?? new Error(`the operation ${state.status}`);
    return poller.isDone ? poller.result : undefined;
  }

  #node(vm: VirtualMachine): ProviderNode {
    const name = vm.name ?? '';
    const tags: Record<string, string> = { ...(vm.tags ?? {}) };
    const power = powerState(vm);
    const provisioning = provisioningState(vm);
    let state: NodeState = power === undefined ? 'unknown' : POWER_STATES[power] ?? 'unknown';
    if (provisioning === 'Creating') state = 'pending';
    if (provisioning === 'Deleting') state = 'stopping';
    const type = vm.hardwareProfile?.vmSize ?? null;
    const zone = vm.zones?.[0] === undefined ? null : `${vm.location ?? this.#options.location}-${vm.zones[0]}`;
    const purchase = vm.priority === 'Spot' || vm.priority === 'Low' ? 'spot' : 'on-demand';
    return {
      id: name, provider: this.name,
      offeringId: tags[OFFERING_TAG] ?? (type === null ? null : `azure:${vm.location ?? this.#options.location}:${type}:${purchase}`),
      instanceType: type, region: vm.location ?? this.#options.location, zone,
      pool: tags[POOL_LABEL] ?? null, state, labels: tags,
      launchedAt: vm.timeCreated === undefined ? null : new Date(vm.timeCreated).toISOString(),
      idempotencyToken: tags[TOKEN_LABEL] ?? null,
      address: null,
    };
  }

  #error(error: unknown, operation: string, nodeId?: string): GovError {
    if (isGovError(error)) return error;
    const e = error as { name?: string; code?: string; statusCode?: number; message?: string; response?: { headers?: { get(name: string): string | undefined } } };
    let code = typeof e.code === 'string' ? e.code : undefined;
    let message = e.message ?? String(error);
    // A failed long-running operation: "The long-running operation has failed. AllocationFailed. Allocation failed …"
    const lro = /^The long-running operation has failed\.\s+([A-Za-z]+)\.\s*(.*)$/s.exec(message);
    if (code === undefined && lro !== null) { code = lro[1]; message = `${lro[1]}: ${lro[2]}`; }
    const kind = azureErrorKind(e.statusCode, code ?? e.name, message);
    const retryAfter = kind === 'Throttled' ? Number(e.response?.headers?.get('retry-after')) : NaN;
    return providerError(kind, this.name, operation, `${e.statusCode === undefined ? '' : `HTTP ${e.statusCode}: `}${code !== undefined && lro === null ? `${code}: ` : ''}${message}`.slice(0, 600), {
      cause: error, ...(code === undefined ? {} : { providerCode: code }), ...(nodeId === undefined ? {} : { nodeId }),
      ...(Number.isFinite(retryAfter) ? { retryAfterMs: Math.max(0, retryAfter * 1000) } : {}),
    });
  }
}

/** The instance view's `PowerState/…` code, when the VM was read with its instance view. */
function powerState(vm: VirtualMachine): string | undefined {
  return vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
}

function provisioningState(vm: VirtualMachine): string | undefined {
  return vm.provisioningState ?? vm.instanceView?.statuses?.find((s) => s.code?.startsWith('ProvisioningState/'))?.code?.split('/')[1];
}

/** ARM and Compute error codes (RestError statusCode / code) folded into the port's kinds. */
export function azureErrorKind(status: number | undefined, code: string | undefined, message: string): ProviderErrorKind {
  const c = code ?? '';
  if (['SkuNotAvailable', 'AllocationFailed', 'ZonalAllocationFailed', 'OverconstrainedAllocationRequest', 'OverconstrainedZonalAllocationRequest',
    'AllocationFailedVMSizeNotSupported', 'SpotAllocationFailed'].includes(c)) return 'CapacityUnavailable';
  if (c === 'QuotaExceeded' || c === 'OperationNotAllowed' && /quota|exceeding approved|cores? limit/i.test(message)) return 'QuotaExceeded';
  if (status === 429 || ['TooManyRequests', 'SubscriptionRequestsThrottled', 'TenantRequestsThrottled'].includes(c)) return 'Throttled';
  if (['ResourceNotFound', 'NotFound'].includes(c) || status === 404 && c !== 'ResourceGroupNotFound' && c !== 'SubscriptionNotFound') return 'NotFound';
  if (status === 401 || status === 403 || ['AuthenticationFailed', 'AuthorizationFailed', 'LinkedAuthorizationFailed', 'InvalidAuthenticationToken',
    'ExpiredAuthenticationToken', 'InvalidAuthenticationTokenTenant', 'AuthenticationError', 'CredentialUnavailableError', 'AuthenticationRequiredError'].includes(c)) return 'AuthFailed';
  if (c === 'AbortError' || status === 504 || c === 'OperationTimeout' || c === 'GatewayTimeout') return 'Timeout';
  if (status !== undefined && status >= 500) return 'Unavailable';
  if (c === 'REQUEST_SEND_ERROR' || c === 'ECONNRESET' || c === 'ENOTFOUND' || c === 'ECONNREFUSED') return 'Unavailable';
  if (status !== undefined && status >= 400) return 'InvalidRequest';
  if (c === 'InternalExecutionError' || c === 'InternalOperationError') return 'Unavailable';
  return c === '' || c === 'Error' ? 'Unavailable' : 'InvalidRequest';
}
