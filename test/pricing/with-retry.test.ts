import { describe, expect, it } from 'vitest';
import { FakePriceSource } from '../../src/adapters/pricing/fake.js';
import { withRetry } from '../../src/app/pricing/with-retry.js';
import { authError, throttledError, unavailableError } from '../../src/core/pricing/source-errors.js';
import type { PriceSnapshot } from '../../src/core/pricing/quote.js';
import { recordingSleep, rejection, signal } from './support.js';

const good: PriceSnapshot = {
  quotes: [{ provider: 'aws', region: 'us-east-1', zone: null, instanceType: 'm5.xlarge', purchase: 'on-demand', term: null, pricePerHour: 0.192, asOf: '2026-01-01T00:00:00.000Z' }],
  errors: [{ item: 'x', message: 'malformed' }],
};

/** A seeded generator (mulberry32), so jittered delays are reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('withRetry', () => {
  it('returns the same port: name, kind, and the snapshot (item errors are no reason to retry)', async () => {
    const fake = new FakePriceSource({ name: 'aws-spot', kind: 'spot', snapshot: good });
    const wrapped = withRetry(fake);
    expect([wrapped.name, wrapped.kind]).toEqual(['aws-spot', 'spot']);
    expect(await wrapped.fetch({ signal: signal() })).toBe(good);
    expect(fake.calls).toBe(1);
  });

  it('backs off exponentially with jitter from the injected random source', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list', snapshot: good });
    for (let i = 0; i < 4; i += 1) fake.failNext(unavailableError('s', 'boom'));
    const { delays, sleep } = recordingSleep();
    await withRetry(fake, { maxAttempts: 5, random: seeded(42), sleep }).fetch({ signal: signal() });
    // Full jitter: retry n waits floor(random × min(30 s, 1 s × 2^(n−1))), with the same draws.
    const draws = seeded(42);
    expect(delays).toEqual([1, 2, 3, 4].map((retry) => Math.floor(Math.min(30_000, 1000 * 2 ** (retry - 1)) * draws())));
    expect(new Set(delays).size).toBeGreaterThan(1);
    delays.forEach((d, i) => expect(d).toBeLessThan(1000 * 2 ** i));
    expect(fake.calls).toBe(5);
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list', snapshot: good }).failNext(throttledError('s', 'slow down', { retryAfterMs: 12_000 }));
    const { delays, sleep } = recordingSleep();
    await withRetry(fake, { random: () => 0.5, sleep }).fetch({ signal: signal() });
    expect(delays).toEqual([12_000]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list' });
    fake.failNext(throttledError('s', 'first')).failNext(throttledError('s', 'second')).failNext(throttledError('s', 'third'));
    const { sleep } = recordingSleep();
    const err = await rejection(withRetry(fake, { maxAttempts: 3, sleep }).fetch({ signal: signal() }), 'GOV_PRICE_SOURCE_THROTTLED');
    expect(err.message).toBe('s: third');
    expect(fake.calls).toBe(3);
  });

  it.each([
    ['auth', authError('s', 'denied'), 'GOV_PRICE_SOURCE_AUTH'],
    ['not retryable', unavailableError('s', 'bad request', { retryable: false }), 'GOV_PRICE_SOURCE_UNAVAILABLE'],
  ] as const)('does not retry %s errors', async (_name, error, code) => {
    const fake = new FakePriceSource({ name: 's', kind: 'list' }).failNext(error);
    const { delays, sleep } = recordingSleep();
    await rejection(withRetry(fake, { sleep }).fetch({ signal: signal() }), code);
    expect(delays).toEqual([]);
    expect(fake.calls).toBe(1);
  });

  it('does not retry errors that are not price-source errors', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list' }).failNext(new TypeError('bug'));
    const { sleep } = recordingSleep();
    await expect(withRetry(fake, { sleep }).fetch({ signal: signal() })).rejects.toThrow('bug');
    expect(fake.calls).toBe(1);
  });

  it('stops waiting, and does not try again, when the signal aborts during the backoff', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list', snapshot: good }).failNext(unavailableError('s', 'boom'));
    const controller = new AbortController();
    const sleep = (_ms: number, s: AbortSignal): Promise<void> => new Promise((_resolve, reject) => {
      s.addEventListener('abort', () => reject(s.reason), { once: true });
      controller.abort();
    });
    const err = await rejection(withRetry(fake, { sleep }).fetch({ signal: controller.signal }), 'GOV_PRICE_SOURCE_UNAVAILABLE');
    expect(err.details).toMatchObject({ aborted: true });
    expect(fake.calls).toBe(1);
  });

  it('waits on a real timer by default', async () => {
    const fake = new FakePriceSource({ name: 's', kind: 'list', snapshot: good }).failNext(unavailableError('s', 'boom'));
    const snapshot = await withRetry(fake, { baseDelayMs: 1, maxDelayMs: 1 }).fetch({ signal: signal() });
    expect(snapshot).toBe(good);
    expect(fake.calls).toBe(2);
  });
});
