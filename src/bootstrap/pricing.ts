import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import type { Dispatcher } from 'undici';
import { GovError } from '../core/errors.js';
import type { Offering } from '../core/model/offering.js';
import type { Config } from '../config/schema.js';
import { tryParseDuration } from '../config/duration.js';
import type { Clock } from '../ports/clock.js';
import type { PriceSource } from '../ports/price-source.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { CostHistoryRepository } from '../ports/store.js';
import { PriceRefresher, type PriceRefresherOptions } from '../app/price-refresher.js';
import { withRetry, type RetryOptions } from '../app/pricing/with-retry.js';
import { createAwsListPriceSource } from '../adapters/pricing/aws/list.js';
import { createAwsSpotPriceSource } from '../adapters/pricing/aws/spot.js';
import { createAzureRetailPriceSource } from '../adapters/pricing/azure/retail.js';
import { createDigitalOceanPriceSource } from '../adapters/pricing/digitalocean/sizes.js';
import { createGcpCatalogPriceSource, gcpShapesFromOfferings, type GcpMachineShape } from '../adapters/pricing/gcp/catalog.js';
import { systemScheduler } from '../adapters/clock/scheduler.js';

/**
 * Composition root for live prices (issue #3, part 4; docs/pricing-sources.md). `createPriceSources` turns the
 * `[pricing]` config into PriceSource adapters wrapped in withRetry; `createPriceRefresher` adds the refresher
 * over them. Nothing here starts a timer or calls a network: the caller starts the refresher.
 */

export type PricingConfig = Config['pricing'];

export interface PriceSourceDeps {
  /** The bundled catalog: GCP machine shapes are taken from its `gcp` offerings (unless gcpMachineTypes is given). */
  readonly catalog?: readonly Offering[];
  readonly gcpMachineTypes?: readonly GcpMachineShape[];
  /** undici dispatcher for the REST sources (proxy, tests). */
  readonly dispatcher?: Dispatcher;
  /** Clients for AWS (tests inject mocked ones); default: SDK clients with the default credential chain. */
  readonly awsPricingClient?: PricingClient;
  readonly awsEc2ClientFor?: (region: string) => EC2Client;
  readonly now?: () => Date;
  /** withRetry options; false: no retry wrapper. */
  readonly retry?: RetryOptions | false;
}

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const AZURE_REGION = /^[a-z0-9]+$/;
const MIN_INTERVAL_MS = 1000;

function invalid(problems: { key: string; message: string }[]): GovError {
  const lines = problems.map((p) => `  ${p.key}: ${p.message}`).join('\n');
  return new GovError('GOV_CONFIG_INVALID', `invalid pricing configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, {
    details: { errors: problems.map((p) => ({ key: p.key, source: 'pricing', message: p.message })) },
  });
}

function interval(text: string, key: string, problems: { key: string; message: string }[]): number {
  const ms = tryParseDuration(text);
  if (ms === undefined || ms < MIN_INTERVAL_MS) {
    problems.push({ key, message: `${JSON.stringify(text)} is not a duration of at least 1s` });
    return MIN_INTERVAL_MS;
  }
  return ms;
}

/** The refresh intervals, ms. @throws GovError GOV_CONFIG_INVALID naming the key. */
export function pricingIntervals(pricing: PricingConfig): { spotIntervalMs: number; listIntervalMs: number } {
  const problems: { key: string; message: string }[] = [];
  const spotIntervalMs = interval(pricing.spot_refresh_interval, 'pricing.spot_refresh_interval', problems);
  const listIntervalMs = interval(pricing.list_refresh_interval, 'pricing.list_refresh_interval', problems);
  if (problems.length > 0) throw invalid(problems);
  return { spotIntervalMs, listIntervalMs };
}

function checkConfig(pricing: PricingConfig): void {
  const problems: { key: string; message: string }[] = [];
  pricingIntervals(pricing);
  const regions = (key: string, list: readonly string[], pattern: RegExp, what: string): void => {
    if (list.length === 0) problems.push({ key, message: 'is empty; list at least one region, or set enabled = false' });
    for (const r of list) if (!pattern.test(r)) problems.push({ key, message: `${JSON.stringify(r)} is not ${what}` });
  };
  if (pricing.aws.enabled) regions('pricing.aws.regions', pricing.aws.regions, AWS_REGION, 'an AWS region code (e.g. us-east-1)');
  if (pricing.azure.enabled) regions('pricing.azure.regions', pricing.azure.regions, AZURE_REGION, 'an Azure ARM region name (e.g. eastus)');
  if (pricing.gcp.enabled && !pricing.gcp.api_key) problems.push({ key: 'pricing.gcp.api_key', message: 'is not set, but pricing.gcp.enabled is true' });
  if (pricing.digitalocean.enabled && !pricing.digitalocean.token) problems.push({ key: 'pricing.digitalocean.token', message: 'is not set, but pricing.digitalocean.enabled is true' });
  if (problems.length > 0) throw invalid(problems);
}

/**
 * The enabled price sources, in a fixed order (aws-pricing, aws-spot, azure-retail, azure-spot, gcp-catalog,
 * digitalocean-sizes), each wrapped in withRetry. Empty when every source is disabled (the default).
 * @throws GovError GOV_CONFIG_INVALID when an enabled source lacks what it needs.
 */
export function createPriceSources(pricing: PricingConfig, deps: PriceSourceDeps = {}): PriceSource[] {
  checkConfig(pricing);
  const http = {
    ...(deps.dispatcher === undefined ? {} : { dispatcher: deps.dispatcher }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  };
  const sources: PriceSource[] = [];
  if (pricing.aws.enabled) {
    // Region us-east-1 serves the Price List API for every region. The SDK's own retry stays on (per call,
    // so a throttled page does not restart the listing); withRetry below handles what it gives up on.
    const pricingClient = deps.awsPricingClient ?? new PricingClient({ region: 'us-east-1' });
    const ec2 = new Map<string, EC2Client>();
    const ec2For = deps.awsEc2ClientFor ?? ((region: string): EC2Client => {
      let client = ec2.get(region);
      if (client === undefined) ec2.set(region, (client = new EC2Client({ region })));
      return client;
    });
    sources.push(createAwsListPriceSource({ client: pricingClient, regions: pricing.aws.regions, ...(deps.now === undefined ? {} : { now: deps.now }) }));
    sources.push(createAwsSpotPriceSource({ clientFor: ec2For, regions: pricing.aws.regions, ...(deps.now === undefined ? {} : { now: deps.now }) }));
  }
  if (pricing.azure.enabled) {
    sources.push(createAzureRetailPriceSource({ ...http, regions: pricing.azure.regions, mode: 'list' }));
    sources.push(createAzureRetailPriceSource({ ...http, regions: pricing.azure.regions, mode: 'spot' }));
  }
  if (pricing.gcp.enabled && pricing.gcp.api_key) {
    const machineTypes = deps.gcpMachineTypes ?? gcpShapesFromOfferings(deps.catalog ?? []);
    sources.push(createGcpCatalogPriceSource({ ...http, apiKey: pricing.gcp.api_key, machineTypes }));
  }
  if (pricing.digitalocean.enabled && pricing.digitalocean.token) {
    sources.push(createDigitalOceanPriceSource({ ...http, token: pricing.digitalocean.token }));
  }
  const retry = deps.retry;
  return retry === false ? sources : sources.map((source) => withRetry(source, retry));
}

export interface PriceRefresherDeps extends PriceSourceDeps {
  readonly clock: Clock;
  /** Where price changes are recorded (the Store). */
  readonly store?: { readonly costHistory: CostHistoryRepository } | null;
  /** The bundled offerings served until live prices arrive. */
  readonly initialOfferings: readonly Offering[];
  readonly scheduler?: Scheduler;
  readonly onRefresh?: PriceRefresherOptions['onRefresh'];
}

/** A refresher over the configured sources, not started: call `start()` (and `stop()` on shutdown). */
export function createPriceRefresher(pricing: PricingConfig, deps: PriceRefresherDeps): PriceRefresher {
  const sources = createPriceSources(pricing, { catalog: deps.initialOfferings, ...deps });
  return new PriceRefresher({
    sources,
    clock: deps.clock,
    scheduler: deps.scheduler ?? systemScheduler,
    initialOfferings: deps.initialOfferings,
    store: deps.store ?? null,
    ...pricingIntervals(pricing),
    ...(deps.onRefresh === undefined ? {} : { onRefresh: deps.onRefresh }),
  });
}
