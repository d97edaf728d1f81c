import { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { MockAgent, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { isGovError } from '../../../core/errors.js';
import { createGcpProvider, gcpErrorKind, instanceName, requestId, tokenLabel, type GcpProviderOptions } from './index.js';

/**
 * The real @google-cloud/compute clients (REST transport, google-auth-library's gaxios) talk to an undici
 * MockAgent that answers with responses recorded from the Compute Engine v1 API (trimmed).
 */
const API = 'https://compute.googleapis.com';
const ACCESS_TOKEN = 'ya29.a0AfB_byC-governator-test-access-token-0123456789';
const PROJECT = 'acme-prod';
const BASE = `/compute/v1/projects/${PROJECT}/zones`;
const SELF = `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones`;

let agent: MockAgent;
let instancesClient: InstancesClient;
let operationsClient: ZoneOperationsClient;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  const auth = new OAuth2Client({ transporterOptions: { fetchImplementation: ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher: agent })) as never } });
  auth.setCredentials({ access_token: ACCESS_TOKEN, expiry_date: Date.now() + 3_600_000 });
  instancesClient = new InstancesClient({ authClient: auth as never });
  operationsClient = new ZoneOperationsClient({ authClient: auth as never });
});
afterEach(async () => { await agent.close(); });

const offering = (o: Partial<Offering> = {}): Offering => ({
  id: 'gcp:us-central1:n2-standard-4:on-demand', provider: 'gcp', region: 'us-central1', zone: null, instanceType: 'n2-standard-4',
  vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand', term: null, pricePerHour: 0.194236, available: null, source: 'bundled', asOf: null, ...o,
});

/** Trimmed from a real instances.get answer. */
const instance = (o: Record<string, unknown> = {}) => ({
  kind: 'compute#instance', id: '4567890123456789012', creationTimestamp: '2026-11-22T00:00:05.123-08:00', name: 'web-legacy-1',
  machineType: `${SELF}/us-central1-a/machineTypes/n2-standard-4`, status: 'RUNNING', zone: `${SELF}/us-central1-a`,
  canIpForward: false,
  networkInterfaces: [{ kind: 'compute#networkInterface', network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/default`, networkIP: '10.128.0.12', name: 'nic0', fingerprint: 'hP2uQaQJ5yA=' }],
  disks: [{ kind: 'compute#attachedDisk', type: 'PERSISTENT', mode: 'READ_WRITE', source: `${SELF}/us-central1-a/disks/web-legacy-1`, deviceName: 'persistent-disk-0', index: 0, boot: true, autoDelete: true, diskSizeGb: '20' }],
  scheduling: { onHostMaintenance: 'MIGRATE', automaticRestart: true, preemptible: false, provisioningModel: 'STANDARD' },
  labelFingerprint: '42WmSpB8rSM=', selfLink: `${SELF}/us-central1-a/instances/web-legacy-1`, cpuPlatform: 'Intel Cascade Lake',
  ...o,
});
const owned = (pool: string, token: string, o: Record<string, unknown> = {}) => instance({
  name: instanceName(pool, token), status: 'PROVISIONING', id: '8123456789012345678',
  labels: { 'governator-pool': pool, 'governator-token': token, 'governator-plan': '12' },
  description: `Governator node: pool=${pool} offering=gcp:us-central1:n2-standard-4:on-demand token=${token}`, ...o,
});

/** A zone operation as insert/delete/stop and zoneOperations.wait return it. */
const operation = (type: string, target: string, o: Record<string, unknown> = {}) => ({
  kind: 'compute#operation', id: '7123456789012345678', name: `operation-1763798400000-6275a9d5e1f2a-3c1b1f0e-${type}`,
  zone: `${SELF}/us-central1-a`, operationType: type, targetLink: `${SELF}/us-central1-a/instances/${target}`, targetId: '8123456789012345678',
  status: 'RUNNING', user: 'governator@acme-prod.iam.gserviceaccount.com', progress: 0,
  insertTime: '2026-11-22T00:00:00.000-08:00', startTime: '2026-11-22T00:00:00.512-08:00', selfLink: `${SELF}/us-central1-a/operations/operation-x`,
  ...o,
});
const googleError = (code: number, message: string, reason: string, extra: Record<string, unknown> = {}) =>
  ({ error: { code, message, errors: [{ message, domain: 'global', reason }], ...extra } });
const notFound = (name: string) => googleError(404, `The resource 'projects/${PROJECT}/zones/us-central1-a/instances/${name}' was not found`, 'notFound');

const json = { headers: { 'content-type': 'application/json; charset=UTF-8' } };
const pool = () => agent.get(API);
const path = (p: string) => (actual: string) => actual.split('?')[0] === p;

/** The two lookups a start makes before inserting: by token label, then stopped instances of the pool to reuse. */
const nothingToReuse = (zone = 'us-central1-a') => {
  for (let i = 0; i < 2; i++) pool().intercept({ path: path(`${BASE}/${zone}/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList' }, json);
};

let clock = 1_000_000;
const provider = (extra: Partial<GcpProviderOptions> = {}) => createGcpProvider({
  name: 'gcp-prod', project: PROJECT, zones: ['us-central1-a', 'us-central1-b'], instanceTemplate: 'global/instanceTemplates/gov-web-v3',
  instancesClient, operationsClient, now: () => clock, ...extra,
});

async function rejection(p: Promise<unknown>) {
  try { await p; } catch (error) { if (isGovError(error)) return error; throw error; }
  throw new Error('expected a rejection');
}

describe('gcp adapter', () => {
  it('lists the instances of every zone across pages, mapping labels, state, type, zone, address, offering and token', async () => {
    const token = 'gov-12-7d0c2b6e-4a1f-4e8b-9c3d-2f1a0b9c8d7e';
    const queries: string[] = [];
    pool().intercept({ path: (p) => { queries.push(p); return path(`${BASE}/us-central1-a/instances`)(p) && !p.includes('pageToken'); }, method: 'GET' })
      .reply(200, { kind: 'compute#instanceList', items: [instance()], nextPageToken: 'CkQKBnVzLWNlbnRyYWwxLWE' }, json);
    pool().intercept({ path: (p) => path(`${BASE}/us-central1-a/instances`)(p) && p.includes('pageToken=CkQKBnVzLWNlbnRyYWwxLWE'), method: 'GET' })
      .reply(200, { kind: 'compute#instanceList', items: [owned('web', token, { status: 'TERMINATED', zone: `${SELF}/us-central1-a` })] }, json);
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances`), method: 'GET' })
      .reply(200, { kind: 'compute#instanceList', items: [instance({ name: 'spot-1', status: 'STAGING', scheduling: { provisioningModel: 'SPOT', preemptible: false } })] }, json);
    const nodes = await provider().listNodes();
    expect(nodes.map((n) => n.id)).toEqual(['us-central1-a/web-legacy-1', `us-central1-a/${instanceName('web', token)}`, 'us-central1-b/spot-1']);
    expect(nodes[0]).toMatchObject({
      pool: null, state: 'running', instanceType: 'n2-standard-4', region: 'us-central1', zone: 'us-central1-a', address: '10.128.0.12',
      offeringId: 'gcp:us-central1:n2-standard-4:on-demand', launchedAt: '2026-11-22T08:00:05.123Z', idempotencyToken: null, provider: 'gcp-prod',
    });
    expect(nodes[1]).toMatchObject({ pool: 'web', state: 'stopped', idempotencyToken: token, labels: { 'governator-pool': 'web', 'governator-plan': '12' } });
    expect(nodes[2]).toMatchObject({ state: 'pending', offeringId: 'gcp:us-central1:n2-standard-4:spot', zone: 'us-central1-b' });
    expect(queries[0]).toContain('maxResults=500');
    agent.assertNoPendingInterceptors();
  });

  it('listScope owned filters on the pool label', async () => {
    const seen: string[] = [];
    for (const zone of ['us-central1-a', 'us-central1-b']) {
      pool().intercept({ path: (p) => { seen.push(decodeURIComponent(p)); return path(`${BASE}/${zone}/instances`)(p); }, method: 'GET' }).reply(200, { kind: 'compute#instanceList' }, json);
    }
    expect(await provider({ listScope: 'owned' }).listNodes()).toEqual([]);
    expect(seen.some((q) => q.includes('filter=labels.governator-pool:*'))).toBe(true);
  });

  it('starts with instances.insert from the template: requestId, deterministic name, labels, description; follows the operation', async () => {
    const token = 'gov-12-7d0c2b6e-4a1f-4e8b-9c3d-2f1a0b9c8d7e';
    const name = instanceName('web', token);
    let insertPath = '';
    let body: Record<string, unknown> = {};
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    nothingToReuse();
    pool().intercept({ path: (p) => { if (path(`${BASE}/us-central1-a/instances`)(p)) { insertPath = decodeURIComponent(p); return true; } return false; }, method: 'POST', body: (b) => { body = JSON.parse(b) as Record<string, unknown>; return true; } })
      .reply(200, operation('insert', name, { status: 'PENDING' }), json);
    const waitPath = `${BASE}/us-central1-a/operations/operation-1763798400000-6275a9d5e1f2a-3c1b1f0e-insert/wait`;
    pool().intercept({ path: path(waitPath), method: 'POST' }).reply(200, operation('insert', name, { status: 'RUNNING', progress: 40 }), json);
    pool().intercept({ path: path(waitPath), method: 'POST' }).reply(200, operation('insert', name, { status: 'DONE', progress: 100, endTime: '2026-11-22T00:00:21.044-08:00' }), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(200, owned('web', token, { status: 'STAGING' }), json);

    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token, labels: { 'governator:plan': '12' } });
    expect(node).toMatchObject({ id: `us-central1-a/${name}`, state: 'pending', pool: 'web', idempotencyToken: token, offeringId: 'gcp:us-central1:n2-standard-4:on-demand' });
    expect(insertPath).toContain(`requestId=${requestId(token)}`);
    expect(insertPath).toContain('sourceInstanceTemplate=global/instanceTemplates/gov-web-v3');
    expect(requestId(token)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body).toMatchObject({
      name, machineType: 'zones/us-central1-a/machineTypes/n2-standard-4',
      labels: { 'governator-pool': 'web', 'governator-token': token, 'governator-plan': '12' },
      description: `Governator node: pool=web offering=gcp:us-central1:n2-standard-4:on-demand token=${token}`,
    });
    expect(body['scheduling']).toBeUndefined();
    expect(body['disks']).toBeUndefined();
    agent.assertNoPendingInterceptors();
  });

  it('a retried start finds the first start\'s instance by name and inserts nothing', async () => {
    const token = 'gov-7-0b5c';
    const name = instanceName('web', token);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(200, owned('web', token, { status: 'RUNNING' }), json);
    // The MockAgent refuses any request it was not told about: a second insert would fail the test.
    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token });
    expect(node).toMatchObject({ id: `us-central1-a/${name}`, state: 'running', idempotencyToken: token });
    agent.assertNoPendingInterceptors();
  });

  it('eventual consistency: alreadyExists but not readable yet reads as pending, is absent from the list, and NotFound after the grace window', async () => {
    const token = 'gov-9-ec';
    const name = instanceName('web', token);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    nothingToReuse();
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'POST' })
      .reply(409, googleError(409, `The resource 'projects/${PROJECT}/zones/us-central1-a/instances/${name}' already exists`, 'alreadyExists'), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    const p = provider();
    const node = await p.startNode({ pool: 'web', offering: offering(), idempotencyToken: token });
    expect(node).toMatchObject({ id: `us-central1-a/${name}`, state: 'pending', pool: 'web', idempotencyToken: token });

    for (const zone of ['us-central1-a', 'us-central1-b']) {
      pool().intercept({ path: path(`${BASE}/${zone}/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList', items: zone === 'us-central1-a' ? [instance()] : [] }, json);
    }
    expect((await p.listNodes()).map((n) => n.id)).toEqual(['us-central1-a/web-legacy-1']);

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    expect((await p.getNode(node.id)).state).toBe('pending');
    // Stopping it now would orphan it once it appears: a retryable refusal instead.
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'DELETE' }).reply(404, notFound(name), json);
    const early = await rejection(p.stopNode({ nodeId: node.id, mode: 'terminate' }));
    expect(early.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(early.details).toMatchObject({ retryable: true });

    clock += 200_000;
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    expect((await rejection(p.getNode(node.id))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    agent.assertNoPendingInterceptors();
  });

  it('reuses a stopped instance of the pool: labels under its fingerprint (a lost race moves on), instances.start; a retry finds it by token', async () => {
    const token = 'gov-21-reuse';
    const name = instanceName('web', token);
    const oldToken = 'gov-4-first';
    const stoppedA = owned('web', oldToken, { name: 'gov-web-aaaaaaaaaaaaaaaa', status: 'TERMINATED', labelFingerprint: 'p1Xq1n7Y2vQ=' });
    const stoppedB = owned('web', oldToken, { name: 'gov-web-bbbbbbbbbbbbbbbb', status: 'TERMINATED', labelFingerprint: 'Zm9vYmFyMTI=' });
    const otherType = owned('web', oldToken, { name: 'gov-web-cccccccccccccccc', status: 'TERMINATED', machineType: `${SELF}/us-central1-a/machineTypes/n2-standard-16` });
    const filters: string[] = [];
    const labelBodies: Record<string, unknown>[] = [];
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    pool().intercept({ path: (p) => { filters.push(new URLSearchParams(p.split('?')[1]).get('filter') ?? ''); return path(`${BASE}/us-central1-a/instances`)(p); }, method: 'GET' }).reply(200, { kind: 'compute#instanceList' }, json);
    pool().intercept({ path: (p) => { filters.push(new URLSearchParams(p.split('?')[1]).get('filter') ?? ''); return path(`${BASE}/us-central1-a/instances`)(p); }, method: 'GET' })
      .reply(200, { kind: 'compute#instanceList', items: [otherType, stoppedA, stoppedB] }, json);
    // A: another start changed its labels first.
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/gov-web-aaaaaaaaaaaaaaaa/setLabels`), method: 'POST', body: (b) => { labelBodies.push(JSON.parse(b) as Record<string, unknown>); return true; } })
      .reply(412, googleError(412, "Labels fingerprint either invalid or resource labels have changed", 'conditionNotMet'), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/gov-web-bbbbbbbbbbbbbbbb/setLabels`), method: 'POST', body: (b) => { labelBodies.push(JSON.parse(b) as Record<string, unknown>); return true; } })
      .reply(200, operation('setLabels', 'gov-web-bbbbbbbbbbbbbbbb', { status: 'DONE' }), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/gov-web-bbbbbbbbbbbbbbbb/start`), method: 'POST' }).reply(200, operation('start', 'gov-web-bbbbbbbbbbbbbbbb', { status: 'DONE' }), json);
    const labelled = { ...stoppedB, status: 'STAGING', labels: { 'governator-pool': 'web', 'governator-token': token, 'governator-plan': '21' } };
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/gov-web-bbbbbbbbbbbbbbbb`), method: 'GET' }).reply(200, labelled, json);

    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token, labels: { 'governator:plan': '21' } });
    expect(node).toMatchObject({ id: 'us-central1-a/gov-web-bbbbbbbbbbbbbbbb', state: 'pending', pool: 'web', idempotencyToken: token });
    // (the MockAgent asks every matcher about every request: keep each distinct filter once)
    expect([...new Set(filters.filter((f) => f !== ''))]).toEqual([`labels.governator-token = "${token}"`, '(labels.governator-pool = "web") AND (status = "TERMINATED")']);
    expect([...new Set(labelBodies.map((b) => b['labelFingerprint']))]).toEqual(['p1Xq1n7Y2vQ=', 'Zm9vYmFyMTI=']);
    expect(labelBodies.at(-1)).toMatchObject({ labels: { 'governator-pool': 'web', 'governator-token': token, 'governator-plan': '21' } });
    agent.assertNoPendingInterceptors();

    // The retry: not under the derived name, but carrying the token; no insert, no second claim.
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList', items: [labelled] }, json);
    expect((await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: token })).id).toBe('us-central1-a/gov-web-bbbbbbbbbbbbbbbb');
    agent.assertNoPendingInterceptors();

    // reuseStopped off: straight to the insert after the token lookup.
    const fresh = instanceName('web', 'gov-22-new');
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${fresh}`), method: 'GET' }).reply(404, notFound(fresh), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList' }, json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'POST' }).reply(200, operation('insert', fresh, { status: 'DONE' }), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${fresh}`), method: 'GET' }).reply(200, owned('web', 'gov-22-new'), json);
    await provider({ reuseStopped: false }).startNode({ pool: 'web', offering: offering(), idempotencyToken: 'gov-22-new' });
    agent.assertNoPendingInterceptors();
  });

  it('spot offerings without a template: SPOT scheduling, boot image and subnetwork', async () => {
    const token = 'gov-3-spot';
    const name = instanceName('batch', token);
    let body: Record<string, unknown> = {};
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    nothingToReuse('us-central1-b');
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances`), method: 'POST', body: (b) => { body = JSON.parse(b) as Record<string, unknown>; return true; } })
      .reply(200, operation('insert', name, { status: 'DONE', progress: 100 }), json);
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances/${name}`), method: 'GET' }).reply(200, owned('batch', token), json);
    const p = createGcpProvider({
      name: 'gcp-prod', project: PROJECT, zones: ['us-central1-a', 'us-central1-b'], sourceImage: 'projects/debian-cloud/global/images/family/debian-12',
      subnetwork: 'regions/us-central1/subnetworks/gov', bootDiskSizeGb: 50, instancesClient, operationsClient, now: () => clock,
    });
    await p.startNode({ pool: 'batch', offering: offering({ id: 'gcp:us-central1:us-central1-b:n2-standard-4:spot', zone: 'us-central1-b', purchase: 'spot' }), idempotencyToken: token });
    expect(body).toMatchObject({
      scheduling: { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE' },
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/debian-cloud/global/images/family/debian-12', diskSizeGb: '50' } }],
      networkInterfaces: [{ subnetwork: 'regions/us-central1/subnetworks/gov' }],
    });
    // A zone outside the configured ones is refused before any call.
    expect((await rejection(p.startNode({ pool: 'batch', offering: offering({ zone: 'europe-west4-a' }), idempotencyToken: 'x' }))).code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    agent.assertNoPendingInterceptors();
  });

  it('a stock-out in the insert operation is CapacityUnavailable; QUOTA_EXCEEDED (operation or HTTP 403) is QuotaExceeded', async () => {
    const name = instanceName('gpu', 'gov-1-a');
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' }).reply(404, notFound(name), json);
    nothingToReuse();
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'POST' }).reply(200, operation('insert', name, { status: 'RUNNING' }), json);
    pool().intercept({ path: (p) => p.startsWith(`${BASE}/us-central1-a/operations/`), method: 'POST' }).reply(200, operation('insert', name, {
      status: 'DONE', progress: 100, httpErrorStatusCode: 503, httpErrorMessage: 'SERVICE UNAVAILABLE',
      error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: `The zone 'projects/${PROJECT}/zones/us-central1-a' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.` }] },
    }), json);
    const capacity = await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-a' }));
    expect(capacity.code).toBe('GOV_PROVIDER_CAPACITY_UNAVAILABLE');
    expect(capacity.details).toMatchObject({ providerCode: 'ZONE_RESOURCE_POOL_EXHAUSTED', retryable: false });

    const name2 = instanceName('gpu', 'gov-1-b');
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name2}`), method: 'GET' }).reply(404, notFound(name2), json);
    nothingToReuse();
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'POST' }).reply(200, operation('insert', name2, {
      status: 'DONE', httpErrorStatusCode: 403, httpErrorMessage: 'FORBIDDEN',
      error: { errors: [{ code: 'QUOTA_EXCEEDED', message: "Quota 'N2_CPUS' exceeded.  Limit: 24.0 in region us-central1." }] },
    }), json);
    expect((await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-b' }))).code).toBe('GOV_PROVIDER_QUOTA_EXCEEDED');

    const name3 = instanceName('gpu', 'gov-1-c');
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name3}`), method: 'GET' }).reply(404, notFound(name3), json);
    nothingToReuse();
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'POST' })
      .reply(403, { error: { code: 403, message: "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 0.0 globally.", errors: [{ message: "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 0.0 globally.", domain: 'usageLimits', reason: 'quotaExceeded' }] } }, json);
    const quota = await rejection(provider().startNode({ pool: 'gpu', offering: offering(), idempotencyToken: 'gov-1-c' }));
    expect(quota.code).toBe('GOV_PROVIDER_QUOTA_EXCEEDED');
    expect(quota.message).toContain('GPUS_ALL_REGIONS');
    agent.assertNoPendingInterceptors();
  });

  it('throttling: 429 RESOURCE_EXHAUSTED with Retry-After and 403 rateLimitExceeded are Throttled (retryable)', async () => {
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(429, {
      error: { code: 429, message: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'compute.googleapis.com' for consumer 'project_number:123456789012'.", status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { service: 'compute.googleapis.com', quota_limit: 'ReadRequestsPerMinutePerProject' } }] },
    }, { headers: { 'content-type': 'application/json; charset=UTF-8', 'retry-after': '12' } });
    const throttled = await rejection(provider().listNodes());
    expect(throttled.code).toBe('GOV_PROVIDER_THROTTLED');
    expect(throttled.details).toMatchObject({ retryable: true, providerCode: 'RATE_LIMIT_EXCEEDED', retryAfterMs: 12_000 });

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'GET' })
      .reply(403, { error: { code: 403, message: 'Rate Limit Exceeded', errors: [{ message: 'Rate Limit Exceeded', domain: 'usageLimits', reason: 'rateLimitExceeded' }] } }, json);
    expect((await rejection(provider().getNode('us-central1-a/web-legacy-1'))).code).toBe('GOV_PROVIDER_THROTTLED');
  });

  it('auth errors (401 invalid credentials, 403 missing permission) are AuthFailed and never echo the access token; health reports them', async () => {
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(401, {
      error: { code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }], status: 'UNAUTHENTICATED' },
    }, json);
    const auth = await rejection(provider().listNodes());
    expect(auth.code).toBe('GOV_PROVIDER_AUTH_FAILED');
    expect(JSON.stringify({ m: auth.message, d: auth.details })).not.toContain(ACCESS_TOKEN);

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' })
      .reply(403, googleError(403, `Required 'compute.instances.list' permission for 'projects/${PROJECT}'`, 'forbidden'), json);
    const health = await provider().health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('compute.instances.list');
    expect(JSON.stringify(health)).not.toContain(ACCESS_TOKEN);

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList', items: [instance()] }, json);
    expect((await provider().health()).ok).toBe(true);
  });

  it('partial failure: one zone answering 503 fails the whole list, retryable (no silently partial inventory)', async () => {
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances`), method: 'GET' }).reply(200, { kind: 'compute#instanceList', items: [instance()] }, json);
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances`), method: 'GET' })
      .reply(503, googleError(503, 'The service is currently unavailable.', 'backendError'), json);
    const error = await rejection(provider().listNodes());
    expect(error.code).toBe('GOV_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ retryable: true });
    // No SDK retry happened: the MockAgent had one answer for zone b and the list failed on it.
    agent.assertNoPendingInterceptors();
  });

  it('stop: terminate deletes and follows the operation; stop mode stops (no call when already TERMINATED); a vanished instance is NotFound', async () => {
    const id = 'us-central1-a/web-legacy-1';
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'GET' }).reply(200, instance(), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'DELETE' }).reply(200, operation('delete', 'web-legacy-1'), json);
    pool().intercept({ path: (p) => p.startsWith(`${BASE}/us-central1-a/operations/`), method: 'POST' }).reply(200, operation('delete', 'web-legacy-1', { status: 'DONE', progress: 100 }), json);
    await provider().stopNode({ nodeId: id, mode: 'terminate' });

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'GET' }).reply(200, instance(), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1/stop`), method: 'POST' }).reply(200, operation('stop', 'web-legacy-1', { status: 'DONE' }), json);
    await provider().stopNode({ nodeId: id, mode: 'stop' });

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'GET' }).reply(200, instance({ status: 'TERMINATED' }), json);
    await provider().stopNode({ nodeId: id, mode: 'stop' });

    // Deleted between our get and our delete: done.
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'GET' }).reply(200, instance({ status: 'STOPPING' }), json);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/web-legacy-1`), method: 'DELETE' }).reply(404, notFound('web-legacy-1'), json);
    await provider().stopNode({ nodeId: id, mode: 'terminate' });

    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/gone-1`), method: 'GET' }).reply(404, notFound('gone-1'), json);
    expect((await rejection(provider().stopNode({ nodeId: 'us-central1-a/gone-1', mode: 'terminate' }))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    agent.assertNoPendingInterceptors();
  });

  it('a bare instance name is looked up in every zone; a malformed id is NotFound without a request', async () => {
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/spot-1`), method: 'GET' }).reply(404, notFound('spot-1'), json);
    pool().intercept({ path: path(`${BASE}/us-central1-b/instances/spot-1`), method: 'GET' }).reply(200, instance({ name: 'spot-1', zone: `${SELF}/us-central1-b` }), json);
    expect((await provider().getNode('spot-1')).id).toBe('us-central1-b/spot-1');
    expect((await rejection(provider().getNode('../projects/other'))).code).toBe('GOV_PROVIDER_NOT_FOUND');
    agent.assertNoPendingInterceptors();
  });

  it('a token GCP labels cannot hold is labelled by its hash; the description keeps it exact', async () => {
    const token = `Plan-7/${'x'.repeat(70)}`;
    expect(tokenLabel('gov-1-7d0c2b6e')).toBe('gov-1-7d0c2b6e');
    expect(tokenLabel(token)).toMatch(/^h-[0-9a-f]{32}$/);
    expect(tokenLabel(`${token}y`)).not.toBe(tokenLabel(token));
    const name = instanceName('web', token);
    pool().intercept({ path: path(`${BASE}/us-central1-a/instances/${name}`), method: 'GET' })
      .reply(200, owned('web', token, { labels: { 'governator-pool': 'web', 'governator-token': tokenLabel(token) } }), json);
    expect((await provider().getNode(`us-central1-a/${name}`)).idempotencyToken).toBe(token);
  });

  it('gcpErrorKind folds operation codes and reasons', () => {
    expect(gcpErrorKind(undefined, 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', '')).toBe('CapacityUnavailable');
    expect(gcpErrorKind(403, 'quotaExceeded', "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.")).toBe('QuotaExceeded');
    expect(gcpErrorKind(403, 'quotaExceeded', "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'")).toBe('Throttled');
    expect(gcpErrorKind(400, 'invalid_grant', 'invalid_grant: Invalid JWT Signature.')).toBe('AuthFailed');
    expect(gcpErrorKind(400, 'invalid', 'Invalid value for field')).toBe('InvalidRequest');
    expect(gcpErrorKind(undefined, 'ECONNRESET', 'socket hang up')).toBe('Unavailable');
    expect(gcpErrorKind(504, undefined, 'Deadline exceeded')).toBe('Timeout');
  });
});
