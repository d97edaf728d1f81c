import { STATUS_CODES } from 'node:http';
import {
  ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, VersionApi, setHeaderMiddleware, setHeaderOptions,
  type ObservableMiddleware, type V1Node, type V1Pod,
} from '@kubernetes/client-node';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError } from '../../../core/errors.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

/** Kubernetes label keys allow no colon: the pool label is `governator-pool` (src/ports/cloud-provider.ts). */
export const DEFAULT_POOL_LABEL = 'governator-pool';
/** Annotations Governator writes (prefix `governator/`). */
export const ANNOTATIONS = {
  /** On a Machine: the idempotency token of the start that claimed it. */
  token: 'governator/token',
  /** On a Machine: the pool and the catalog offering it was started for. */
  pool: 'governator/pool',
  offering: 'governator/offering',
  /** On a MachineDeployment: JSON {token: ISO time} of the recent starts that scaled it up (the last 100). */
  startTokens: 'governator/start-tokens',
  /** On a MachineDeployment: JSON [machine names] of the recent stops that scaled it down (the last 100). */
  removedMachines: 'governator/removed-machines',
} as const;

/** Cluster API names (cluster.x-k8s.io/v1beta1). */
export const CAPI = {
  group: 'cluster.x-k8s.io',
  version: 'v1beta1',
  deploymentLabel: 'cluster.x-k8s.io/deployment-name',
  /** On a Node, set by Cluster API: the Machine that owns it (and its namespace). */
  machineAnnotation: 'cluster.x-k8s.io/machine',
  clusterNamespaceAnnotation: 'cluster.x-k8s.io/cluster-namespace',
  /** On a Machine: the MachineSet deletes machines carrying it first when it scales down. */
  deleteMachineAnnotation: 'cluster.x-k8s.io/delete-machine',
} as const;

const RECENT = 100;
const CONFLICT_ATTEMPTS = 5;

/**
 * A kubeconfig from its contents (a stored credential), else a file, else the client's default chain
 * ($KUBECONFIG, ~/.kube/config, in-cluster service account); then `context` when given.
 * @throws Error whose message never quotes the kubeconfig (it holds credentials).
 */
export function loadKubeConfig(source: { contents?: string; file?: string; context?: string }): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (source.contents !== undefined) kc.loadFromString(source.contents);
    else if (source.file !== undefined) kc.loadFromFile(source.file);
    else kc.loadFromDefault();
  } catch (error) {
    const where = source.contents !== undefined ? 'the kubeconfig credential' : source.file ?? 'the default kubeconfig';
    const code = (error as { code?: string }).code;
    throw new Error(`cannot load ${where}: ${code ?? (error as Error).name ?? 'invalid'}${code === undefined ? ' (not a valid kubeconfig)' : ''}`);
  }
  if (source.context !== undefined) {
    if (kc.getContextObject(source.context) === null) throw new Error(`the kubeconfig has no context "${source.context}"`);
    kc.setCurrentContext(source.context);
  }
  if (kc.getCurrentCluster() === null) throw new Error('the kubeconfig names no cluster for its current context');
  return kc;
}

export interface KubernetesProviderOptions {
  /** Provider instance name (config), e.g. `k8s-prod`. */
  readonly name: string;
  /** A loaded kubeconfig (file, contents from a stored credential, or in-cluster); its current context is used. */
  readonly kubeConfig: KubeConfig;
  /** Namespace of the Cluster API MachineDeployments and Machines; default `default`. */
  readonly namespace?: string;
  /**
   * MachineDeployment to scale up for a start, looked up in this order: `<pool>/<offeringId>`, `<offeringId>`,
   * `<pool>`, `*`. A start with no match is refused (InvalidRequest).
   */
  readonly machineDeployments: Readonly<Record<string, string>>;
  /** Node (and Machine) label naming the pool; default `governator-pool`. */
  readonly poolLabel?: string;
  /** Longest a drain may take (PodDisruptionBudgets refusing evictions); then stop fails Timeout. Default 600 000. */
  readonly drainTimeoutMs?: number;
  /** Wait between two rounds of evictions while a PodDisruptionBudget refuses (HTTP 429). Default 5 000. */
  readonly evictionRetryMs?: number;
  /** Longest a start waits for the MachineSet to create the new Machine. Default 60 000. */
  readonly machineWaitMs?: number;
  /** Each API request is abandoned (Timeout) after this long. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Poll interval while waiting for the new Machine. Default 1 000. */
  readonly machinePollMs?: number;
  /** A Machine created up to this long before the scale-up (clock skew) may still be the new one. Default 120 000. */
  readonly clockSkewMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The parts of a Cluster API Machine the adapter reads. */
interface Machine {
  metadata: {
    name: string; namespace?: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string;
    labels?: Record<string, string>; annotations?: Record<string, string>;
  };
  spec?: { failureDomain?: string; providerID?: string };
  status?: { phase?: string; nodeRef?: { name?: string }; addresses?: { type?: string; address?: string }[] };
}

interface MachineDeployment {
  metadata: { name: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number };
}

interface Target {
  readonly machine: Machine | null;
  readonly node: V1Node | null;
}

/**
 * Kubernetes with Cluster API (src/adapters/cloud/kubernetes; docs/providers.md "Kubernetes"). Inventory is the
 * cluster's Nodes, read from their well-known labels (instance type, zone, region, capacity type) and their
 * Ready condition, joined with the Cluster API Machines of `namespace` (a Machine still provisioning is a
 * `pending` node). A node backed by a Machine is identified by the Machine's name (known before the Node
 * registers); a Node without a Machine by its own name.
 *
 * Start scales up the MachineDeployment configured for the pool and offering, recording the token on it in the
 * same optimistic-concurrency patch, then claims the new Machine by writing the token on it: a repeated start
 * finds the token and scales nothing. Stop cordons the Node, drains it through the Eviction API (DaemonSet and
 * mirror pods are left; PodDisruptionBudget refusals are retried until `drainTimeoutMs`), marks the Machine with
 * `cluster.x-k8s.io/delete-machine` and scales its MachineDeployment down by one, so that Machine is the one
 * removed. Cluster API keeps no stopped machine: both stop modes remove it.
 */
export function createKubernetesProvider(options: KubernetesProviderOptions): CloudProvider {
  return new KubernetesProvider(options);
}

class KubernetesProvider implements CloudProvider {
  readonly kind = 'kubernetes';
  readonly name: string;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #version: VersionApi;
  readonly #namespace: string;
  readonly #poolLabel: string;
  readonly #options: KubernetesProviderOptions;

  constructor(options: KubernetesProviderOptions) {
    this.name = options.name;
    this.#options = options;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#version = options.kubeConfig.makeApiClient(VersionApi);
    this.#namespace = options.namespace ?? 'default';
    this.#poolLabel = options.poolLabel ?? DEFAULT_POOL_LABEL;
  }

  async listNodes(options: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    try {
      const [nodeList, machines] = await Promise.all([this.#core.listNode({}, this.#call()), this.#listMachines()]);
      this.#aborted(options.signal, 'listNodes');
      const nodes = new Map(nodeList.items.map((n) => [n.metadata?.name ?? '', n]));
      const result: ProviderNode[] = [];
      const joined = new Set<string>();
      for (const machine of machines) {
        const nodeName = this.#nodeNameOf(machine, nodes.values());
        const node = nodeName === null ? null : nodes.get(nodeName) ?? null;
        if (node !== null) joined.add(nodeName!);
        result.push(this.#node({ machine, node }));
      }
      for (const [name, node] of nodes) if (!joined.has(name)) result.push(this.#node({ machine: null, node }));
      return result;
    } catch (error) {
      throw this.#error(error, 'listNodes');
    }
  }

  async getNode(id: string, options: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    try {
      const target = await this.#resolve(id);
      this.#aborted(options.signal, 'getNode');
      return this.#node(target);
    } catch (error) {
      throw this.#error(error, 'getNode', id);
    }
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    const { pool, offering, idempotencyToken: token } = request;
    const deployment = this.#options.machineDeployments[`${pool}/${offering.id}`] ?? this.#options.machineDeployments[offering.id]
      ?? this.#options.machineDeployments[pool] ?? this.#options.machineDeployments['*'];
    if (deployment === undefined) {
      throw providerError('InvalidRequest', this.name, 'startNode', `no MachineDeployment for pool ${pool} / offering ${offering.id} (set machine_deployments)`);
    }
    try {
      const recordedAt = await this.#scaleUp(deployment, token);
      const deadline = this.#now() + (this.#options.machineWaitMs ?? 60_000);
      for (;;) {
        this.#aborted(request.signal, 'startNode');
        const machine = await this.#claim(deployment, token, recordedAt, { pool, offering: offering.id });
        if (machine !== null) return this.#node({ machine, node: null });
        if (this.#now() >= deadline) {
          throw providerError('Timeout', this.name, 'startNode',
            `MachineDeployment ${deployment} was scaled up but no new Machine appeared in time; a retry with the same token does not scale it again`);
        }
        await this.#sleep(this.#options.machinePollMs ?? 1_000);
      }
    } catch (error) {
      throw this.#error(error, 'startNode');
    }
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const { nodeId } = request;
    try {
      const { machine, node } = await this.#resolve(nodeId);
      if (machine === null) {
        // A Node whose Machine is already gone is being removed by Cluster API; a Node without one is not ours to remove.
        if (node?.metadata?.annotations?.[CAPI.machineAnnotation] !== undefined) return;
        throw providerError('InvalidRequest', this.name, 'stopNode', `node ${nodeId} has no Cluster API Machine: Governator cannot remove it`, { nodeId });
      }
      if (machine.metadata.deletionTimestamp !== undefined) return;
      const deployment = machine.metadata.labels?.[CAPI.deploymentLabel];
      if (deployment === undefined) {
        throw providerError('InvalidRequest', this.name, 'stopNode', `machine ${machine.metadata.name} belongs to no MachineDeployment`, { nodeId });
      }
      const removed = readJson<string[]>((await this.#getDeployment(deployment)).metadata.annotations?.[ANNOTATIONS.removedMachines], []);
      if (removed.includes(machine.metadata.name)) return;
      if (node !== null) {
        await this.#cordon(node);
        await this.#drain(node.metadata!.name!, request.signal);
      }
      this.#aborted(request.signal, 'stopNode');
      await this.#markForDeletion(machine);
      await this.#scaleDown(deployment, machine.metadata.name);
    } catch (error) {
      throw this.#error(error, 'stopNode', nodeId);
    }
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      await this.#version.getCode({}, this.#call());
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, detail: this.#error(error, 'health').message };
    }
  }

  // ---- Machines and MachineDeployments -------------------------------------------------------------------------

  /** The Machines of `namespace`; none where Cluster API is not installed (404), so plain Nodes still list. */
  async #listMachines(labelSelector?: string): Promise<Machine[]> {
    try {
      const list = await this.#custom.listNamespacedCustomObject({
        group: CAPI.group, version: CAPI.version, namespace: this.#namespace, plural: 'machines',
        ...(labelSelector === undefined ? {} : { labelSelector }),
      }, this.#call()) as { items?: Machine[] };
      return list.items ?? [];
    } catch (error) {
      if (status(error) === 404) return [];
      throw error;
    }
  }

  async #getMachine(name: string): Promise<Machine> {
    return await this.#custom.getNamespacedCustomObject({ group: CAPI.group, version: CAPI.version, namespace: this.#namespace, plural: 'machines', name }, this.#call()) as Machine;
  }

  async #getDeployment(name: string): Promise<MachineDeployment> {
    return await this.#custom.getNamespacedCustomObject({ group: CAPI.group, version: CAPI.version, namespace: this.#namespace, plural: 'machinedeployments', name }, this.#call()) as MachineDeployment;
  }

  /** A JSON merge patch; with `metadata.resourceVersion` in it the API server answers 409 when the object changed. */
  async #mergePatch(plural: 'machines' | 'machinedeployments', name: string, body: object): Promise<void> {
    await this.#custom.patchNamespacedCustomObject(
      { group: CAPI.group, version: CAPI.version, namespace: this.#namespace, plural, name, body },
      this.#call(PatchStrategy.MergePatch),
    );
  }

  /** Scale up by one and record the token, in one patch guarded by resourceVersion. Returns when the token was recorded (ms). */
  async #scaleUp(deployment: string, token: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const md = await this.#getDeployment(deployment);
      const tokens = readJson<Record<string, string>>(md.metadata.annotations?.[ANNOTATIONS.startTokens], {});
      const seen = tokens[token];
      if (seen !== undefined) return Date.parse(seen) || 0;
      const now = this.#now();
      const kept = Object.entries(tokens).slice(-(RECENT - 1));
      try {
        await this.#mergePatch('machinedeployments', deployment, {
          metadata: { resourceVersion: md.metadata.resourceVersion, annotations: { [ANNOTATIONS.startTokens]: JSON.stringify(Object.fromEntries([...kept, [token, new Date(now).toISOString()]])) } },
          spec: { replicas: (md.spec?.replicas ?? 0) + 1 },
        });
        return now;
      } catch (error) {
        if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  /** The Machine carrying the token, or a new unclaimed one claimed now; null when none exists yet. */
  async #claim(deployment: string, token: string, recordedAt: number, marks: { pool: string; offering: string }): Promise<Machine | null> {
    for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
      const machines = await this.#listMachines(`${CAPI.deploymentLabel}=${deployment}`);
      const mine = machines.find((m) => m.metadata.annotations?.[ANNOTATIONS.token] === token);
      if (mine !== undefined) return mine;
      const earliest = recordedAt - (this.#options.clockSkewMs ?? 120_000);
      const candidates = machines
        .filter((m) => m.metadata.annotations?.[ANNOTATIONS.token] === undefined && m.metadata.deletionTimestamp === undefined
          && m.status?.nodeRef === undefined && Date.parse(m.metadata.creationTimestamp ?? '') >= earliest)
        .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
      const candidate = candidates[0];
      if (candidate === undefined) return null;
      const annotations = { [ANNOTATIONS.token]: token, [ANNOTATIONS.pool]: marks.pool, [ANNOTATIONS.offering]: marks.offering };
      try {
        await this.#mergePatch('machines', candidate.metadata.name, { metadata: { resourceVersion: candidate.metadata.resourceVersion, annotations } });
        return { ...candidate, metadata: { ...candidate.metadata, annotations: { ...candidate.metadata.annotations, ...annotations } } };
      } catch (error) {
        // Another start claimed it first: look again.
        if (!isConflict(error)) throw error;
      }
    }
    return null;
  }

  async #markForDeletion(machine: Machine): Promise<void> {
    if (machine.metadata.annotations?.[CAPI.deleteMachineAnnotation] !== undefined) return;
    await this.#mergePatch('machines', machine.metadata.name, { metadata: { annotations: { [CAPI.deleteMachineAnnotation]: new Date(this.#now()).toISOString() } } });
  }

  /** Scale down by one and record the machine, in one patch guarded by resourceVersion (idempotent per machine). */
  async #scaleDown(deployment: string, machine: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const md = await this.#getDeployment(deployment);
      const removed = readJson<string[]>(md.metadata.annotations?.[ANNOTATIONS.removedMachines], []);
      if (removed.includes(machine)) return;
      try {
        await this.#mergePatch('machinedeployments', deployment, {
          metadata: { resourceVersion: md.metadata.resourceVersion, annotations: { [ANNOTATIONS.removedMachines]: JSON.stringify([...removed.slice(-(RECENT - 1)), machine]) } },
          spec: { replicas: Math.max(0, (md.spec?.replicas ?? 0) - 1) },
        });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  // ---- Nodes: resolve, cordon, drain ---------------------------------------------------------------------------

  /** The Machine and/or Node an id names; NotFound when neither exists. */
  async #resolve(id: string): Promise<Target> {
    let machine: Machine | null = null;
    try {
      machine = await this.#getMachine(id);
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
    if (machine !== null) {
      const nodeName = machine.status?.nodeRef?.name;
      return { machine, node: nodeName === undefined ? null : await this.#readNode(nodeName) };
    }
    const node = await this.#readNode(id);
    if (node === null) throw providerError('NotFound', this.name, 'getNode', `no Machine or Node named ${id}`, { nodeId: id });
    const annotations = node.metadata?.annotations ?? {};
    const owner = annotations[CAPI.machineAnnotation];
    const namespace = annotations[CAPI.clusterNamespaceAnnotation] ?? this.#namespace;
    if (owner !== undefined && namespace === this.#namespace) {
      try {
        return { machine: await this.#getMachine(owner), node };
      } catch (error) {
        if (status(error) !== 404) throw error;
      }
    }
    return { machine: null, node };
  }

  async #readNode(name: string): Promise<V1Node | null> {
    try {
      return await this.#core.readNode({ name }, this.#call());
    } catch (error) {
      if (status(error) === 404) return null;
      throw error;
    }
  }

  async #cordon(node: V1Node): Promise<void> {
    if (node.spec?.unschedulable === true) return;
    await this.#core.patchNode(
      { name: node.metadata!.name!, body: { spec: { unschedulable: true } } },
      this.#call(PatchStrategy.MergePatch),
    );
  }

  /**
   * Evict every pod of the node except DaemonSet pods (their controller would put them back) and mirror pods
   * (the kubelet owns them), like `kubectl drain`. A 429 is a PodDisruptionBudget saying "not now": the pod is
   * tried again every `evictionRetryMs` until `drainTimeoutMs`. Resolves once no evictable pod is left.
   */
  async #drain(nodeName: string, signal: AbortSignal | undefined): Promise<void> {
    const deadline = this.#now() + (this.#options.drainTimeoutMs ?? 600_000);
    for (;;) {
      this.#aborted(signal, 'stopNode');
      const pods = (await this.#core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` }, this.#call())).items.filter(evictable);
      if (pods.length === 0) return;
      let blocked: string | null = null;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp !== undefined) {
          blocked ??= `pod ${pod.metadata.namespace}/${pod.metadata.name} is still terminating`;
          continue;
        }
        const name = pod.metadata!.name!;
        const namespace = pod.metadata!.namespace ?? 'default';
        try {
          await this.#core.createNamespacedPodEviction({
            name, namespace,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
          }, this.#call());
        } catch (error) {
          const code = status(error);
          if (code === 404) continue;
          if (code !== 429) throw error;
          blocked = `eviction of pod ${namespace}/${name} refused: ${apiMessage(error) ?? 'it would violate its PodDisruptionBudget'}`;
        }
      }
      if (this.#now() >= deadline) {
        throw providerError('Timeout', this.name, 'stopNode', `drain of node ${nodeName} did not finish in time (${blocked ?? 'pods still running'}); the node stays cordoned`, { nodeId: nodeName });
      }
      await this.#sleep(this.#options.evictionRetryMs ?? 5_000);
    }
  }

  // ---- Mapping ---------------------------------------------------------------------------------------------------

  #nodeNameOf(machine: Machine, nodes: Iterable<V1Node>): string | null {
    const ref = machine.status?.nodeRef?.name;
    if (ref !== undefined) return ref;
    for (const node of nodes) {
      const annotations = node.metadata?.annotations ?? {};
      if (annotations[CAPI.machineAnnotation] === machine.metadata.name && (annotations[CAPI.clusterNamespaceAnnotation] ?? this.#namespace) === this.#namespace) {
        return node.metadata?.name ?? null;
      }
    }
    return null;
  }

  #node({ machine, node }: Target): ProviderNode {
    const labels: Record<string, string> = { ...machine?.metadata.labels, ...node?.metadata?.labels };
    const annotations = machine?.metadata.annotations ?? {};
    const token = annotations[ANNOTATIONS.token] ?? null;
    if (token !== null) labels[TOKEN_LABEL] = token;
    const instanceType = labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? null;
    const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? null;
    const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? machine?.spec?.failureDomain ?? null;
    const providerId = node?.spec?.providerID ?? machine?.spec?.providerID ?? '';
    const cloud = CLOUD_OF_SCHEME[providerId.split(':')[0] ?? ''] ?? null;
    const derived = cloud !== null && region !== null && instanceType !== null ? `${cloud}:${region}:${instanceType}:${purchaseOf(labels)}` : null;
    const created = machine?.metadata.creationTimestamp ?? node?.metadata?.creationTimestamp;
    const addresses = node?.status?.addresses ?? machine?.status?.addresses ?? [];
    return {
      id: machine?.metadata.name ?? node?.metadata?.name ?? '',
      provider: this.name,
      offeringId: annotations[ANNOTATIONS.offering] ?? derived,
      instanceType, region, zone,
      pool: labels[this.#poolLabel] ?? annotations[ANNOTATIONS.pool] ?? null,
      state: stateOf(machine, node),
      labels,
      launchedAt: created === undefined ? null : new Date(created).toISOString(),
      idempotencyToken: token,
      address: addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses[0]?.address ?? null,
    };
  }

  #error(error: unknown, operation: string, nodeId?: string) {
    if (isGovError(error)) return error;
    const code = status(error);
    const extra = { cause: error, ...(nodeId === undefined ? {} : { nodeId }) };
    if (code === undefined) {
      const name = (error as { name?: string }).name ?? 'Error';
      const kind: ProviderErrorKind = name === 'AbortError' || name === 'TimeoutError' ? 'Timeout' : 'Unavailable';
      return providerError(kind, this.name, operation, `API server unreachable: ${(error as Error).message || name}`, { ...extra, providerCode: name });
    }
    const reason = apiReason(error) ?? (STATUS_CODES[code] ?? `HTTP ${code}`).replaceAll(' ', '');
    const message = apiMessage(error) ?? `HTTP ${code} ${STATUS_CODES[code] ?? ''}`.trim();
    const retryAfter = retryAfterMs(error);
    return providerError(kubeErrorKind(code, message), this.name, operation, `${reason}: ${message}`, {
      ...extra, providerCode: reason, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      ...(code === 409 ? { retryable: true } : {}),
    });
  }

  /** Per-request options: a time-out (an abort signal on the request) and, for patches, the content type. */
  #call(contentType?: string) {
    const agent = setHeaderMiddleware('User-Agent', 'governator');
    const ms = this.#options.requestTimeoutMs ?? 30_000;
    const timeout: ObservableMiddleware = {
      pre: (request) => {
        request.setSignal(AbortSignal.timeout(ms));
        return agent.pre(request);
      },
      post: (response) => agent.post(response),
    };
    const options = { middleware: [timeout], middlewareMergeStrategy: 'append' as const };
    return contentType === undefined ? options : setHeaderOptions('Content-Type', contentType, options);
  }

  #aborted(signal: AbortSignal | undefined, operation: string): void {
    if (signal?.aborted === true) throw providerError('Timeout', this.name, operation, 'aborted by the caller', { cause: signal.reason });
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  async #sleep(ms: number): Promise<void> {
    await (this.#options.sleep ?? ((t: number) => new Promise<void>((resolve) => { setTimeout(resolve, t); })))(ms);
  }
}

/** Kubernetes API status codes folded into the port's kinds (a 409 the adapter could not resolve is retryable). */
export function kubeErrorKind(code: number, message = ''): ProviderErrorKind {
  if (code === 404 || code === 410) return 'NotFound';
  if (code === 403 && /exceeded quota/i.test(message)) return 'QuotaExceeded';
  if (code === 401 || code === 403) return 'AuthFailed';
  if (code === 429) return 'Throttled';
  if (code === 408 || code === 504) return 'Timeout';
  if (code === 409 || code >= 500) return 'Unavailable';
  return 'InvalidRequest';
}

const CLOUD_OF_SCHEME: Readonly<Record<string, string>> = { aws: 'aws', gce: 'gcp', azure: 'azure', digitalocean: 'digitalocean' };

/** Spot/preemptible as the clouds' node labels say it (Karpenter, EKS, GKE, AKS). */
function purchaseOf(labels: Readonly<Record<string, string>>): 'spot' | 'on-demand' {
  const spot = labels['karpenter.sh/capacity-type'] === 'spot' || labels['eks.amazonaws.com/capacityType'] === 'SPOT'
    || labels['cloud.google.com/gke-spot'] === 'true' || labels['cloud.google.com/gke-preemptible'] === 'true'
    || labels['kubernetes.azure.com/scalesetpriority'] === 'spot';
  return spot ? 'spot' : 'on-demand';
}

/**
 * Machine phase and Node Ready condition → state: a Machine being deleted is `stopping`; one without a Node yet
 * `pending`; a Node Ready=True `running`, Ready=False or not reported yet `pending`, Ready=Unknown (the node
 * controller lost the kubelet) `unknown`.
 */
function stateOf(machine: Machine | null, node: V1Node | null): NodeState {
  if (machine?.metadata.deletionTimestamp !== undefined || machine?.status?.phase === 'Deleting') return 'stopping';
  if (node?.metadata?.deletionTimestamp !== undefined) return 'stopping';
  if (machine?.status?.phase === 'Failed') return 'unknown';
  if (node === null) return machine === null ? 'unknown' : 'pending';
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  if (ready === 'True') return 'running';
  if (ready === 'Unknown') return 'unknown';
  return 'pending';
}

function evictable(pod: V1Pod): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return false;
  return !(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller === true);
}

function status(error: unknown): number | undefined {
  return error instanceof ApiException ? (error.code as number) : undefined;
}

function isConflict(error: unknown): boolean {
  return status(error) === 409;
}

function apiBody(error: unknown): { message?: unknown; reason?: unknown } | null {
  if (!(error instanceof ApiException)) return null;
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? parsed : null;
    } catch {
      return null;
    }
  }
  return typeof body === 'object' && body !== null ? body : null;
}

/** The API server's Status message (never the request: credentials travel only in headers). */
function apiMessage(error: unknown): string | null {
  const message = apiBody(error)?.message;
  return typeof message === 'string' && message.length > 0 ? message.slice(0, 500) : null;
}

function apiReason(error: unknown): string | null {
  const reason = apiBody(error)?.reason;
  return typeof reason === 'string' && reason.length > 0 ? reason : null;
}

function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const headers = (error.headers ?? {}) as Record<string, string>;
  const value = headers['retry-after'] ?? headers['Retry-After'];
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function readJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    const value: unknown = JSON.parse(text);
    return (Array.isArray(fallback) ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value)) ? value as T : fallback;
  } catch {
    return fallback;
  }
}

