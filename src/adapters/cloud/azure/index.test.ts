import { ComputeManagementClient } from '@azure/arm-compute';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { isGovError } from '../../../core/errors.js';
import { azureErrorKind, createAzureProvider, vmName, type AzureProviderOptions, type AzureVmTemplate } from './index.js';

/**
 * The real @azure/arm-compute client (its pipeline, paging and long-running-operation poller) over an HttpClient
 * that answers with responses recorded from the ARM Compute API (trimmed). Requests nobody planned fail the test.
 */
const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const RG = 'gov-rg';
const ARM = 'https://management.azure.com';
const VMS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines`;
const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.governator-test-arm-token.c2lnbmF0dXJl';

interface Reply { status: number; body?: unknown; headers?: Record<string, string> }
interface Route { method: string; path: string | RegExp; reply: Reply }

let routes: Route[];
let seen: { method: string; path: string; body: string | undefined; authorization: string | undefined; ifMatch: string | undefined }[];
const httpClient: HttpClient = {
  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const body = typeof request.body === 'string' ? request.body : undefined;
    seen.push({ method: request.method, path: url.pathname, body, authorization: request.headers.get('authorization'), ifMatch: request.headers.get('if-match') });
    const i = routes.findIndex((r) => r.method === request.method && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)));
    if (i < 0) throw new Error(`unplanned request ${request.method} ${url.pathname}`);
    const { reply } = routes.splice(i, 1)[0]!;
    return {
      request, status: reply.status,
      headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': '7f0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d', ...reply.headers }),
      bodyAsText: reply.body === undefined ? '' : JSON.stringify(reply.body),
    };
  },
};
const on = (method: string, path: string | RegExp, reply: Reply) => { routes.push({ method, path, reply }); };

let client: ComputeManagementClient;
beforeEach(() => {
  routes = [];
  seen = [];
  const credential = { getToken: async () => ({ token: ACCESS_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  client = new ComputeManagementClient(credential, SUB, { httpClient, retryOptions: { maxRetries: 0 } });
});

const offering = (o: Partial<Offering> = {}): Offering => ({
  id: 'azure:eastus:Standard_D4s_v5:on-demand', provider: 'azure', region: 'eastus', zone: null, instanceType: 'Standard_D4s_v5',
  vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand', term: null, pricePerHour: 0.192, available: null, source: 'bundled', asOf: null, ...o,
});

const template: AzureVmTemplate = {
  tags: { env: 'prod' },
  storageProfile: {
    imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
    osDisk: { createOption: 'FromImage', deleteOption: 'Delete', managedDisk: { storageAccountType: 'Premium_LRS' } },
  },
  osProfile: { adminUsername: 'governator', linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/governator/.ssh/authorized_keys', keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9v governator' }] } } },
  networkProfile: {
    networkApiVersion: '2020-11-01',
    networkInterfaceConfigurations: [{ name: 'nic', primary: true, deleteOption: 'Delete', ipConfigurations: [{ name: 'ipconfig1', subnet: { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/gov-vnet/subnets/nodes` } }] }],
  },
};

/** Trimmed from a real GET virtualMachines/{name}?$expand=instanceView answer. */
const vm = (name: string, o: { power?: string; provisioning?: string; tags?: Record<string, string>; zones?: string[]; size?: string; priority?: string } = {}) => ({
  name, id: `${VMS}/${name}`, type: 'Microsoft.Compute/virtualMachines', location: 'eastus',
  ...(o.tags ? { tags: o.tags } : {}), ...(o.zones ? { zones: o.zones } : {}),
  properties: {
    vmId: '0f47b100-583c-48e3-a4c0-aefc2c9bbcc1', hardwareProfile: { vmSize: o.size ?? 'Standard_D4s_v5' },
    ...(o.priority ? { priority: o.priority } : {}),
    storageProfile: { osDisk: { osType: 'Linux', name: `${name}_OsDisk_1_7f9c`, createOption: 'FromImage', caching: 'ReadWrite', deleteOption: 'Delete', diskSizeGB: 30 } },
    osProfile: { computerName: name, adminUsername: 'governator', linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true } },
    networkProfile: { networkInterfaces: [{ id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/${name}-nic` }] },
    provisioningState: o.provisioning ?? 'Succeeded', timeCreated: '2026-11-22T08:00:03.1234567+00:00',
    ...(o.power === undefined ? {} : { instanceView: instanceView(name, o.power) }),
  },
});
const instanceView = (name: string, power: string) => ({
  computerName: name, osName: 'ubuntu', osVersion: '24.04',
  statuses: [
    { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time: '2026-11-22T08:01:12.4466587+00:00' },
    { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
  ],
});
const armError = (status: number, code: string, message: string, headers: Record<string, string> = {}): Reply => ({ status, body: { error: { code, message } }, headers });
const notFound = (name: string) => armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${name}' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
const asyncOp = (id: string) => ({ 'azure-asyncoperation': `${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/eastus/operations/${id}?p=7a7e6b4c&api-version=2024-11-01` });
const OP = /\/providers\/Microsoft\.Compute\/locations\/eastus\/operations\//;
const opStatus = (status: string, error?: { code: string; message: string }): Reply => ({ status: 200, body: { startTime: '2026-11-22T08:00:01.1+00:00', status, name: '3a6f', ...(error ? { error } : {}) } });

/** A start's lookup by token (the group's VMs) when nothing carries the token and nothing can be reused. */
const emptyGroup = () => on('GET', VMS, { status: 200, body: { value: [vm('web-legacy-1', { tags: { env: 'prod' } })] } });

let clock = 1_000_000;
const provider = (extra: Partial<AzureProviderOptions> = {}) => createAzureProvider({
  name: 'azure-eastus', subscriptionId: SUB, resourceGroup: RG, location: 'eastus', template, client, pollIntervalMs: 0, now: () => clock, ...extra,
});

async function rejection(p: Promise<unknown>) {
  try { await p; } catch (error) { if (isGovError(error)) return error; throw error; }
  throw new Error('expected a rejection');
}

describe('azure adapter', () => {
  it('lists the VMs of the resource group across pages, with power state from each instance view', async () => {
    const token = 'gov-12-7d0c2b6e-4a1f-4e8b-9c3d-2f1a0b9c8d7e';
    const owned = vmName('web', token);
    on('GET', VMS, { status: 200, body: { value: [vm('web-legacy-1')], nextLink: `${ARM}${VMS}?api-version=2024-11-01&%24skiptoken=d2ViLWxlZ2FjeS0x` } });
    on('GET', VMS, { status: 200, body: { value: [
      vm(owned, { tags: { 'governator:pool': 'web', 'governator:token': token, 'governator:offering': 'azure:eastus:Standard_D4s_v5:on-demand' }, zones: ['2'] }),
      vm('creating-1', { provisioning: 'Creating', priority: 'Spot' }),
    ] } });
    on('GET', `${VMS}/web-legacy-1/instanceView`, { status: 200, body: instanceView('web-legacy-1', 'running') });
    on('GET', `${VMS}/${owned}/instanceView`, { status: 200, body: instanceView(owned, 'deallocated') });
    const nodes = await provider().listNodes();
    expect(nodes.map((n) => n.id)).toEqual(['web-legacy-1', owned, 'creating-1']);
    expect(nodes[0]).toMatchObject({ pool: null, state: 'running', instanceType: 'Standard_D4s_v5', region: 'eastus', zone: null, offeringId: 'azure:eastus:Standard_D4s_v5:on-demand', launchedAt: '2026-11-22T08:00:03.123Z' });
    expect(nodes[1]).toMatchObject({ pool: 'web', state: 'stopped', idempotencyToken: token, zone: 'eastus-2' });
    expect(nodes[2]).toMatchObject({ state: 'pending', offeringId: 'azure:eastus:Standard_D4s_v5:spot' });
    expect(routes).toEqual([]);
    expect(seen.every((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
  });

  it('listScope owned keeps tagged VMs only; a VM deleted between list and instance view is left out', async () => {
    on('GET', VMS, { status: 200, body: { value: [vm('web-legacy-1'), vm('gov-a', { tags: { 'governator:pool': 'web' } }), vm('gov-b', { tags: { 'governator:pool': 'web' } })] } });
    on('GET', `${VMS}/gov-a/instanceView`, notFound('gov-a'));
    on('GET', `${VMS}/gov-b/instanceView`, { status: 200, body: instanceView('gov-b', 'starting') });
    const nodes = await provider({ listScope: 'owned' }).listNodes();
    expect(nodes.map((n) => [n.id, n.state])).toEqual([['gov-b', 'pending']]);
  });

  it('starts from the template with a PUT: name, size, tags, computer name; follows the operation to the created VM', async () => {
    const token = 'gov-12-7d0c2b6e-4a1f-4e8b-9c3d-2f1a0b9c8d7e';
    const name = vmName('web', token);
    const tags = { env: 'prod', 'governator:plan': '12', 'governator:pool': 'web', 'governator:token': token, 'governator:offering': 'azure:eastus:Standard_D4s_v5:on-demand' };
    on('GET', `${VMS}/${name}`, notFound(name));
    emptyGroup();
    on('PUT', `${VMS}/${name}`, { status: 201, body: vm(name, { provisioning: 'Creating', tags }), headers: asyncOp('3a6f') });
    on('GET', OP, opStatus('InProgress'));
    on('GET', OP, opStatus('Succeeded'));
    on('GET', `${VMS}/${name}`, { status: 200, body: vm(name, { tags }) });
    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token, labels: { 'governator:plan': '12' } });
    expect(node).toMatchObject({ id: name, pool: 'web', idempotencyToken: token, offeringId: 'azure:eastus:Standard_D4s_v5:on-demand', instanceType: 'Standard_D4s_v5' });
    const put = JSON.parse(seen.find((r) => r.method === 'PUT')!.body!) as { location: string; tags: Record<string, string>; zones?: string[]; properties: Record<string, unknown> };
    expect(put.location).toBe('eastus');
    expect(put.tags).toEqual(tags);
    expect(put.zones).toBeUndefined();
    expect(put.properties).toMatchObject({
      hardwareProfile: { vmSize: 'Standard_D4s_v5' }, osProfile: { computerName: name, adminUsername: 'governator' },
      networkProfile: { networkApiVersion: '2020-11-01', networkInterfaceConfigurations: [{ name: 'nic', properties: { deleteOption: 'Delete' } }] },
    });
    expect(put.properties['priority']).toBeUndefined();
    expect(routes).toEqual([]);
  });

  it('a retried start returns the first start\'s VM without a second PUT', async () => {
    const token = 'gov-5-retry';
    const name = vmName('web', token);
    on('GET', `${VMS}/${name}`, { status: 200, body: vm(name, { power: 'running', tags: { 'governator:pool': 'web', 'governator:token': token } }) });
    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token });
    expect(node).toMatchObject({ id: name, state: 'running', idempotencyToken: token });
    expect(seen.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('reuses a deallocated VM of the pool: tags under its ETag (a lost race moves on), then start; a retry finds it by token', async () => {
    const token = 'gov-21-reuse';
    const name = vmName('web', token);
    const old = { 'governator:pool': 'web', 'governator:token': 'gov-4-first', 'governator:offering': 'azure:eastus:Standard_D4s_v5:on-demand' };
    const withEtag = (body: ReturnType<typeof vm>, etag: string) => ({ ...body, etag });
    on('GET', `${VMS}/${name}`, notFound(name));
    on('GET', VMS, { status: 200, body: { value: [
      withEtag(vm('gov-web-big', { tags: old, size: 'Standard_D16s_v5' }), '"1"'),
      withEtag(vm('gov-web-running', { tags: old }), '"2"'),
      withEtag(vm('gov-web-raced', { tags: old }), '"3"'),
      vm('gov-web-no-etag', { tags: old }),
      withEtag(vm('gov-web-free', { tags: old }), '"4"'),
    ] } });
    on('GET', `${VMS}/gov-web-running/instanceView`, { status: 200, body: instanceView('gov-web-running', 'running') });
    on('GET', `${VMS}/gov-web-raced/instanceView`, { status: 200, body: instanceView('gov-web-raced', 'deallocated') });
    on('PATCH', `${VMS}/gov-web-raced`, armError(412, 'PreconditionFailed', "The specified precondition 'If-Match = \"3\"' failed."));
    on('GET', `${VMS}/gov-web-free/instanceView`, { status: 200, body: instanceView('gov-web-free', 'deallocated') });
    const claimed = { ...old, 'governator:token': token, 'governator:plan': '21' };
    on('PATCH', `${VMS}/gov-web-free`, { status: 200, body: withEtag(vm('gov-web-free', { tags: claimed }), '"5"') });
    on('POST', `${VMS}/gov-web-free/start`, { status: 202, headers: { ...asyncOp('st1'), location: `${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/eastus/operations/st1?p=x&monitor=true&api-version=2024-11-01` } });
    on('GET', OP, opStatus('Succeeded'));
    on('GET', OP, { status: 200 });
    on('GET', `${VMS}/gov-web-free`, { status: 200, body: vm('gov-web-free', { power: 'starting', tags: claimed }) });

    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token, labels: { 'governator:plan': '21' } });
    expect(node).toMatchObject({ id: 'gov-web-free', state: 'pending', pool: 'web', idempotencyToken: token });
    const patches = seen.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.ifMatch])).toEqual([[`${VMS}/gov-web-raced`, '"3"'], [`${VMS}/gov-web-free`, '"4"']]);
    expect(JSON.parse(patches[1]!.body!)).toEqual({ tags: claimed });
    expect(seen.some((r) => r.method === 'PUT')).toBe(false);
    expect(routes).toEqual([]);

    // The retry: not under the derived name, but carrying the token; no create, no second claim.
    seen = [];
    on('GET', `${VMS}/${name}`, notFound(name));
    on('GET', VMS, { status: 200, body: { value: [withEtag(vm('gov-web-free', { tags: claimed }), '"5"')] } });
    on('GET', `${VMS}/gov-web-free`, { status: 200, body: vm('gov-web-free', { power: 'running', tags: claimed }) });
    expect((await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token })).id).toBe('gov-web-free');
    expect(seen.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(routes).toEqual([]);
  });

  it('spot in a zone: priority Spot, eviction Delete, zone number; other regions are refused', async () => {
    const name = vmName('batch', 'gov-3-spot');
    on('GET', `${VMS}/${name}`, notFound(name));
    emptyGroup();
    on('PUT', `${VMS}/${name}`, { status: 201, body: vm(name, { provisioning: 'Creating', priority: 'Spot', zones: ['3'] }), headers: asyncOp('9b1c') });
    on('GET', OP, opStatus('InProgress'));
    // operationWaitMs 0: resolves once ARM accepted the PUT.
    const node = await provider({ operationWaitMs: 0 }).startNode({ pool: 'batch', offering: offering({ id: 'azure:eastus:eastus-3:Standard_D4s_v5:spot', zone: 'eastus-3', purchase: 'spot' }), idempotencyToken: 'gov-3-spot' });
    expect(node).toMatchObject({ id: name, state: 'pending', zone: 'eastus-3' });
    const put = JSON.parse(seen.find((r) => r.method === 'PUT')!.body!) as { zones: string[]; properties: Record<string, unknown> };
    expect(put.zones).toEqual(['3']);
    expect(put.properties).toMatchObject({ priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 } });
    expect((await rejection(provider().startNode({ pool: 'batch', offering: offering({ region: 'westeurope' }), idempotencyToken: 'x' }))).code).toBe('GOV_PROVIDER_INVALID_REQUEST');
  });

  it('eventual consistency: a VM just created that GET does not show yet reads as pending, then NotFound after the grace window', async () => {
    const token = 'gov-9-ec';
    const name = vmName('web', token);
    on('GET', `${VMS}/${name}`, notFound(name));
    emptyGroup();
    on('PUT', `${VMS}/${name}`, { status: 201, body: vm(name, { provisioning: 'Creating' }), headers: asyncOp('77aa') });
    const p = provider({ operationWaitMs: 0 });
    const node = await p.startNode({ pool: 'web', offering: offering(), idempotencyToken: token });
    expect(node.state).toBe('pending');
    on('GET', `${VMS}/${name}`, notFound(name));
    expect((await p.getNode(name)).state).toBe('pending');
    // A terminate now would orphan it once it appears: a retryable refusal.
    on('GET', `${VMS}/${name}`, notFound(name));
    on('DELETE', `${VMS}/${name}`, notFound(name));
    const early = await rejection(p.stopNode({ nodeId: name, mode: 'terminate' }));
    expect(early.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(early.details).toMatchObject({ retryable: true });
    clock += 200_000;
    on('GET', `${VMS}/${name}`, notFound(name));
    expect((await rejection(p.getNode(name))).code).toBe('GOV_PROVIDER_NOT_FOUND');
  });

  it('capacity: SkuNotAvailable on the PUT and AllocationFailed in the operation are CapacityUnavailable; a quota 409 is QuotaExceeded', async () => {
    const a = vmName('gpu', 'gov-1-a');
    on('GET', `${VMS}/${a}`, notFound(a));
    emptyGroup();
    on('PUT', `${VMS}/${a}`, armError(409, 'SkuNotAvailable', "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: Standard_ND96asr_v4' is currently not available in location 'eastus'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details."));
    const sku = await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-a' }));
    expect(sku.code).toBe('GOV_PROVIDER_CAPACITY_UNAVAILABLE');
    expect(sku.details).toMatchObject({ providerCode: 'SkuNotAvailable', retryable: false });

    const b = vmName('gpu', 'gov-1-b');
    on('GET', `${VMS}/${b}`, notFound(b));
    emptyGroup();
    on('PUT', `${VMS}/${b}`, { status: 201, body: vm(b, { provisioning: 'Creating' }), headers: asyncOp('5e2d') });
    on('GET', OP, opStatus('InProgress'));
    on('GET', OP, opStatus('Failed', { code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance' }));
    const allocation = await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-b' }));
    expect(allocation.code).toBe('GOV_PROVIDER_CAPACITY_UNAVAILABLE');
    expect(allocation.details).toMatchObject({ providerCode: 'AllocationFailed' });

    const c = vmName('gpu', 'gov-1-c');
    on('GET', `${VMS}/${c}`, notFound(c));
    emptyGroup();
    on('PUT', `${VMS}/${c}`, armError(409, 'OperationNotAllowed', 'Operation could not be completed as it results in exceeding approved standardNDASv4_A100Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: 0, Current Usage: 0, Additional Required: 96, (Minimum) New Limit Required: 96.'));
    const quota = await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-c' }));
    expect(quota.code).toBe('GOV_PROVIDER_QUOTA_EXCEEDED');
    expect(quota.message).toContain('standardNDASv4_A100Family');
    expect(routes).toEqual([]);
  });

  it('throttling: 429 TooManyRequests is Throttled with the Retry-After; no pipeline retry', async () => {
    on('GET', VMS, armError(429, 'TooManyRequests', "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/throttling",
      { 'retry-after': '17', 'x-ms-ratelimit-remaining-subscription-reads': '0' }));
    const throttled = await rejection(provider().listNodes());
    expect(throttled.code).toBe('GOV_PROVIDER_THROTTLED');
    expect(throttled.details).toMatchObject({ retryable: true, retryAfterMs: 17_000, providerCode: 'TooManyRequests' });
    expect(seen).toHaveLength(1);
  });

  it('auth: 401 InvalidAuthenticationToken and 403 AuthorizationFailed are AuthFailed, never echoing the token; health reports them', async () => {
    on('GET', VMS, armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.'));
    const auth = await rejection(provider().listNodes());
    expect(auth.code).toBe('GOV_PROVIDER_AUTH_FAILED');
    expect(JSON.stringify({ m: auth.message, d: auth.details })).not.toContain(ACCESS_TOKEN);

    on('GET', VMS, armError(403, 'AuthorizationFailed', `The client '4d1b3c2a-9e8f-4a7b-b6c5-d4e3f2a1b0c9' with object id '4d1b3c2a-9e8f-4a7b-b6c5-d4e3f2a1b0c9' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute' or the scope is invalid. If access was recently granted, please refresh your credentials.`));
    const health = await provider().health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('AuthorizationFailed');
    expect(JSON.stringify(health)).not.toContain(ACCESS_TOKEN);

    on('GET', VMS, { status: 200, body: { value: [] } });
    expect((await provider().health()).ok).toBe(true);
  });

  it('partial failure: an instance view failing with 503 fails the whole list, retryable', async () => {
    on('GET', VMS, { status: 200, body: { value: [vm('a'), vm('b')] } });
    on('GET', `${VMS}/a/instanceView`, { status: 200, body: instanceView('a', 'running') });
    on('GET', `${VMS}/b/instanceView`, armError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'));
    const error = await rejection(provider().listNodes());
    expect(error.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ retryable: true });
  });

  it('stop: terminate deletes, stop deallocates (no call when already deallocated); a vanished VM is NotFound', async () => {
    on('GET', `${VMS}/web-legacy-1`, { status: 200, body: vm('web-legacy-1', { power: 'running' }) });
    on('DELETE', `${VMS}/web-legacy-1`, { status: 202, headers: { ...asyncOp('d1'), location: `${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/eastus/operations/d1?p=x&monitor=true&api-version=2024-11-01` } });
    on('GET', OP, opStatus('Succeeded'));
    await provider().stopNode({ nodeId: 'web-legacy-1', mode: 'terminate' });
    expect(seen.map((r) => r.method)).toContain('DELETE');

    on('GET', `${VMS}/web-legacy-1`, { status: 200, body: vm('web-legacy-1', { power: 'stopped' }) });
    on('POST', `${VMS}/web-legacy-1/deallocate`, { status: 202, headers: { ...asyncOp('s1'), location: `${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/eastus/operations/s1?p=x&monitor=true&api-version=2024-11-01` } });
    on('GET', OP, opStatus('Succeeded'));
    on('GET', OP, { status: 200 });
    await provider().stopNode({ nodeId: 'web-legacy-1', mode: 'stop' });
    expect(seen.some((r) => r.method === 'POST' && r.path.endsWith('/deallocate'))).toBe(true);
    expect(routes).toEqual([]);

    seen = [];
    on('GET', `${VMS}/web-legacy-1`, { status: 200, body: vm('web-legacy-1', { power: 'deallocated' }) });
    await provider().stopNode({ nodeId: 'web-legacy-1', mode: 'stop' });
    expect(seen.map((r) => r.method)).toEqual(['GET']);

    on('GET', `${VMS}/gone-1`, notFound('gone-1'));
    expect((await rejection(provider().stopNode({ nodeId: 'gone-1', mode: 'terminate' }))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    expect((await rejection(provider().getNode('../gone'))).code).toBe('GOV_PROVIDER_NOT_FOUND');
  });

  it('azureErrorKind folds ARM codes', () => {
    expect(azureErrorKind(409, 'ZonalAllocationFailed', '')).toBe('CapacityUnavailable');
    expect(azureErrorKind(409, 'OperationNotAllowed', 'Operation not allowed because the VM is marked for deletion')).toBe('InvalidRequest');
    expect(azureErrorKind(404, 'ResourceGroupNotFound', "Resource group 'x' could not be found.")).toBe('InvalidRequest');
    expect(azureErrorKind(undefined, 'CredentialUnavailableError', 'EnvironmentCredential is unavailable')).toBe('AuthFailed');
    expect(azureErrorKind(undefined, 'REQUEST_SEND_ERROR', 'getaddrinfo ENOTFOUND management.azure.com')).toBe('Unavailable');
    expect(azureErrorKind(500, 'InternalServerError', '')).toBe('Unavailable');
  });
});
