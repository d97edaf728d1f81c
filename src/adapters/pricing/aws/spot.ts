import { DescribeSpotPriceHistoryCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { PriceItemError, PriceQuote } from '../../../core/pricing/quote.js';
import type { PriceFetchOptions, PriceSnapshot, PriceSource } from '../../../ports/price-source.js';
import { abortedError, boundedSignal, raceAbort, tooManyPagesError, unavailableError } from '../errors.js';
import { describeBadPrice, nonEmptyString, readPrice, toIso } from '../values.js';
import { fromAwsError } from './errors.js';

/**
 * AWS spot prices from EC2 `DescribeSpotPriceHistory` (official SDK, @aws-sdk/client-ec2), one region at a
 * time (the API is regional). Asking with StartTime = now returns, for every availability zone and instance
 * type, the price in effect now; the adapter keeps the latest entry per zone + type (Linux/UNIX only, VPC or
 * not) and quotes it per zone. Pages follow NextToken, at most `maxPages` per region. An entry without a zone
 * or type, or with a price that is not a number above zero, is an item error.
 *
 * Credentials: the SDK's default provider chain. Needs `ec2:DescribeSpotPriceHistory`.
 */

export interface AwsSpotPriceSourceOptions {
  /** An EC2 client for the region (the bootstrap makes one per region). */
  readonly clientFor: (region: string) => EC2Client;
  readonly regions: readonly string[];
  /** Only these instance types (default: all). */
  readonly instanceTypes?: readonly string[];
  /** Default `aws-spot`. */
  readonly name?: string;
  /** Bound on each call, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Bound on pages per region (default 100, i.e. 100,000 entries). */
  readonly maxPages?: number;
  /** "Now" for StartTime; default the wall clock. */
  readonly now?: () => Date;
}

const LINUX = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'];

export function createAwsSpotPriceSource(options: AwsSpotPriceSourceOptions): PriceSource {
  const name = options.name ?? 'aws-spot';
  const maxPages = options.maxPages ?? 100;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const now = options.now ?? (() => new Date());

  return {
    name,
    kind: 'spot',
    async fetch({ signal }: PriceFetchOptions): Promise<PriceSnapshot> {
      const quotes: PriceQuote[] = [];
      const errors: PriceItemError[] = [];
      const startTime = now();
      for (const region of options.regions) {
        const client = options.clientFor(region);
        const latest = new Map<string, { zone: string; instanceType: string; price: number; at: string }>();
        let nextToken: string | undefined;
        let page = 0;
        do {
          page += 1;
          if (page > maxPages) throw tooManyPagesError(name, `DescribeSpotPriceHistory ${region}`, maxPages);
          if (signal.aborted) throw abortedError(name, signal.reason);
          const bounded = boundedSignal(signal, timeoutMs);
          let output;
          try {
            output = await raceAbort(client.send(new DescribeSpotPriceHistoryCommand({
              StartTime: startTime, ProductDescriptions: LINUX, MaxResults: 1000,
              ...(options.instanceTypes === undefined ? {} : { InstanceTypes: [...options.instanceTypes] as never }),
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            }), { abortSignal: bounded.signal }), bounded.signal);
          } catch (err) {
            throw fromAwsError(name, `DescribeSpotPriceHistory ${region} page ${page}`, err, { callerAborted: signal.aborted, timedOut: bounded.timedOut(), timeoutMs });
          }
          if (output.SpotPriceHistory !== undefined && !Array.isArray(output.SpotPriceHistory)) {
            throw unavailableError(name, `DescribeSpotPriceHistory ${region} page ${page}: SpotPriceHistory is not a list`);
          }
          (output.SpotPriceHistory ?? []).forEach((entry, index) => {
            const zone = nonEmptyString(entry.AvailabilityZone);
            const instanceType = nonEmptyString(entry.InstanceType);
            const item = `${region} ${zone ?? '?'} ${instanceType ?? '?'} (page ${page} entry ${index})`;
            if (zone === undefined || instanceType === undefined) {
              errors.push({ item, message: 'has no AvailabilityZone or InstanceType' });
              return;
            }
            if (entry.ProductDescription !== undefined && !LINUX.includes(entry.ProductDescription)) return;
            const price = readPrice(entry.SpotPrice);
            if (price === undefined) {
              errors.push({ item, message: describeBadPrice(entry.SpotPrice) });
              return;
            }
            const at = toIso(entry.Timestamp) ?? startTime.toISOString();
            const key = `${zone}|${instanceType}`;
            const seen = latest.get(key);
            if (seen === undefined || at > seen.at) latest.set(key, { zone, instanceType, price, at });
          });
          nextToken = output.NextToken === undefined || output.NextToken === '' ? undefined : output.NextToken;
        } while (nextToken !== undefined);
        for (const { zone, instanceType, price, at } of latest.values()) {
          quotes.push({ provider: 'aws', region, zone, instanceType, purchase: 'spot', term: null, pricePerHour: price, asOf: at });
        }
      }
      return { quotes, errors };
    },
  };
}
