import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/clock/fake.js';
import { ManualScheduler } from '../../adapters/clock/manual-scheduler.js';
import type { SeriesRepository } from '../../ports/series-store.js';
import { TelemetryMetrics } from './metrics.js';
import { TelemetryMaintenance } from './maintenance.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A series repository that records rollup calls; `during` runs inside the first 1m rollup (a concurrent write). */
function recordingRepo(during?: () => void) {
  const rollups: Array<{ target: string; from: number; to: number }> = [];
  const watermarks = new Map<string, number>();
  let fired = false;
  const repo = {
    rollup: async (target: string, from: number, to: number) => {
      rollups.push({ target, from, to });
      if (!fired && target === '1m') { fired = true; during?.(); }
      return 0;
    },
    deleteBefore: async () => 0,
    rollupWatermark: async (target: string) => watermarks.get(target) ?? null,
    setRollupWatermark: async (target: string, until: number) => { watermarks.set(target, until); },
  } as unknown as SeriesRepository;
  return { repo, rollups };
}

function maintenance(repo: SeriesRepository, clock: FakeClock) {
  return new TelemetryMaintenance({
    series: repo, scheduler: new ManualScheduler(clock), clock, metrics: new TelemetryMetrics(),
    retentionMs: { raw: 2 * HOUR, '1m': 90 * 24 * HOUR, '1h': 730 * 24 * HOUR }, intervalMs: MIN, lagMs: MIN,
  });
}

describe('telemetry rollup maintenance', () => {
  it('re-rolls minutes written while the first run was rolling them up', async () => {
    const clock = new FakeClock('2026-03-01T12:00:00.000Z');
    const now = clock.now().getTime();
    const writtenAt = now - 90 * MIN; // inside the first chunk the first run rolls up
    const ref: { job?: TelemetryMaintenance } = {};
    const { repo, rollups } = recordingRepo(() => ref.job?.noteWritten(writtenAt));
    const job = maintenance(repo, clock);
    ref.job = job;
    await job.runOnce();
    const first = rollups.length;
    await job.runOnce();
    const again = rollups.slice(first).filter((r) => r.target === '1m');
    expect(again.some((r) => r.from <= writtenAt && writtenAt < r.to)).toBe(true);
  });

  it('does not re-roll for a write newer than every rolled-up minute, and re-rolls a late one', async () => {
    const clock = new FakeClock('2026-03-01T12:00:00.000Z');
    const now = clock.now().getTime();
    const { repo, rollups } = recordingRepo();
    const job = maintenance(repo, clock);
    await job.runOnce();
    const first = rollups.length;
    job.noteWritten(now); // current data: not yet rolled (the lag), nothing to redo
    await job.runOnce();
    expect(rollups.slice(first).filter((r) => r.target === '1m')).toHaveLength(0);
    job.noteWritten(now - 30 * MIN); // late data for a rolled-up minute
    await job.runOnce();
    const redo = rollups.slice(first).filter((r) => r.target === '1m');
    expect(redo.some((r) => r.from <= now - 30 * MIN && now - 30 * MIN < r.to)).toBe(true);
  });
});
