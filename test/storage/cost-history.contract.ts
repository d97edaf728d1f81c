/**
 * CostHistoryRepository's contract (src/ports/store.ts), run by store.contract.test.ts on PGlite and on
 * PostgreSQL. Tests share one database: each uses a provider name of its own.
 */
import { expect, it } from 'vitest';
import { isGovError } from '../../src/core/errors.js';
import type { CostHistoryRow, Store } from '../../src/ports/store.js';

const t = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute, 0, 250));

function row(provider: string, resourceId: string, minute: number, costPerHour: number): CostHistoryRow {
  return { timestamp: t(minute), provider, resourceType: 'offering', resourceId, costPerHour, currency: 'USD' };
}

export function costHistoryContract(getStore: () => Store): void {
  it('appends rows and lists them oldest first, with ids, prices rounded to 6 decimals', async () => {
    const store = getStore();
    await store.costHistory.append([
      row('ch-round', 'aws:us-east-1:m5.xlarge:spot', 2, 0.068_812_345),
      row('ch-round', 'aws:us-east-1:m5.xlarge:spot', 1, 0.0714),
      row('ch-round', 'aws:us-east-1:p5.48xlarge:on-demand', 1, 55.04),
      row('ch-round', 'azure:eastus:Standard_ND96isr_H100_v5:reserved:3y', 3, 999_999.999_999),
      row('ch-round', 'gcp:us-central1:e2-micro:spot', 4, 1e-7),
    ]);
    const rows = await store.costHistory.list({ provider: 'ch-round', limit: 100 });
    expect(rows.map((r) => [r.timestamp.toISOString(), r.resourceId, r.costPerHour])).toEqual([
      [t(1).toISOString(), 'aws:us-east-1:m5.xlarge:spot', 0.0714],
      [t(1).toISOString(), 'aws:us-east-1:p5.48xlarge:on-demand', 55.04],
      [t(2).toISOString(), 'aws:us-east-1:m5.xlarge:spot', 0.068812],
      [t(3).toISOString(), 'azure:eastus:Standard_ND96isr_H100_v5:reserved:3y', 999_999.999_999],
      [t(4).toISOString(), 'gcp:us-central1:e2-micro:spot', 0],
    ]);
    expect(rows[0]).toMatchObject({ provider: 'ch-round', resourceType: 'offering', currency: 'USD' });
    for (const r of rows) expect(typeof r.id).toBe('number');
    // Rows with the same timestamp come back in the order they were appended.
    expect(rows[0]!.id).toBeLessThan(rows[1]!.id);
  });

  it('filters by resource id, provider and time window, and limits', async () => {
    const store = getStore();
    await store.costHistory.append(Array.from({ length: 10 }, (_, i) => row('ch-filter', i % 2 === 0 ? 'even' : 'odd', i, 1 + i / 100)));
    await store.costHistory.append([row('ch-filter-other', 'even', 5, 9)]);
    const even = await store.costHistory.list({ resourceId: 'even', provider: 'ch-filter', limit: 100 });
    expect(even.map((r) => r.costPerHour)).toEqual([1, 1.02, 1.04, 1.06, 1.08]);
    expect((await store.costHistory.list({ resourceId: 'even', limit: 100 })).map((r) => r.provider)).toContain('ch-filter-other');
    const window = await store.costHistory.list({ provider: 'ch-filter', from: t(3), to: t(6), limit: 100 });
    expect(window.map((r) => r.timestamp.getUTCMinutes())).toEqual([3, 4, 5]);
    expect((await store.costHistory.list({ provider: 'ch-filter', limit: 2 })).map((r) => r.costPerHour)).toEqual([1, 1.01]);
    expect(await store.costHistory.list({ provider: 'ch-none', limit: 10 })).toEqual([]);
  });

  it('appends a large batch in one call, and an empty one as a no-op', async () => {
    const store = getStore();
    await store.costHistory.append([]);
    const rows = Array.from({ length: 12_000 }, (_, i) => row('ch-bulk', `offering-${i}`, i % 60, 0.01 + i / 1e6));
    await store.costHistory.append(rows);
    const back = await store.costHistory.list({ provider: 'ch-bulk', limit: 10_000 });
    expect(back).toHaveLength(10_000);
    expect((await store.costHistory.list({ resourceId: 'offering-11999', limit: 10 }))[0]?.costPerHour).toBe(0.021999);
  });

  it('rejects a bad row with GOV_VALIDATION naming it, and inserts nothing of that batch', async () => {
    const store = getStore();
    const cases: [Partial<CostHistoryRow>, RegExp][] = [
      [{ costPerHour: Number.NaN }, /row 1: costPerHour must be a finite number/],
      [{ costPerHour: -1 }, /row 1: costPerHour/],
      [{ costPerHour: 1_000_000 }, /row 1: costPerHour/],
      [{ currency: 'usd' }, /row 1: currency/],
      [{ provider: 'x'.repeat(51) }, /row 1: provider must be a string of 1 to 50 characters/],
      [{ resourceId: '' }, /row 1: resourceId/],
      [{ timestamp: new Date('nope') }, /row 1: timestamp/],
    ];
    for (const [bad, message] of cases) {
      const err = await store.costHistory.append([row('ch-bad', 'good', 0, 1), { ...row('ch-bad', 'bad', 0, 1), ...bad }])
        .then(() => undefined, (e: unknown) => e);
      expect(isGovError(err) && err.code, JSON.stringify(bad)).toBe('GOV_VALIDATION');
      expect((err as Error).message).toMatch(message);
    }
    expect(await store.costHistory.list({ provider: 'ch-bad', limit: 10 })).toEqual([]);
  });

  it('rejects limits outside 1..10000', async () => {
    const store = getStore();
    for (const limit of [0, 10_001, 2.5]) {
      const err = await store.costHistory.list({ limit }).then(() => undefined, (e: unknown) => e);
      expect(isGovError(err) && err.code).toBe('GOV_VALIDATION');
    }
  });
}
