/**
 * AWS adapters at the SDK boundary (aws-sdk-client-mock), replaying recorded answers shaped like the real
 * GetProducts and DescribeSpotPriceHistory responses (test/fixtures/pricing/aws/).
 */
import { DescribeSpotPriceHistoryCommand, EC2Client, type DescribeSpotPriceHistoryCommandOutput } from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient, ThrottlingException, type GetProductsCommandOutput } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsListPriceSource } from '../../src/adapters/pricing/aws/list.js';
import { createAwsSpotPriceSource } from '../../src/adapters/pricing/aws/spot.js';
import { withRetry } from '../../src/app/pricing/with-retry.js';
import { fixture, recordingSleep, rejection, signal } from './support.js';

const page1 = fixture<GetProductsCommandOutput>('aws/get-products-us-east-1-page1.json');
const page2 = fixture<GetProductsCommandOutput>('aws/get-products-us-east-1-page2.json');

/** The SDK turns `Timestamp` into a Date; the recorded JSON has text. */
function spotPage(path: string): DescribeSpotPriceHistoryCommandOutput {
  const raw = fixture<{ SpotPriceHistory: Record<string, unknown>[]; NextToken?: string }>(path);
  return {
    ...raw,
    SpotPriceHistory: raw.SpotPriceHistory.map((e) => ({ ...e, ...(typeof e['Timestamp'] === 'string' ? { Timestamp: new Date(e['Timestamp']) } : {}) })),
    $metadata: {},
  } as DescribeSpotPriceHistoryCommandOutput;
}

const pricingMock = mockClient(PricingClient);
const ec2Mock = mockClient(EC2Client);
const now = () => new Date('2026-01-01T12:00:00.000Z');

beforeEach(() => {
  pricingMock.reset();
  ec2Mock.reset();
});
afterEach(() => {
  pricingMock.reset();
  ec2Mock.reset();
});

describe('aws-pricing (GetProducts)', () => {
  const source = () => createAwsListPriceSource({ client: new PricingClient({ region: 'us-east-1' }), regions: ['us-east-1'], now });

  it('reads on-demand and standard No Upfront reserved prices across pages', async () => {
    pricingMock.on(GetProductsCommand).resolvesOnce(page1).resolvesOnce(page2);
    const snapshot = await source().fetch({ signal: signal() });
    const prices = Object.fromEntries(snapshot.quotes.map((q) => [`${q.instanceType}:${q.purchase}${q.term ? `:${q.term}` : ''}`, q.pricePerHour]));
    expect(prices).toEqual({
      'm5.xlarge:on-demand': 0.192,
      'm5.xlarge:reserved:1y': 0.121,
      'm5.xlarge:reserved:3y': 0.083,
      'g5.xlarge:on-demand': 1.006,
      'g5.xlarge:reserved:1y': 0.63378,
      'g5.xlarge:reserved:3y': 0.43459,
      'c7g.large:on-demand': 0.0725,
      'c7g.large:reserved:1y': 0.0457,
      'p5.48xlarge:on-demand': 55.04,
      'p5.48xlarge:reserved:3y': 23.77728,
    });
    for (const q of snapshot.quotes) expect(q).toMatchObject({ provider: 'aws', region: 'us-east-1', zone: null });
    expect(snapshot.quotes.find((q) => q.instanceType === 'm5.xlarge' && q.purchase === 'on-demand')?.asOf).toBe('2025-11-01T00:00:00.000Z');
    // c7g.large has no regionCode: its location name was mapped.
    expect(snapshot.quotes.some((q) => q.instanceType === 'c7g.large')).toBe(true);
  });

  it('skips and reports malformed entries without failing the fetch, and never quotes zero', async () => {
    pricingMock.on(GetProductsCommand).resolvesOnce(page1).resolvesOnce(page2);
    const snapshot = await source().fetch({ signal: signal() });
    expect(snapshot.errors).toEqual([
      { item: 'us-east-1 page 1 entry 2', message: 'entry is not valid JSON' },
      { item: 'us-east-1 t3.micro (sku ZZZZZZZZZZZZZZZZ)', message: 'on-demand price is zero' },
      { item: 'us-east-1 c7g.large (sku A6FBKXC3UTP7Y9GH)', message: 'reserved 3y price "N/A" is not a decimal number' },
      { item: 'us-east-1 m5.large (sku LOCATIONLESS0000)', message: 'has no regionCode and its location "Moon Base (Tranquility)" is not a known region' },
    ]);
    expect(snapshot.quotes.some((q) => q.instanceType === 't3.micro')).toBe(false);
    expect(snapshot.quotes.every((q) => q.pricePerHour > 0)).toBe(true);
    // The dedicated-tenancy product is not ours: left out, not an error.
    expect(snapshot.quotes.filter((q) => q.instanceType === 'm5.xlarge' && q.purchase === 'on-demand')).toHaveLength(1);
  });

  it('asks for Linux, shared tenancy, no pre-installed software, capacity Used, per region, following NextToken', async () => {
    pricingMock.on(GetProductsCommand).resolvesOnce(page1).resolvesOnce(page2).resolvesOnce(page2);
    await createAwsListPriceSource({ client: new PricingClient({}), regions: ['us-east-1', 'eu-west-1'], now }).fetch({ signal: signal() });
    const calls = pricingMock.commandCalls(GetProductsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1', MaxResults: 100 });
    expect(calls[0]?.NextToken).toBeUndefined();
    expect(calls[1]?.NextToken).toBe(page1.NextToken);
    expect(Object.fromEntries((calls[2]?.Filters ?? []).map((f) => [f.Field, f.Value]))).toEqual({
      regionCode: 'eu-west-1', operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used',
    });
    expect(calls[2]?.Filters?.every((f) => f.Type === 'TERM_MATCH')).toBe(true);
  });

  it('filters by instance type when given a list', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [], $metadata: {} });
    await createAwsListPriceSource({ client: new PricingClient({}), regions: ['us-east-1'], instanceTypes: ['p5.48xlarge', 'g5.xlarge'], now }).fetch({ signal: signal() });
    const types = pricingMock.commandCalls(GetProductsCommand).map((c) => c.args[0].input.Filters?.find((f) => f.Field === 'instanceType')?.Value);
    expect(types).toEqual(['p5.48xlarge', 'g5.xlarge']);
  });

  it('fails with GOV_PRICE_SOURCE_THROTTLED on ThrottlingException; withRetry backs off and succeeds', async () => {
    const throttle = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    pricingMock.on(GetProductsCommand).rejectsOnce(throttle).resolvesOnce(page1).resolvesOnce(page2);
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_THROTTLED');
    expect(err.message).toMatch(/aws-pricing: GetProducts us-east-1 page 1 failed: ThrottlingException: Rate exceeded/);

    pricingMock.reset();
    pricingMock.on(GetProductsCommand).rejectsOnce(throttle).rejectsOnce(throttle).resolvesOnce(page1).resolvesOnce(page2);
    const { delays, sleep } = recordingSleep();
    const snapshot = await withRetry(source(), { maxAttempts: 3, random: () => 0.5, sleep }).fetch({ signal: signal() });
    expect(snapshot.quotes).toHaveLength(10);
    expect(delays).toEqual([500, 1000]);
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(4);
  });

  it('maps access denied to GOV_PRICE_SOURCE_AUTH, which withRetry does not retry', async () => {
    const denied = Object.assign(new Error('User: arn:aws:iam::123456789012:user/gov is not authorized to perform: pricing:GetProducts'), {
      name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 },
    });
    pricingMock.on(GetProductsCommand).rejects(denied);
    const { delays, sleep } = recordingSleep();
    await rejection(withRetry(source(), { sleep }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_AUTH');
    expect(delays).toEqual([]);
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(1);
  });

  it('maps a server error to GOV_PRICE_SOURCE_UNAVAILABLE (retryable)', async () => {
    pricingMock.on(GetProductsCommand).rejects(Object.assign(new Error('We encountered an internal error.'), { name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } }));
    const err = await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.details).toMatchObject({ source: 'aws-pricing', status: 500, retryable: true });
  });

  it('stops after maxPages when NextToken never ends', async () => {
    pricingMock.on(GetProductsCommand).resolves({ ...page2, NextToken: 'same-token-forever' });
    const err = await rejection(createAwsListPriceSource({ client: new PricingClient({}), regions: ['us-east-1'], maxPages: 5, now }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/still more pages after 5/);
    expect(err.details).toMatchObject({ retryable: false });
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(5);
  });

  it('gives up on a call that does not answer within the request timeout, and stops at once when aborted', async () => {
    pricingMock.on(GetProductsCommand).callsFake(() => new Promise(() => undefined));
    const slow = createAwsListPriceSource({ client: new PricingClient({}), regions: ['us-east-1'], requestTimeoutMs: 20, now });
    const err = await rejection(slow.fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/no answer within 20 ms/);
    expect(err.details).toMatchObject({ retryable: true });

    const controller = new AbortController();
    const pending = source().fetch({ signal: controller.signal });
    controller.abort();
    const aborted = await rejection(pending, 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(aborted.details).toMatchObject({ aborted: true, retryable: false });
  });

  it('accepts PriceList entries the SDK already parsed', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: (page2.PriceList as string[]).map((e) => JSON.parse(e) as object) as never, $metadata: {} });
    const snapshot = await source().fetch({ signal: signal() });
    expect(snapshot.quotes.map((q) => q.instanceType)).toContain('p5.48xlarge');
  });
});

describe('aws-spot (DescribeSpotPriceHistory)', () => {
  const source = (regions = ['us-east-1']) => createAwsSpotPriceSource({ clientFor: (region) => new EC2Client({ region }), regions, now });

  it('keeps the latest Linux price per zone and type, across pages', async () => {
    ec2Mock.on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce(spotPage('aws/describe-spot-price-history-us-east-1-page1.json'))
      .resolvesOnce(spotPage('aws/describe-spot-price-history-us-east-1-page2.json'));
    const snapshot = await source().fetch({ signal: signal() });
    const prices = Object.fromEntries(snapshot.quotes.map((q) => [`${q.zone}/${q.instanceType}`, q.pricePerHour]));
    expect(prices).toEqual({
      'us-east-1a/m5.xlarge': 0.0714, // the 11:58 entry, not the 09:12 one, nor SUSE's
      'us-east-1b/m5.xlarge': 0.0688,
      'us-east-1a/g5.xlarge': 0.3837,
      'us-east-1d/p5.48xlarge': 13.2182,
      'us-east-1f/g5.xlarge': 0.4034,
    });
    for (const q of snapshot.quotes) expect(q).toMatchObject({ provider: 'aws', region: 'us-east-1', purchase: 'spot', term: null });
    expect(snapshot.quotes.find((q) => q.zone === 'us-east-1a' && q.instanceType === 'm5.xlarge')?.asOf).toBe('2026-01-01T11:58:12.000Z');
    expect(snapshot.errors).toEqual([
      { item: 'us-east-1 us-east-1c g5.xlarge (page 1 entry 4)', message: 'price "" is not a decimal number' },
      { item: 'us-east-1 ? p5.48xlarge (page 2 entry 1)', message: 'has no AvailabilityZone or InstanceType' },
    ]);
    const inputs = ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ ProductDescriptions: ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'], MaxResults: 1000, StartTime: now() });
    expect(inputs[1]?.NextToken).toBe('bm90LWEtcmVhbC10b2tlbjpwYWdlLTI=');
  });

  it('uses one client per region', async () => {
    const regions: string[] = [];
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [], $metadata: {} });
    await createAwsSpotPriceSource({
      clientFor: (region) => { regions.push(region); return new EC2Client({ region }); }, regions: ['us-east-1', 'eu-west-1'], now,
    }).fetch({ signal: signal() });
    expect(regions).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('maps RequestLimitExceeded to THROTTLED; withRetry recovers; UnauthorizedOperation is AUTH', async () => {
    const limit = Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejectsOnce(limit)
      .resolvesOnce(spotPage('aws/describe-spot-price-history-us-east-1-page2.json'));
    const { delays, sleep } = recordingSleep();
    const snapshot = await withRetry(source(), { random: () => 0, sleep }).fetch({ signal: signal() });
    expect(snapshot.quotes).toHaveLength(2);
    expect(delays).toEqual([0]);

    ec2Mock.reset();
    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
    await rejection(source().fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_AUTH');
  });

  it('fails when NextToken loops past maxPages', async () => {
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [], NextToken: 'again', $metadata: {} });
    await rejection(createAwsSpotPriceSource({ clientFor: () => new EC2Client({}), regions: ['us-east-1'], maxPages: 3, now }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(3);
  });
});
