import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { createBaremetalProvider, type BaremetalHost } from './index.js';

const BMC = 'https://10.0.0.21';
const SYSTEM = '/redfish/v1/Systems/System.Embedded.1';
const offering: Offering = {
  id: 'baremetal:dc1:h100-box:owned', provider: 'baremetal', region: 'dc1', zone: null, instanceType: 'h100-box',
  vcpus: 96, memoryGiB: 1024, gpu: { model: 'H100', count: 8 }, purchase: 'owned', term: null, pricePerHour: 3,
  available: 2, source: 'config:owned', asOf: null,
};
const host = (id: string, extra: Partial<BaremetalHost> = {}): BaremetalHost => ({
  id, protocol: 'redfish', offeringId: offering.id, instanceType: 'h100-box', region: 'dc1',
  redfish: { url: BMC, username: 'root', password: 'calvin-secret', systemId: 'System.Embedded.1' }, ...extra,
} as BaremetalHost);

/** A Redfish ComputerSystem as iDRAC/OpenBMC return it (trimmed to what the adapter reads). */
const system = (powerState: string) => ({
  '@odata.id': SYSTEM, '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem', Id: 'System.Embedded.1', PowerState: powerState,
  Actions: { '#ComputerSystem.Reset': { target: `${SYSTEM}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown'] } },
});

let agent: MockAgent;
function mock(): ReturnType<MockAgent['get']> {
  agent = new MockAgent();
  agent.disableNetConnect();
  return agent.get(BMC);
}
afterEach(async () => { await agent.close(); });

describe('baremetal over Redfish', () => {
  it('powers on a free host with ComputerSystem.Reset On, and is idempotent by token', async () => {
    const pool = mock();
    const resets: unknown[] = [];
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(200, system('Off'));
    pool.intercept({ path: `${SYSTEM}/Actions/ComputerSystem.Reset`, method: 'POST' })
      .reply(204, (options) => { resets.push(JSON.parse(String(options.body))); return ''; }).times(2);
    const provider = createBaremetalProvider({ name: 'dc1-redfish', hosts: [host('gpu-01')], redfishDispatcher: agent });
    const node = await provider.startNode({ pool: 'llm', offering, idempotencyToken: 'plan-7/start-1' });
    expect(node).toMatchObject({ id: 'gpu-01', pool: 'llm', idempotencyToken: 'plan-7/start-1', state: 'pending' });
    // Second start with the same token: no new claim, the power-on is only repeated (a no-op on an on host).
    const again = await provider.startNode({ pool: 'llm', offering, idempotencyToken: 'plan-7/start-1' });
    expect(again.id).toBe('gpu-01');
    expect(resets).toEqual([{ ResetType: 'On' }, { ResetType: 'On' }]);
  });

  it('skips a host that is on without a claim (used outside Governator) and says when none is free', async () => {
    const pool = mock();
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(200, system('On')).times(2);
    const provider = createBaremetalProvider({ name: 'dc1-redfish', hosts: [host('gpu-01'), host('gpu-02', { pool: 'other' })], redfishDispatcher: agent });
    await expect(provider.startNode({ pool: 'llm', offering, idempotencyToken: 't' }))
      .rejects.toMatchObject({ code: 'GOV_PROVIDER_CAPACITY_UNAVAILABLE', details: { retryable: false } });
  });

  it('maps Redfish errors: 401 → AuthFailed, 429 with Retry-After → Throttled, 404 → NotFound; no password in them', async () => {
    const pool = mock();
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(401, {
      error: { code: 'Base.1.8.GeneralError', message: 'A general error has occurred.', '@Message.ExtendedInfo': [{ MessageId: 'Base.1.8.AccessDenied', Message: 'While attempting to establish a connection to /redfish/v1/Systems, the service denied access.' }] },
    });
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(429, '', { headers: { 'retry-after': '3' } });
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(404, { error: { code: 'Base.1.8.ResourceMissingAtURI', message: 'not found' } });
    const provider = createBaremetalProvider({ name: 'dc1-redfish', hosts: [host('gpu-01')], redfishDispatcher: agent });
    const auth = (await provider.getNode('gpu-01').catch((error: unknown) => error)) as Error;
    expect(auth).toMatchObject({ code: 'GOV_PROVIDER_AUTH_FAILED' });
    expect(auth.message).toContain('denied access');
    expect(JSON.stringify(auth)).not.toContain('calvin-secret');
    await expect(provider.getNode('gpu-01')).rejects.toMatchObject({
      code: 'GOV_PROVIDER_THROTTLED', details: { retryable: true, retryAfterMs: 3000 },
    });
    await expect(provider.getNode('gpu-01')).rejects.toMatchObject({ code: 'GOV_PROVIDER_NOT_FOUND' });
  });

  it('stops with ForceOff for terminate and GracefulShutdown for stop; a host already off is a no-op', async () => {
    const pool = mock();
    const resets: unknown[] = [];
    const reset = () => pool.intercept({ path: `${SYSTEM}/Actions/ComputerSystem.Reset`, method: 'POST' })
      .reply(204, (options) => { resets.push(JSON.parse(String(options.body))); return ''; });
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(200, system('On'));
    reset();
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(200, system('On'));
    reset();
    pool.intercept({ path: SYSTEM, method: 'GET' }).reply(200, system('Off'));
    const provider = createBaremetalProvider({ name: 'dc1-redfish', hosts: [host('gpu-01')], redfishDispatcher: agent });
    await provider.stopNode({ nodeId: 'gpu-01', mode: 'terminate' });
    await provider.stopNode({ nodeId: 'gpu-01', mode: 'stop' });
    await provider.stopNode({ nodeId: 'gpu-01', mode: 'stop' });
    expect(resets).toEqual([{ ResetType: 'ForceOff' }, { ResetType: 'GracefulShutdown' }]);
    await expect(provider.stopNode({ nodeId: 'nope', mode: 'stop' })).rejects.toMatchObject({ code: 'GOV_PROVIDER_NOT_FOUND' });
  });

  it('reports an unreachable BMC as Unavailable and health as not ok, never rejecting', async () => {
    mock().intercept({ path: SYSTEM, method: 'GET' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const provider = createBaremetalProvider({ name: 'dc1-redfish', hosts: [host('gpu-01')], redfishDispatcher: agent });
    const health = await provider.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('unreachable');
  });
});
