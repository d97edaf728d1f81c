/**
 * A tiny Kubernetes API server on loopback for the `kubernetes` adapter's tests: the real
 * `@kubernetes/client-node` client talks HTTP to it through a real kubeconfig. It serves the handful of
 * resources the adapter uses (nodes, pods, pod evictions, Cluster API machines and machinedeployments,
 * /version) with the API server's shapes: Status bodies on errors, JSON merge patches, resourceVersion checks
 * (409 Conflict), and a stand-in MachineSet controller that creates Machines when replicas go up and deletes the
 * ones marked `cluster.x-k8s.io/delete-machine` first when they go down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** An answer that replaces the normal one (injected faults). */
export interface Injected {
  /** Never answer (a hung API server). */
  readonly hang?: boolean;
  readonly status: number;
  readonly body?: Obj;
  readonly headers?: Record<string, string>;
}

const CAPI_PREFIX = '/apis/cluster.x-k8s.io/v1beta1/namespaces/';

export class FakeKubeApiServer {
  readonly token: string;
  readonly nodes = new Map<string, Obj>();
  readonly pods = new Map<string, Obj>();
  readonly machines = new Map<string, Obj>();
  readonly deployments = new Map<string, Obj>();
  readonly requests: RecordedRequest[] = [];
  /** Pod key (`ns/name`) → how many more evictions a PodDisruptionBudget refuses (429). */
  readonly pdbBlocks = new Map<string, number>();
  /** Called first for every request; returning an answer short-circuits it (throttling, auth, 5xx …). */
  inject: ((req: RecordedRequest) => Injected | undefined) | undefined;
  /** The stand-in MachineSet controller reacts to replica changes (default true). */
  controller = true;
  /** Cluster API's CRDs are installed (false: its paths answer 404, as on a cluster without Cluster API). */
  capi = true;
  #server: Server | null = null;
  readonly #terminating = new Set<string>();
  #rv = 1000;
  #seq = 0;
  url = '';

  constructor(token = 'fake-bearer-token-0123456789') {
    this.token = token;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => { void this.#handle(req, res); });
    await new Promise<void>((resolve) => { this.#server!.listen(0, '127.0.0.1', resolve); });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => { this.#server?.close(() => { resolve(); }); this.#server?.closeAllConnections(); });
  }

  /** A kubeconfig (YAML) pointing at this server with a bearer token. */
  kubeconfig(token = this.token): string {
    return [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', '- name: test', '  cluster:', `    server: ${this.url}`, '    insecure-skip-tls-verify: true',
      'users:', '- name: governator', '  user:', `    token: ${token}`,
      'contexts:', '- name: test', '  context:', '    cluster: test', '    user: governator',
    ].join('\n');
  }

  nextRv(): string {
    return String(++this.#rv);
  }

  addNode(node: Obj): void {
    this.nodes.set(node['metadata'].name, { ...node, metadata: { resourceVersion: this.nextRv(), ...node['metadata'] } });
  }

  addPod(pod: Obj): void {
    this.pods.set(`${pod['metadata'].namespace}/${pod['metadata'].name}`, pod);
  }

  addMachine(machine: Obj): void {
    this.machines.set(machine['metadata'].name, { ...machine, metadata: { resourceVersion: this.nextRv(), ...machine['metadata'] } });
  }

  addDeployment(md: Obj): void {
    this.deployments.set(md['metadata'].name, { ...md, metadata: { resourceVersion: this.nextRv(), ...md['metadata'] } });
  }

  /** Machines being deleted go away with their Nodes (what Cluster API does once the infrastructure is gone). */
  finishDeletions(): void {
    for (const [name, machine] of this.machines) {
      if (machine['metadata'].deletionTimestamp === undefined) continue;
      this.machines.delete(name);
      const nodeName = machine['status']?.nodeRef?.name;
      if (nodeName !== undefined) this.nodes.delete(nodeName);
    }
  }

  /** The MachineSet controller: make the machine count of `md` match its replicas. */
  reconcile(mdName: string): void {
    const md = this.deployments.get(mdName);
    if (md === undefined) return;
    const live = [...this.machines.values()].filter((m) => m['metadata'].labels?.['cluster.x-k8s.io/deployment-name'] === mdName && m['metadata'].deletionTimestamp === undefined);
    const want = md['spec'].replicas as number;
    for (let i = live.length; i < want; i++) {
      const name = `${mdName}-${(++this.#seq).toString(36).padStart(5, 'x')}`;
      this.addMachine({
        apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine',
        metadata: { name, namespace: md['metadata'].namespace, creationTimestamp: new Date().toISOString(), labels: { ...md['spec'].template?.metadata?.labels, 'cluster.x-k8s.io/deployment-name': mdName } },
        spec: { clusterName: md['spec'].clusterName, failureDomain: md['spec'].template?.spec?.failureDomain },
        status: { phase: 'Pending' },
      });
    }
    if (live.length > want) {
      const order = [...live].sort((a, b) => Number(b['metadata'].annotations?.['cluster.x-k8s.io/delete-machine'] !== undefined) - Number(a['metadata'].annotations?.['cluster.x-k8s.io/delete-machine'] !== undefined));
      for (const machine of order.slice(0, live.length - want)) {
        machine['metadata'].deletionTimestamp = new Date().toISOString();
        machine['status'] = { ...machine['status'], phase: 'Deleting' };
      }
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET', path: url.pathname + url.search, contentType: req.headers['content-type'],
      body: text === '' ? undefined : JSON.parse(text),
    };
    this.requests.push(recorded);
    const send = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (code: number, reason: string, message: string, headers: Record<string, string> = {}) =>
      send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }, headers);
    if (req.headers.authorization !== `Bearer ${this.token}`) return fail(401, 'Unauthorized', 'Unauthorized');
    const injected = this.inject?.(recorded);
    if (injected?.hang === true) return;
    if (injected !== undefined) return send(injected.status, injected.body ?? {}, injected.headers);

    const path = url.pathname;
    const method = recorded.method;
    const body = recorded.body as Obj;
    if (path === '/version') return send(200, { major: '1', minor: '30', gitVersion: 'v1.30.4', platform: 'linux/amd64' });

    // Nodes
    if (path === '/api/v1/nodes' && method === 'GET') return send(200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) }, items: [...this.nodes.values()] });
    let m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (m !== null) {
      const node = this.nodes.get(decodeURIComponent(m[1]!));
      if (node === undefined) return fail(404, 'NotFound', `nodes "${m[1]}" not found`);
      if (method === 'GET') return send(200, node);
      if (method === 'PATCH') return this.#patch(node, body, recorded.contentType, send, fail);
    }
    // Pods
    if (path === '/api/v1/pods' && method === 'GET') {
      const selector = url.searchParams.get('fieldSelector') ?? '';
      const nodeName = /^spec\.nodeName=(.+)$/.exec(selector)?.[1];
      // Evicted pods terminate (deletionTimestamp set by the eviction) and are gone by the next look, as after a kubelet's graceful stop.
      for (const [key, p] of this.pods) {
        if (p['metadata'].deletionTimestamp === undefined) continue;
        if (this.#terminating.has(key)) {
          this.pods.delete(key);
          this.#terminating.delete(key);
        } else this.#terminating.add(key);
      }
      const items = [...this.pods.values()].filter((p) => nodeName === undefined || p['spec']?.nodeName === nodeName);
      return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path);
    if (m !== null && method === 'POST') {
      const key = `${m[1]}/${m[2]}`;
      if (!this.pods.has(key)) return fail(404, 'NotFound', `pods "${m[2]}" not found`);
      const blocks = this.pdbBlocks.get(key) ?? 0;
      if (blocks > 0) {
        this.pdbBlocks.set(key, blocks - 1);
        return fail(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.');
      }
      const evicted = this.pods.get(key)!;
      evicted['metadata'].deletionTimestamp ??= new Date().toISOString();
      evicted['metadata'].deletionGracePeriodSeconds ??= 30;
      return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    // Cluster API
    if (path.startsWith(CAPI_PREFIX) && this.capi) {
      const [, plural, name] = path.slice(CAPI_PREFIX.length).split('/');
      const store = plural === 'machines' ? this.machines : plural === 'machinedeployments' ? this.deployments : null;
      if (store === null) return fail(404, 'NotFound', 'the server could not find the requested resource');
      if (name === undefined && method === 'GET') {
        const selector = url.searchParams.get('labelSelector');
        const [key, value] = selector === null ? [] : selector.split('=');
        const items = [...store.values()].filter((o) => key === undefined || o['metadata'].labels?.[key] === value);
        return send(200, { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: plural === 'machines' ? 'MachineList' : 'MachineDeploymentList', metadata: {}, items });
      }
      const object = store.get(name ?? '');
      if (object === undefined) return fail(404, 'NotFound', `${plural}.cluster.x-k8s.io "${name}" not found`);
      if (method === 'GET') return send(200, object);
      if (method === 'PATCH') {
        const replicas = object['spec']?.replicas;
        this.#patch(object, body, recorded.contentType, send, fail);
        if (plural === 'machinedeployments' && this.controller && object['spec']?.replicas !== replicas) this.reconcile(name!);
        return;
      }
    }
    return fail(404, 'NotFound', 'the server could not find the requested resource');
  }

  #patch(
    object: Obj, patch: Obj, contentType: string | undefined,
    send: (code: number, body: unknown) => void, fail: (code: number, reason: string, message: string) => void,
  ): void {
    if (contentType !== 'application/merge-patch+json') return fail(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${contentType})`);
    const wanted = patch['metadata']?.resourceVersion;
    if (wanted !== undefined && wanted !== object['metadata'].resourceVersion) {
      return fail(409, 'Conflict', `Operation cannot be fulfilled on ${object['kind'] ?? 'object'} "${object['metadata'].name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    mergePatch(object, patch);
    object['metadata'].resourceVersion = this.nextRv();
    send(200, object);
  }
}

/** RFC 7386 JSON merge patch, in place. */
function mergePatch(target: Obj, patch: Obj): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      if (typeof target[key] !== 'object' || target[key] === null || Array.isArray(target[key])) target[key] = {};
      mergePatch(target[key] as Obj, value as Obj);
    } else target[key] = value;
  }
}
