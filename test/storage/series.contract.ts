/**
 * The series repository's contract (src/ports/series-store.ts), run by test/storage/store.contract.test.ts on
 * both backends. Every test registers series of its own (fingerprints carry a per-test prefix), because the
 * backend's tests share one database.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import { rollUp, sampleBucket, seriesKey, weightedQuantile } from '../../src/core/telemetry/index.js';
import type { Labels } from '../../src/core/telemetry/index.js';
import type { NewSeries } from '../../src/ports/series-store.js';
import type { Store } from '../../src/ports/store.js';

const fp = (metric: string, labels: Labels) => createHash('sha256').update(seriesKey(metric, labels)).digest('hex').slice(0, 32);
const series = (metric: string, labels: Labels): NewSeries => ({ metric, labels, fingerprint: fp(metric, labels) });
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

function columns(rows: Array<[number, number, number]>) {
  return { seriesIds: rows.map((r) => r[0]), ts: rows.map((r) => r[1]), values: rows.map((r) => r[2]), length: rows.length };
}

export function seriesContract(getStore: () => Store): void {
  it('registers series idempotently, also when two writers race, and lists them', async () => {
    const store = getStore();
    const a = series('reg_cpu', { node: 'n1', job: 'node' });
    const b = series('reg_cpu', { node: 'n2', job: 'node' });
    const c = series('reg_mem', { node: 'n1', 'weird': 'quote " back \\ slash\nnewline ключ' });
    const [first, second] = await Promise.all([getStore().series.ensure([a, b]), store.series.ensure([b, c, a])]);
    expect(new Set(first).size).toBe(2);
    expect(second).toEqual([first[1], expect.any(Number), first[0]]);
    expect(await store.series.ensure([c])).toEqual([second[1]]);
    const listed = [];
    let after = 0;
    for (;;) {
      const page = await store.series.list({ afterId: after, limit: 2 });
      if (page.length === 0) break;
      listed.push(...page);
      after = page.at(-1)!.id;
    }
    const mine = listed.filter((s) => s.metric.startsWith('reg_'));
    expect(mine.map((s) => s.fingerprint).sort()).toEqual([a, b, c].map((s) => s.fingerprint).sort());
    expect(mine.find((s) => s.fingerprint === c.fingerprint)?.labels).toEqual(c.labels);
    expect(await store.series.ensure([])).toEqual([]);
  });

  it('stores samples exactly, keeps the first of a re-sent sample, and reads half-open ranges in order', async () => {
    const store = getStore();
    const [s1, s2] = await store.series.ensure([series('exact', { i: '1' }), series('exact', { i: '2' })]);
    const tricky = [0.1 + 0.2, 1e-300, -1.7976931348623157e308, 5e-324, 123456789.12345679, -0.5];
    await store.series.append(columns([
      ...tricky.map((v, i): [number, number, number] => [s2!, T0 + (tricky.length - i) * 1000, v]),
      [s1!, T0, 1], [s1!, T0 + 1000, 2],
    ]));
    await store.series.append(columns([[s1!, T0, 99], [s1!, T0 + 2000, 3]]));
    const got = await store.series.samples([s1!, s2!], T0, T0 + 2000);
    expect(got.get(s1!)).toEqual({ ts: [T0, T0 + 1000], values: [1, 2] });
    const back = got.get(s2!)!;
    expect(back.ts).toEqual([...back.ts].sort((x, y) => x - y));
    expect(back.values).toEqual([...tricky].reverse().slice(0, 1));
    const all = await store.series.samples([s2!], T0, T0 + 10_000);
    expect(all.get(s2!)?.values).toEqual([...tricky].reverse());
    expect((await store.series.samples([s1!], T0 + 2000, T0 + 2001)).get(s1!)?.values).toEqual([3]);
    expect((await store.series.samples([], T0, T0 + 10)).size).toBe(0);
  });

  it('refuses a batch with a non-finite value and writes none of it', async () => {
    const store = getStore();
    const [id] = await store.series.ensure([series('nonfinite', {})]);
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const err = await store.series.append(columns([[id!, T0, 1], [id!, T0 + 1, bad]])).then(() => null, (e: unknown) => e);
      expect(isGovError(err) && err.code).toBe('GOV_VALIDATION');
    }
    expect((await store.series.samples([id!], T0 - 1, T0 + 10)).size).toBe(0);
  });

  it('appends a large batch in one call', async () => {
    const store = getStore();
    const ids = await store.series.ensure(Array.from({ length: 50 }, (_, i) => series('bulk', { i: String(i) })));
    const rows: Array<[number, number, number]> = [];
    for (let k = 0; k < 1000; k += 1) for (const id of ids) rows.push([id, T0 + k * 15_000, k + id / 1000]);
    await store.series.append(columns(rows));
    const got = await store.series.samples(ids, T0, T0 + 1000 * 15_000);
    expect([...got.values()].reduce((n, p) => n + p.ts.length, 0)).toBe(50_000);
    expect(got.get(ids[7]!)?.values[999]).toBe(999 + ids[7]! / 1000);
  });

  it('aggregates raw samples into buckets like the pure rollup, and rolls up 1m and 1h tables that agree', async () => {
    const store = getStore();
    const [id] = await store.series.ensure([series('roll', { n: 'x' })]);
    const base = Date.UTC(2026, 0, 2, 0, 0, 0);
    const raw: Array<[number, number, number]> = [];
    // 3 hours at one sample every 7 s with values that are not round.
    for (let t = base; t < base + 3 * 3_600_000; t += 7_000) raw.push([id!, t, Math.sin(t / 1e6) * 100 + (t % 13)]);
    await store.series.append(columns(raw));
    const expected1m = rollUp(raw.map(([, t, v]) => sampleBucket(t, v)), 60_000);
    const fromRaw = (await store.series.buckets({ source: 'raw', width: 60_000, seriesIds: [id!], from: base, to: base + 3 * 3_600_000 })).get(id!)!;
    expect(fromRaw.length).toBe(expected1m.length);
    fromRaw.forEach((b, i) => {
      const e = expected1m[i]!;
      expect(b.ts).toBe(e.ts);
      expect(b.count).toBe(e.count);
      expect(b.sum).toBeCloseTo(e.sum, 9);
      expect(b.min).toBe(e.min);
      expect(b.max).toBe(e.max);
    });

    const written = await store.series.rollup('1m', base, base + 3 * 3_600_000);
    expect(written).toBeGreaterThanOrEqual(expected1m.length);
    const m1 = (await store.series.buckets({ source: '1m', width: 60_000, seriesIds: [id!], from: base, to: base + 3 * 3_600_000 })).get(id!)!;
    expect(m1.map((b) => [b.ts, b.count, b.min, b.max])).toEqual(expected1m.map((b) => [b.ts, b.count, b.min, b.max]));

    await store.series.rollup('1h', base, base + 3 * 3_600_000);
    const h1 = (await store.series.buckets({ source: '1h', width: 3_600_000, seriesIds: [id!], from: base, to: base + 3 * 3_600_000 })).get(id!)!;
    const h1FromM = (await store.series.buckets({ source: '1m', width: 3_600_000, seriesIds: [id!], from: base, to: base + 3 * 3_600_000 })).get(id!)!;
    const expected1h = rollUp(expected1m, 3_600_000);
    expect(h1.map((b) => [b.ts, b.count, b.min, b.max])).toEqual(expected1h.map((b) => [b.ts, b.count, b.min, b.max]));
    expect(h1FromM.map((b) => [b.ts, b.count, b.min, b.max])).toEqual(expected1h.map((b) => [b.ts, b.count, b.min, b.max]));
    h1.forEach((b, i) => expect(b.sum).toBeCloseTo(expected1h[i]!.sum, 6));

    // Quantiles in the database agree with the pure weighted quantile, over a rollup segment then a raw one.
    const split = base + 90 * 60_000;
    const quant = (await store.series.quantiles({
      seriesIds: [id!], from: base, step: 3_600_000, q: 0.95,
      segments: [{ source: '1m', from: base, to: split }, { source: 'raw', from: split, to: base + 3 * 3_600_000 }],
    })).get(id!)!;
    expect(quant.map((p) => p[0])).toEqual([base, base + 3_600_000, base + 7_200_000]);
    quant.forEach(([t, v]) => expect(v).toBeCloseTo(weightedQuantile(expected1m.filter((b) => b.ts >= t && b.ts < t + 3_600_000), 0.95), 9));

    // A late sample inside a rolled-up minute: re-running the rollup replaces the bucket.
    await store.series.append(columns([[id!, base + 1, 1e6]]));
    await store.series.rollup('1m', base, base + 60_000);
    const again = (await store.series.buckets({ source: '1m', width: 60_000, seriesIds: [id!], from: base, to: base + 60_000 })).get(id!)!;
    expect(again[0]).toMatchObject({ count: expected1m[0]!.count + 1, max: 1e6 });

    const bad = await store.series.rollup('1m', base + 1, base + 60_000).then(() => null, (e: unknown) => e);
    expect(isGovError(bad) && bad.code).toBe('GOV_VALIDATION');
  });

  it('deletes old rows per resolution and keeps a watermark that never moves back', async () => {
    const store = getStore();
    const [id] = await store.series.ensure([series('retention', {})]);
    const old = Date.UTC(2000, 0, 1);
    await store.series.append(columns([[id!, old, 1], [id!, old + 60_000, 2], [id!, T0 + 5, 3]]));
    await store.series.rollup('1m', old, old + 120_000);
    const deleted = await store.series.deleteBefore('raw', old + 60_001);
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect((await store.series.samples([id!], old, T0 + 10)).get(id!)?.values).toEqual([3]);
    expect(await store.series.deleteBefore('1m', old + 120_000)).toBeGreaterThanOrEqual(2);
    expect((await store.series.buckets({ source: '1m', width: 60_000, seriesIds: [id!], from: old, to: old + 120_000 })).size).toBe(0);

    const before = await store.series.rollupWatermark('1h');
    await store.series.setRollupWatermark('1h', 7_200_000_000);
    await store.series.setRollupWatermark('1h', 3_600_000);
    expect(await store.series.rollupWatermark('1h')).toBe(Math.max(before ?? 0, 7_200_000_000));
    const stats = await store.series.stats();
    expect(stats.series).toBeGreaterThan(0);
    expect(stats.raw).toBeGreaterThan(0);
  });
}
