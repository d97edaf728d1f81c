import { describe, expect, it } from 'vitest';
import { checkSample, isStaleMarker } from './sample.js';
import { parseInstant, parseStep } from './time.js';

const window = { nowMs: 1_767_225_600_000, maxFutureMs: 300_000, maxAgeMs: 7 * 86_400_000 };

describe('sample policy', () => {
  it.each([
    ['a fine sample', window.nowMs, 1, undefined, null],
    ['NaN', window.nowMs, Number.NaN, undefined, 'nan'],
    ['+Inf', window.nowMs, Infinity, undefined, 'inf'],
    ['-Inf', window.nowMs, -Infinity, undefined, 'inf'],
    ['6 minutes ahead', window.nowMs + 360_000, 1, undefined, 'future'],
    ['5 minutes ahead', window.nowMs + 300_000, 1, undefined, null],
    ['8 days old', window.nowMs - 8 * 86_400_000, 1, undefined, 'too_old'],
    ['older than the last one', window.nowMs - 1, 1, window.nowMs, 'out_of_order'],
    ['at the same ms as the last one', window.nowMs, 1, window.nowMs, 'duplicate'],
    ['a fractional timestamp', window.nowMs + 0.5, 1, undefined, 'bad_timestamp'],
  ] as Array<[string, number, number, number | undefined, string | null]>)('%s', (_name, ts, value, last, reason) => {
    expect(checkSample(ts, value, last, window)).toBe(reason);
  });

  it("recognises Prometheus' staleness marker and no other NaN", () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, 0x7ff00000);
    view.setUint32(4, 2);
    expect(isStaleMarker(view.getFloat64(0))).toBe(true);
    expect(isStaleMarker(Number.NaN)).toBe(false);
    expect(isStaleMarker(1)).toBe(false);
  });
});

describe('query time parameters', () => {
  it('reads Unix seconds and RFC 3339', () => {
    expect(parseInstant('1767225600')).toBe(1_767_225_600_000);
    expect(parseInstant('1767225600.25')).toBe(1_767_225_600_250);
    expect(parseInstant('2026-01-01T00:00:00Z')).toBe(1_767_225_600_000);
    expect(parseInstant('2026-01-01T01:00:00+01:00')).toBe(1_767_225_600_000);
    expect(parseInstant('yesterday')).toMatch(/not Unix seconds or an RFC 3339/);
    expect(parseInstant('2026-13-01T00:00:00Z')).toMatch(/not Unix seconds/);
  });

  it('reads steps as seconds or durations', () => {
    expect(parseStep('60')).toBe(60_000);
    expect(parseStep('0.5')).toBe(500);
    expect(parseStep('5m')).toBe(300_000);
    expect(parseStep('1d')).toBe(86_400_000);
    expect(parseStep('0')).toMatch(/not a positive step/);
    expect(parseStep('-5')).toMatch(/not a positive step/);
    expect(parseStep('1w')).toMatch(/not a positive step/);
  });
});
