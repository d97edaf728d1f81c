/**
 * The `kubernetes` adapter at the HTTP boundary: the real @kubernetes/client-node client, loaded from a real
 * kubeconfig, talks to a small fake API server on loopback (test/support/fake-kube-apiserver.ts) that answers
 * with the API server's own shapes (Status bodies, merge patches, 409 on a stale resourceVersion, 429 from a
 * PodDisruptionBudget).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { isGovError, type GovError } from '../../../core/errors.js';
import { FakeKubeApiServer, type Obj } from '../../../../test/support/fake-kube-apiserver.js';
import { ANNOTATIONS, createKubernetesProvider, kubeErrorKind, type KubernetesProviderOptions } from './index.js';

const NS = 'default';
const MD = 'prod-gpu-g5';
const NODE_A = 'ip-10-0-1-23.ec2.internal';
const NODE_B = 'ip-10-0-2-45.ec2.internal';
const MACHINE_A = 'prod-gpu-g5-7d9f8-abc12';
const MACHINE_B = 'prod-gpu-g5-7d9f8-def34';

const offering: Offering = {
  id: 'aws:us-east-1:g5.xlarge:on-demand', provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'g5.xlarge',
  vcpus: 4, memoryGiB: 16, gpu: { model: 'A10G', count: 1 }, purchase: 'on-demand', term: null, pricePerHour: 1.006, available: null, source: 'bundled', asOf: null,
};

/** Shaped like `kubectl get node -o json` on a Cluster API (CAPA) cluster. */
function node(name: string, ip: string, zone: string, machine: string | null, ready: 'True' | 'False' | 'Unknown' = 'True'): Obj {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name, creationTimestamp: '2026-12-01T08:00:00Z', uid: `uid-${name}`,
      labels: {
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'g5.xlarge', 'topology.kubernetes.io/region': 'us-east-1', 'topology.kubernetes.io/zone': zone,
        ...(machine === null ? { 'node-role.kubernetes.io/control-plane': '' } : { 'governator-pool': 'inference' }),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(machine === null ? {} : { 'cluster.x-k8s.io/cluster-name': 'prod', 'cluster.x-k8s.io/cluster-namespace': NS, 'cluster.x-k8s.io/machine': machine, 'cluster.x-k8s.io/owner-kind': 'MachineSet', 'cluster.x-k8s.io/owner-name': 'prod-gpu-g5-7d9f8' }),
      },
    },
    spec: { providerID: `aws:///${zone}/i-0${ip.replaceAll('.', '')}f60718` },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: '2026-12-06T08:00:00Z', lastTransitionTime: '2026-12-01T08:01:00Z', message: '' },
        { type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown', lastHeartbeatTime: '2026-12-06T08:00:00Z', lastTransitionTime: '2026-12-01T08:01:00Z', message: '' },
      ],
      capacity: { cpu: '4', memory: '16181636Ki', 'nvidia.com/gpu': '1', pods: '58' },
      nodeInfo: { kubeletVersion: 'v1.30.4', containerRuntimeVersion: 'containerd://1.7.20', osImage: 'Ubuntu 22.04.4 LTS' },
    },
  };
}

function machine(name: string, nodeName: string | null, zone: string): Obj {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine',
    metadata: {
      name, namespace: NS, creationTimestamp: '2026-12-01T07:55:00Z',
      labels: { 'cluster.x-k8s.io/cluster-name': 'prod', 'cluster.x-k8s.io/deployment-name': MD, 'cluster.x-k8s.io/set-name': 'prod-gpu-g5-7d9f8', 'governator-pool': 'inference' },
      ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineSet', name: 'prod-gpu-g5-7d9f8', controller: true, uid: 'ms-uid' }],
    },
    spec: { clusterName: 'prod', failureDomain: zone, providerID: nodeName === null ? undefined : `aws:///${zone}/i-0abc`, bootstrap: { configRef: { kind: 'KubeadmConfig', name } }, infrastructureRef: { kind: 'AWSMachine', name } },
    status: nodeName === null ? { phase: 'Provisioning' } : { phase: 'Running', nodeRef: { apiVersion: 'v1', kind: 'Node', name: nodeName }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
  };
}

function pod(namespace: string, name: string, nodeName: string, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-12-01T09:00:00Z', ...extra['metadata'] },
    spec: { nodeName, containers: [{ name: 'main', image: 'registry.example/app:1' }] },
    status: { phase: 'Running', ...extra['status'] },
  };
}

let api: FakeKubeApiServer;
beforeEach(async () => {
  api = new FakeKubeApiServer();
  await api.start();
  api.addNode(node(NODE_A, '10.0.1.23', 'us-east-1a', MACHINE_A));
  api.addNode(node(NODE_B, '10.0.2.45', 'us-east-1b', MACHINE_B, 'Unknown'));
  api.addNode(node('ip-10-0-0-10.ec2.internal', '10.0.0.10', 'us-east-1a', null));
  api.addMachine(machine(MACHINE_A, NODE_A, 'us-east-1a'));
  api.addMachine(machine(MACHINE_B, NODE_B, 'us-east-1b'));
  api.addDeployment({
    apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment',
    metadata: { name: MD, namespace: NS, annotations: { 'machinedeployment.clusters.x-k8s.io/revision': '1' } },
    spec: { clusterName: 'prod', replicas: 2, template: { metadata: { labels: { 'governator-pool': 'inference' } }, spec: { clusterName: 'prod', failureDomain: 'us-east-1a' } } },
  });
  api.addPod(pod('inference', 'llm-7f8d9-x2x4z', NODE_A, { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'llm-7f8d9', controller: true, uid: 'rs' }] } }));
  api.addPod(pod('kube-system', 'aws-node-k8qzx', NODE_A, { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'aws-node', controller: true, uid: 'ds' }] } }));
  api.addPod(pod('kube-system', `kube-proxy-${NODE_A}`, NODE_A, { metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.source': 'file' } } }));
  api.addPod(pod('batch', 'report-28710-q7m2p', NODE_A, { status: { phase: 'Succeeded' } }));
  api.addPod(pod('inference', 'llm-7f8d9-p0p0p', NODE_B));
});
afterEach(async () => { await api.stop(); });

function provider(extra: Partial<KubernetesProviderOptions> = {}, kubeconfig = api.kubeconfig()) {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return createKubernetesProvider({
    name: 'k8s-prod', kubeConfig: kc, namespace: NS, machineDeployments: { [`inference/${offering.id}`]: MD },
    evictionRetryMs: 5, machinePollMs: 5, machineWaitMs: 2_000, drainTimeoutMs: 5_000, ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<GovError> {
  try { await p; } catch (error) { if (isGovError(error)) return error; throw error; }
  throw new Error('expected a rejection');
}

const evictions = () => api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/eviction')).map((r) => r.path);
const replicas = () => api.deployments.get(MD)!['spec'].replicas as number;

describe('kubernetes adapter', () => {
  it('lists Nodes joined with their Machines, reading type, zone, region, pool and the Ready condition', async () => {
    const nodes = await provider().listNodes();
    expect(nodes).toHaveLength(3);
    const a = nodes.find((n) => n.id === MACHINE_A)!;
    expect(a).toMatchObject({
      provider: 'k8s-prod', instanceType: 'g5.xlarge', region: 'us-east-1', zone: 'us-east-1a', pool: 'inference', state: 'running',
      offeringId: 'aws:us-east-1:g5.xlarge:on-demand', address: '10.0.1.23', launchedAt: '2026-12-01T07:55:00.000Z', idempotencyToken: null,
    });
    expect(nodes.find((n) => n.id === MACHINE_B)).toMatchObject({ state: 'unknown', zone: 'us-east-1b' });
    // A Node with no Machine (the control plane here) is inventory under its own name, in no pool.
    expect(nodes.find((n) => n.id === 'ip-10-0-0-10.ec2.internal')).toMatchObject({ pool: null, state: 'running', instanceType: 'g5.xlarge' });
  });

  it('lists the Nodes of a cluster without Cluster API under their own names', async () => {
    api.capi = false;
    for (const n of api.nodes.values()) n['metadata'].annotations = { 'node.alpha.kubernetes.io/ttl': '0' };
    const nodes = await provider().listNodes();
    expect(nodes.map((n) => n.id).sort()).toEqual(['ip-10-0-0-10.ec2.internal', NODE_A, NODE_B]);
    expect(nodes.find((n) => n.id === NODE_A)).toMatchObject({ pool: 'inference', state: 'running', offeringId: 'aws:us-east-1:g5.xlarge:on-demand' });
    const error = await rejection(provider().stopNode({ nodeId: NODE_A, mode: 'terminate' }));
    expect(error.code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    expect(api.nodes.get(NODE_A)!['spec'].unschedulable).toBeUndefined();
  });

  it('getNode accepts the Machine or the Node name and answers the same node', async () => {
    const p = provider();
    expect((await p.getNode(NODE_A)).id).toBe(MACHINE_A);
    expect((await p.getNode(MACHINE_A)).address).toBe('10.0.1.23');
  });

  it('stop cordons, drains (leaving DaemonSet, mirror and finished pods) and then scales the MachineDeployment down, marking that Machine', async () => {
    await provider().stopNode({ nodeId: MACHINE_A, mode: 'terminate' });
    expect(api.nodes.get(NODE_A)!['spec'].unschedulable).toBe(true);
    expect(evictions()).toEqual(['/api/v1/namespaces/inference/pods/llm-7f8d9-x2x4z/eviction']);
    const eviction = api.requests.find((r) => r.path.endsWith('/eviction'))!.body as Obj;
    expect(eviction).toMatchObject({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'llm-7f8d9-x2x4z', namespace: 'inference' } });
    // The evicted pod terminated (gracefully, over more than one look) before the machine was let go.
    expect(api.pods.has('inference/llm-7f8d9-x2x4z')).toBe(false);
    expect(api.pods.has('kube-system/aws-node-k8qzx')).toBe(true);
    expect(replicas()).toBe(1);
    expect(api.machines.get(MACHINE_A)!['metadata'].annotations['cluster.x-k8s.io/delete-machine']).toBeDefined();
    // The MachineSet removed the marked machine, not the other one.
    expect(api.machines.get(MACHINE_A)!['metadata'].deletionTimestamp).toBeDefined();
    expect(api.machines.get(MACHINE_B)!['metadata'].deletionTimestamp).toBeUndefined();
    // Order: cordon, then evictions, then the delete mark, then the scale-down.
    const writes = api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(writes).toEqual([
      `PATCH /api/v1/nodes/${NODE_A}`,
      'POST /api/v1/namespaces/inference/pods/llm-7f8d9-x2x4z/eviction',
      `PATCH /apis/cluster.x-k8s.io/v1beta1/namespaces/${NS}/machines/${MACHINE_A}`,
      `PATCH /apis/cluster.x-k8s.io/v1beta1/namespaces/${NS}/machinedeployments/${MD}`,
    ]);
  });

  it('retries an eviction a PodDisruptionBudget refuses (429) until it is allowed', async () => {
    api.pdbBlocks.set('inference/llm-7f8d9-x2x4z', 2);
    await provider().stopNode({ nodeId: NODE_A, mode: 'terminate' });
    expect(evictions()).toHaveLength(3);
    expect(api.pods.has('inference/llm-7f8d9-x2x4z')).toBe(false);
    expect(replicas()).toBe(1);
  });

  it('gives up with Timeout when the PodDisruptionBudget never allows it, leaving the node cordoned and the replicas alone', async () => {
    api.pdbBlocks.set('inference/llm-7f8d9-x2x4z', Number.MAX_SAFE_INTEGER);
    let now = 0;
    const p = provider({ now: () => now, sleep: async () => { now += 1_000; }, drainTimeoutMs: 10_000 });
    const error = await rejection(p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' }));
    expect(error.code).toBe('GOV_PROVIDER_TIMEOUT');
    expect(error.message).toMatch(/disruption budget/);
    expect(evictions().length).toBe(11);
    expect(api.nodes.get(NODE_A)!['spec'].unschedulable).toBe(true);
    expect(replicas()).toBe(2);
    expect(api.machines.get(MACHINE_A)!['metadata'].annotations?.['cluster.x-k8s.io/delete-machine']).toBeUndefined();
  });

  it('a drain that fails half-way (one eviction answers 500) removes nothing, and the retried stop finishes it', async () => {
    api.addPod(pod('inference', 'embed-5c6d7-h8j9k', NODE_A, { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'embed-5c6d7', controller: true, uid: 'rs2' }] } }));
    let failures = 1;
    api.inject = (req) => req.path.endsWith('/embed-5c6d7-h8j9k/eviction') && failures-- > 0
      ? { status: 500, body: { kind: 'Status', status: 'Failure', reason: 'InternalError', code: 500, message: 'Internal error occurred: etcdserver: request timed out' } }
      : undefined;
    const p = provider();
    const error = await rejection(p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' }));
    expect(error.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ retryable: true, providerCode: 'InternalError', nodeId: MACHINE_A });
    expect(replicas()).toBe(2);
    expect(api.machines.get(MACHINE_A)!['metadata'].annotations?.['cluster.x-k8s.io/delete-machine']).toBeUndefined();
    await p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' });
    expect(api.pods.has('inference/embed-5c6d7-h8j9k')).toBe(false);
    expect(replicas()).toBe(1);
    // Cordoned once: the retry found the node unschedulable already.
    expect(api.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/api/v1/nodes/'))).toHaveLength(1);
  });

  it('stop is idempotent, and a node that vanished is NotFound', async () => {
    const p = provider();
    await p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' });
    expect((await p.getNode(MACHINE_A)).state).toBe('stopping');
    await p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' });
    expect(replicas()).toBe(1);
    // The MachineSet had not acted yet: the MachineDeployment's record still prevents a second scale-down.
    api.machines.get(MACHINE_A)!['metadata'].deletionTimestamp = undefined;
    await p.stopNode({ nodeId: MACHINE_A, mode: 'stop' });
    expect(replicas()).toBe(1);
    api.machines.get(MACHINE_A)!['metadata'].deletionTimestamp = '2026-12-06T08:00:00Z';
    api.finishDeletions();
    expect((await rejection(p.getNode(MACHINE_A))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    const gone = await rejection(p.stopNode({ nodeId: MACHINE_A, mode: 'terminate' }));
    expect(gone.code).toBe('GOV_PROVIDER_NOT_FOUND');
    expect(gone.details).toMatchObject({ kind: 'NotFound', nodeId: MACHINE_A, retryable: false });
    expect(replicas()).toBe(1);
  });

  it('refuses to stop a Node that no Machine owns', async () => {
    const error = await rejection(provider().stopNode({ nodeId: 'ip-10-0-0-10.ec2.internal', mode: 'terminate' }));
    expect(error.code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('start scales the MachineDeployment up once per token and claims the new Machine', async () => {
    const p = provider();
    const started = await p.startNode({ pool: 'inference', offering, idempotencyToken: 'gov-7-2f1c' });
    expect(replicas()).toBe(3);
    expect(started).toMatchObject({ state: 'pending', pool: 'inference', offeringId: offering.id, idempotencyToken: 'gov-7-2f1c' });
    const claimed = api.machines.get(started.id)!;
    expect(claimed['metadata'].annotations).toMatchObject({ [ANNOTATIONS.token]: 'gov-7-2f1c', [ANNOTATIONS.pool]: 'inference', [ANNOTATIONS.offering]: offering.id });
    expect(JSON.parse(api.deployments.get(MD)!['metadata'].annotations[ANNOTATIONS.startTokens] as string)).toHaveProperty('gov-7-2f1c');
    // The same token again: same machine, no second scale-up.
    const again = await p.startNode({ pool: 'inference', offering, idempotencyToken: 'gov-7-2f1c' });
    expect(again.id).toBe(started.id);
    expect(replicas()).toBe(3);
    // A second token gets its own machine.
    const other = await p.startNode({ pool: 'inference', offering, idempotencyToken: 'gov-7-9a0b' });
    expect(other.id).not.toBe(started.id);
    expect(replicas()).toBe(4);
    // The machine gets its Node, which becomes Ready: the same id now reads running, and list shows the token.
    claimed['status'] = { phase: 'Running', nodeRef: { kind: 'Node', name: 'ip-10-0-1-99.ec2.internal' } };
    api.addNode(node('ip-10-0-1-99.ec2.internal', '10.0.1.99', 'us-east-1a', started.id));
    expect(await p.getNode(started.id)).toMatchObject({ state: 'running', address: '10.0.1.99', idempotencyToken: 'gov-7-2f1c' });
    expect((await p.listNodes()).filter((n) => n.idempotencyToken === 'gov-7-2f1c').map((n) => n.id)).toEqual([started.id]);
  });

  it('re-reads and retries when the MachineDeployment changed under it (409 Conflict)', async () => {
    let conflicts = 1;
    api.inject = (req) => {
      if (req.method === 'PATCH' && req.path.includes('/machinedeployments/') && conflicts-- > 0) {
        // Someone else (the cluster autoscaler) scaled it in between.
        api.deployments.get(MD)!['metadata'].resourceVersion = api.nextRv();
        return { status: 409, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'Operation cannot be fulfilled on machinedeployments.cluster.x-k8s.io "prod-gpu-g5": the object has been modified; please apply your changes to the latest version and try again' } };
      }
      return undefined;
    };
    await provider().startNode({ pool: 'inference', offering, idempotencyToken: 'gov-8-1' });
    expect(replicas()).toBe(3);
    expect(api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/machinedeployments/'))).toHaveLength(2);
  });

  it('a start whose Machine does not appear in time fails Timeout, and its retry does not scale again', async () => {
    api.controller = false;
    let now = 0;
    const p = provider({ now: () => now, sleep: async () => { now += 1_000; }, machineWaitMs: 3_000 });
    const error = await rejection(p.startNode({ pool: 'inference', offering, idempotencyToken: 'gov-9-1' }));
    expect(error.code).toBe('GOV_PROVIDER_TIMEOUT');
    expect(error.details).toMatchObject({ retryable: true });
    expect(replicas()).toBe(3);
    api.reconcile(MD);
    const node2 = await p.startNode({ pool: 'inference', offering, idempotencyToken: 'gov-9-1' });
    expect(node2.idempotencyToken).toBe('gov-9-1');
    expect(replicas()).toBe(3);
  });

  it('refuses a start with no MachineDeployment for the pool and offering', async () => {
    const error = await rejection(provider().startNode({ pool: 'web', offering, idempotencyToken: 't' }));
    expect(error.code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    expect(api.requests).toEqual([]);
  });

  it('maps a rejected token to AuthFailed (401) and RBAC refusals (403) too; health says why', async () => {
    const wrong = provider({}, api.kubeconfig('not-the-token'));
    const error = await rejection(wrong.listNodes());
    expect(error.code).toBe('GOV_PROVIDER_AUTH_FAILED');
    expect(error.message).not.toContain('not-the-token');
    const health = await wrong.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/Unauthorized/);
    expect((await provider().health()).ok).toBe(true);

    api.inject = (req) => req.path.startsWith('/api/v1/nodes/') && req.method === 'PATCH'
      ? { status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `nodes "${NODE_A}" is forbidden: User "system:serviceaccount:governator:governator" cannot patch resource "nodes" in API group "" at the cluster scope` } }
      : undefined;
    const forbidden = await rejection(provider().stopNode({ nodeId: MACHINE_A, mode: 'terminate' }));
    expect(forbidden.code).toBe('GOV_PROVIDER_AUTH_FAILED');
    expect(forbidden.message).toMatch(/cannot patch resource "nodes"/);
    expect(replicas()).toBe(2);
  });

  it('maps API priority-and-fairness throttling (429) to Throttled with Retry-After', async () => {
    api.inject = (req) => req.path === '/api/v1/nodes'
      ? { status: 429, headers: { 'retry-after': '3' }, body: { kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' } }
      : undefined;
    const error = await rejection(provider().listNodes());
    expect(error.code).toBe('GOV_PROVIDER_THROTTLED');
    expect(error.details).toMatchObject({ kind: 'Throttled', retryable: true, retryAfterMs: 3_000, providerCode: 'TooManyRequests' });
  });

  it('an unreachable API server is Unavailable (retryable), and health does not reject', async () => {
    const kubeconfig = api.kubeconfig();
    await api.stop();
    const p = provider({}, kubeconfig);
    const error = await rejection(p.listNodes());
    expect(error.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ retryable: true });
    expect((await p.health()).ok).toBe(false);
    await api.start();
  });

  it('abandons a request the API server never answers (Timeout, retryable)', async () => {
    api.inject = (req) => (req.path === '/api/v1/nodes' ? { hang: true, status: 0 } : undefined);
    const error = await rejection(provider({ requestTimeoutMs: 200 }).listNodes());
    expect(error.code).toBe('GOV_PROVIDER_TIMEOUT');
    expect(error.details).toMatchObject({ retryable: true });
  });

  it('folds status codes into the port\'s kinds', () => {
    expect(kubeErrorKind(404)).toBe('NotFound');
    expect(kubeErrorKind(403, 'pods "x" is forbidden: exceeded quota: compute-resources')).toBe('QuotaExceeded');
    expect(kubeErrorKind(422)).toBe('InvalidRequest');
    expect(kubeErrorKind(503)).toBe('Unavailable');
    expect(kubeErrorKind(504)).toBe('Timeout');
  });
});
