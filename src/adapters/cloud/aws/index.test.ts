import {
  DescribeInstancesCommand, EC2Client, EC2ServiceException, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../../../core/model/offering.js';
import { createAwsProvider, ec2ErrorKind } from './index.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => { ec2.reset(); });

const offering = (purchase: 'on-demand' | 'spot' = 'on-demand'): Offering => ({
  id: `aws:us-east-1:m5.xlarge:${purchase}`, provider: 'aws', region: 'us-east-1', zone: 'us-east-1b', instanceType: 'm5.xlarge',
  vcpus: 4, memoryGiB: 16, gpu: null, purchase, term: null, pricePerHour: 0.192, available: null, source: 'bundled', asOf: null,
});

/** An EC2 error as the SDK deserialises it (name = EC2's error code). */
function ec2Error(code: string, status: number, message: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'c4b1a8a2-6f0e-4b7a-9d3b-0c1d2e3f4a5b' }, message });
}

/** Trimmed from a real RunInstances / DescribeInstances answer. */
const instance = (overrides: Partial<Instance> = {}): Instance => ({
  InstanceId: 'i-0abc123def4567890', ImageId: 'ami-0c02fb55956c7d316', InstanceType: 'm5.xlarge',
  LaunchTime: new Date('2026-11-22T08:00:00.000Z'), Placement: { AvailabilityZone: 'us-east-1b', Tenancy: 'default' },
  PrivateIpAddress: '10.0.12.34', State: { Code: 0, Name: 'pending' }, SubnetId: 'subnet-0123456789abcdef0',
  ...overrides,
});

const provider = (extra: Partial<Parameters<typeof createAwsProvider>[0]> = {}) => createAwsProvider({
  name: 'aws-prod', region: 'us-east-1', client: new EC2Client({ region: 'us-east-1' }),
  launch: { '*': { launchTemplateId: 'lt-0a1b2c3d4e5f67890' }, 'batch/aws:us-east-1:m5.xlarge:spot': { launchTemplateName: 'batch-spot', imageId: 'ami-1' } },
  ...extra,
});

describe('aws adapter', () => {
  it('starts with RunInstances: ClientToken, tags, zone and launch template', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()], ReservationId: 'r-0123' });
    const node = await provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: 'act-42', labels: { team: 'search' } });
    expect(node).toMatchObject({
      id: 'i-0abc123def4567890', state: 'pending', pool: 'web', idempotencyToken: 'act-42',
      offeringId: 'aws:us-east-1:m5.xlarge:on-demand', zone: 'us-east-1b', address: '10.0.12.34',
    });
    const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      ClientToken: 'act-42', InstanceType: 'm5.xlarge', MinCount: 1, MaxCount: 1,
      LaunchTemplate: { LaunchTemplateId: 'lt-0a1b2c3d4e5f67890', Version: '$Default' }, Placement: { AvailabilityZone: 'us-east-1b' },
    });
    expect(input.InstanceMarketOptions).toBeUndefined();
    expect(input.TagSpecifications?.[0]?.Tags).toEqual(expect.arrayContaining([
      { Key: 'governator:pool', Value: 'web' }, { Key: 'governator:token', Value: 'act-42' }, { Key: 'team', Value: 'search' },
      { Key: 'governator:offering', Value: 'aws:us-east-1:m5.xlarge:on-demand' },
    ]));
  });

  it('launches spot offerings with market options and the pool/offering launch spec; hashes over-long tokens', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance({ InstanceLifecycle: 'spot' })] });
    const token = 'x'.repeat(80);
    await provider().startNode({ pool: 'batch', offering: offering('spot'), idempotencyToken: token });
    const input = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(input.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } });
    expect(input.LaunchTemplate).toMatchObject({ LaunchTemplateName: 'batch-spot' });
    expect(input.ImageId).toBe('ami-1');
    expect(input.ClientToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a repeated start with the same token sends the same ClientToken (EC2 returns the first instance)', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    const aws = provider();
    const first = await aws.startNode({ pool: 'web', offering: offering(), idempotencyToken: 'act-1' });
    const second = await aws.startNode({ pool: 'web', offering: offering(), idempotencyToken: 'act-1' });
    expect(second.id).toBe(first.id);
    expect(ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input.ClientToken)).toEqual(['act-1', 'act-1']);
  });

  it('eventual consistency: a just-started instance missing from DescribeInstances reads as pending, then NotFound after the grace', async () => {
    let now = 1_000_000;
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance()] });
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', 400, "The instance ID 'i-0abc123def4567890' does not exist"));
    const aws = provider({ now: () => now, consistencyGraceMs: 60_000 });
    await aws.startNode({ pool: 'web', offering: offering(), idempotencyToken: 'act-9' });
    expect(await aws.getNode('i-0abc123def4567890')).toMatchObject({ state: 'pending', pool: 'web' });
    now += 61_000;
    await expect(aws.getNode('i-0abc123def4567890')).rejects.toMatchObject({ code: 'GOV_PROVIDER_NOT_FOUND', details: { nodeId: 'i-0abc123def4567890' } });
    // An instance nobody started here: NotFound at once.
    await expect(aws.getNode('i-0000000000000dead')).rejects.toMatchObject({ code: 'GOV_PROVIDER_NOT_FOUND' });
  });

  it('lists every page of DescribeInstances and maps states and tags', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ NextToken: 'page-2', Reservations: [{ Instances: [instance({ State: { Name: 'running', Code: 16 }, Tags: [{ Key: 'governator:pool', Value: 'web' }, { Key: 'governator:token', Value: 't1' }] })] }] })
      .resolvesOnce({ Reservations: [{ Instances: [
        instance({ InstanceId: 'i-2', State: { Name: 'shutting-down', Code: 32 } }),
        instance({ InstanceId: 'i-3', State: { Name: 'stopped', Code: 80 }, InstanceLifecycle: 'spot' }),
      ] }] });
    const nodes = await provider({ listScope: 'owned' }).listNodes();
    expect(nodes.map((node) => [node.id, node.state, node.pool, node.offeringId])).toEqual([
      ['i-0abc123def4567890', 'running', 'web', 'aws:us-east-1:m5.xlarge:on-demand'],
      ['i-2', 'stopping', null, 'aws:us-east-1:m5.xlarge:on-demand'],
      ['i-3', 'stopped', null, 'aws:us-east-1:m5.xlarge:spot'],
    ]);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([{ Name: 'tag-key', Values: ['governator:pool'] }]);
    expect(ec2.commandCalls(DescribeInstancesCommand)[1]!.args[0].input.NextToken).toBe('page-2');
  });

  it('a throttled second page fails the listing as Throttled (retryable), not a partial list', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ NextToken: 'p2', Reservations: [{ Instances: [instance()] }] })
      .rejectsOnce(ec2Error('RequestLimitExceeded', 503, 'Request limit exceeded.'));
    await expect(provider().listNodes()).rejects.toMatchObject({ code: 'GOV_PROVIDER_THROTTLED', details: { retryable: true, providerCode: 'RequestLimitExceeded' } });
  });

  it.each([
    ['InsufficientInstanceCapacity', 500, 'GOV_PROVIDER_CAPACITY_UNAVAILABLE', "We currently do not have sufficient m5.xlarge capacity in the Availability Zone you requested (us-east-1b)."],
    ['VcpuLimitExceeded', 400, 'GOV_PROVIDER_QUOTA_EXCEEDED', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows'],
    ['InstanceLimitExceeded', 400, 'GOV_PROVIDER_QUOTA_EXCEEDED', 'Your quota allows for 0 more running instance(s).'],
    ['RequestLimitExceeded', 503, 'GOV_PROVIDER_THROTTLED', 'Request limit exceeded.'],
    ['UnauthorizedOperation', 403, 'GOV_PROVIDER_AUTH_FAILED', 'You are not authorized to perform this operation. Encoded authorization failure message: AbC'],
    ['AuthFailure', 401, 'GOV_PROVIDER_AUTH_FAILED', 'AWS was not able to validate the provided access credentials'],
    ['InvalidParameterValue', 400, 'GOV_PROVIDER_INVALID_REQUEST', "Value (m5.xlargee) for parameter instanceType is invalid."],
    ['IdempotentParameterMismatch', 400, 'GOV_PROVIDER_INVALID_REQUEST', 'The client token you have provided is associated with a resource that is already deleted.'],
    ['InternalError', 500, 'GOV_PROVIDER_UNAVAILABLE', 'An internal error has occurred'],
  ])('maps RunInstances %s to %s', async (code, status, govCode, message) => {
    ec2.on(RunInstancesCommand).rejects(ec2Error(code, status, message));
    await expect(provider().startNode({ pool: 'web', offering: offering(), idempotencyToken: 't' }))
      .rejects.toMatchObject({ code: govCode, details: { providerCode: code, operation: 'startNode', provider: 'aws-prod' } });
  });

  it('refuses an offering of another region, or a pool with no launch spec', async () => {
    await expect(provider().startNode({ pool: 'web', offering: { ...offering(), region: 'eu-west-1' }, idempotencyToken: 't' }))
      .rejects.toMatchObject({ code: 'GOV_PROVIDER_INVALID_REQUEST' });
    await expect(provider({ launch: {} }).startNode({ pool: 'web', offering: offering(), idempotencyToken: 't' }))
      .rejects.toMatchObject({ code: 'GOV_PROVIDER_INVALID_REQUEST' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('stops by mode: terminate → TerminateInstances, stop → StopInstances; stop of a terminated instance resolves', async () => {
    ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [{ InstanceId: 'i-1', CurrentState: { Name: 'shutting-down' }, PreviousState: { Name: 'running' } }] });
    ec2.on(StopInstancesCommand).rejects(ec2Error('IncorrectInstanceState', 400, "This instance 'i-1' is not in a state from which it can be stopped."));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ InstanceId: 'i-1', State: { Name: 'terminated', Code: 48 } })] }] });
    const aws = provider();
    await aws.stopNode({ nodeId: 'i-1', mode: 'terminate' });
    await aws.stopNode({ nodeId: 'i-1', mode: 'stop' });
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input.InstanceIds).toEqual(['i-1']);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('a vanished instance stops with NotFound; partial failure of an unrelated call does not hide it', async () => {
    ec2.on(TerminateInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', 400, "The instance ID 'i-gone' does not exist"));
    await expect(provider().stopNode({ nodeId: 'i-gone', mode: 'terminate' })).rejects.toMatchObject({ code: 'GOV_PROVIDER_NOT_FOUND', details: { nodeId: 'i-gone' } });
  });

  it('health uses a DryRun call: DryRunOperation is ok, UnauthorizedOperation is not', async () => {
    ec2.on(DescribeInstancesCommand).rejectsOnce(ec2Error('DryRunOperation', 412, 'Request would have succeeded, but DryRun flag is set.'))
      .rejectsOnce(ec2Error('UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'));
    expect((await provider().health()).ok).toBe(true);
    const bad = await provider().health();
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('UnauthorizedOperation');
  });

  it('classifies codes without a table entry by HTTP status', () => {
    expect(ec2ErrorKind('InvalidAMIID.NotFound', 400)).toBe('InvalidRequest');
    expect(ec2ErrorKind('SomethingNew', 503)).toBe('Unavailable');
  });
});
