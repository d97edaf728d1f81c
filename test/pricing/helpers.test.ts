import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { systemScheduler } from '../../src/adapters/clock/scheduler.js';
import { parseRetryAfter, raceAbort, redact } from '../../src/adapters/pricing/errors.js';
import { describeBadPrice, readPrice, toIso } from '../../src/adapters/pricing/values.js';

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T12:00:00.000Z');
  it.each([
    ['120', 120_000], ['0', 0], ['1.5', 1500], ['Thu, 01 Jan 2026 12:00:30 GMT', 30_000], ['Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['soon', undefined], ['', undefined], [null, undefined], ['-5', undefined],
  ] as const)('%j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('price values', () => {
  it.each([
    ['0.1920000000', 0.192], [0.00893, 0.00893], ['12', 12],
    ['0.0000000000', undefined], [0, undefined], [-1, undefined], ['1e3', undefined], [' ', undefined], ['N/A', undefined],
    [Number.NaN, undefined], [Number.POSITIVE_INFINITY, undefined], [null, undefined], [true, undefined],
  ] as const)('readPrice(%j) → %j', (value, price) => {
    expect(readPrice(value)).toBe(price);
  });

  it('reads only numbers when the API sends numbers, and says why a price is bad', () => {
    expect(readPrice('0.125', 'number')).toBeUndefined();
    expect(describeBadPrice('0.125', 'number')).toBe('price has type string, expected a number');
    expect(describeBadPrice(0)).toBe('price is zero');
    expect(describeBadPrice(undefined)).toBe('has no price');
    expect(describeBadPrice('N/A')).toBe('price "N/A" is not a decimal number');
    expect(describeBadPrice(-2)).toBe('price -2 is not a finite number above zero');
  });

  it('normalises instants to one text form', () => {
    expect(toIso('2025-11-01T00:00:00Z')).toBe('2025-11-01T00:00:00.000Z');
    expect(toIso(new Date('2026-01-01T11:58:12Z'))).toBe('2026-01-01T11:58:12.000Z');
    expect(toIso('yesterday')).toBeUndefined();
  });

  it('redacts every secret', () => {
    expect(redact('key AIza123 and AIza123 again, token t0k', ['AIza123', 't0k', ''])).toBe('key **** and **** again, token ****');
  });
});

describe('raceAbort', () => {
  it('rejects with the abort reason while the promise is pending, and passes results through', async () => {
    const controller = new AbortController();
    const pending = raceAbort(new Promise(() => undefined), controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom');
  });
});

describe('schedulers', () => {
  it('ManualScheduler fires due timers in order as the clock advances, and honours cancel', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const scheduler = new ManualScheduler(clock);
    const fired: string[] = [];
    scheduler.schedule(2000, () => fired.push(`b@${clock.now().toISOString()}`));
    scheduler.schedule(1000, () => {
      fired.push(`a@${clock.now().toISOString()}`);
      scheduler.schedule(500, () => fired.push(`c@${clock.now().toISOString()}`));
    });
    const cancelled = scheduler.schedule(1500, () => fired.push('never'));
    cancelled.cancel();
    await scheduler.advance(1999);
    expect(fired).toEqual(['a@2026-01-01T00:00:01.000Z', 'c@2026-01-01T00:00:01.500Z']);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.999Z');
    await scheduler.advance(1);
    expect(fired.at(-1)).toBe('b@2026-01-01T00:00:02.000Z');
    expect(scheduler.pending).toBe(0);
  });

  it('systemScheduler runs a task on a real timer, and not once cancelled', async () => {
    const fired = await new Promise<boolean>((resolve) => { systemScheduler.schedule(1, () => resolve(true)); });
    expect(fired).toBe(true);
    let ran = false;
    systemScheduler.schedule(1, () => { ran = true; }).cancel();
    await new Promise<void>((resolve) => { systemScheduler.schedule(20, resolve); });
    expect(ran).toBe(false);
  });
});
