import { bucketStart, RESOLUTION_MS, type Resolution } from '../../core/telemetry/rollup.js';
import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { SeriesRepository } from '../../ports/series-store.js';
import type { TelemetryMetrics } from './metrics.js';

export interface MaintenanceOptions {
  readonly series: SeriesRepository;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly metrics: TelemetryMetrics;
  readonly retentionMs: Readonly<Record<Resolution, number>>;
  /** How often the job runs. */
  readonly intervalMs: number;
  /** A minute is rolled up only this long after it ended, so samples still in flight make it in. */
  readonly lagMs: number;
  readonly onError?: (error: unknown) => void;
}

const CHUNK_1M = 3_600_000; // one statement rolls up at most an hour of raw samples
const CHUNK_1H = 24 * 3_600_000;

/**
 * Rollups and retention on a schedule (issue #5): raw → 1-minute buckets once each minute is `lagMs` old,
 * 1-minute → 1-hour buckets once each hour is complete, and deletion of rows older than each resolution's
 * retention. Progress is a watermark in the store, so a restart resumes where the last run stopped. Samples that
 * arrive for minutes already rolled up (late or backfilled data) are reported through `noteWritten`, and the
 * next run re-rolls those minutes (and their hours).
 *
 * Several replicas may run it at once: every statement recomputes its buckets from the finer level, so the
 * result is the same whoever runs last (only work is duplicated).
 */
export class TelemetryMaintenance {
  readonly #o: MaintenanceOptions;
  #timer: ScheduledTask | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #dirtyFrom = Infinity;
  #watermark1m: number | null = null;

  constructor(options: MaintenanceOptions) {
    this.#o = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = this.#o.scheduler.schedule(delay, () => {
      this.#timer = null;
      void this.runOnce().finally(() => this.#schedule(this.#o.intervalMs));
    });
  }

  /**
   * Samples as old as `minTs` were just written: re-roll from there if that minute was already rolled up. While
   * a run is in progress (the first one included) its watermark moves under the write, so any write then is
   * remembered; the next run re-rolls it only if its minute ended up behind the watermark.
   */
  noteWritten(minTs: number): void {
    const rolled = this.#running !== null || this.#watermark1m === null || minTs < this.#watermark1m;
    if (rolled) this.#dirtyFrom = Math.min(this.#dirtyFrom, minTs);
  }

  /** One rollup + retention pass (also callable directly, e.g. by tests). Never rejects. */
  runOnce(): Promise<void> {
    this.#running ??= this.#run().finally(() => { this.#running = null; });
    return this.#running;
  }

  async #run(): Promise<void> {
    const { series, retentionMs } = this.#o;
    try {
      const now = this.#o.clock.now().getTime();
      const m = RESOLUTION_MS['1m'];
      const h = RESOLUTION_MS['1h'];
      // raw → 1m
      const target1m = bucketStart(now - this.#o.lagMs, m);
      let wm1m = (await series.rollupWatermark('1m')) ?? bucketStart(now - retentionMs.raw, m);
      let dirty1h = Infinity;
      if (this.#dirtyFrom < wm1m) {
        const from = bucketStart(this.#dirtyFrom, m);
        this.#dirtyFrom = Infinity;
        for (let a = from; a < wm1m; a += CHUNK_1M) await series.rollup('1m', a, Math.min(a + CHUNK_1M, wm1m));
        dirty1h = bucketStart(from, h);
      }
      for (let a = wm1m; a < target1m; a = Math.min(a + CHUNK_1M, target1m)) {
        const b = Math.min(a + CHUNK_1M, target1m);
        await series.rollup('1m', a, b);
        await series.setRollupWatermark('1m', b);
        wm1m = b;
      }
      this.#watermark1m = wm1m;
      // 1m → 1h, complete hours only
      const target1h = bucketStart(wm1m, h);
      let wm1h = (await series.rollupWatermark('1h')) ?? bucketStart(now - retentionMs['1m'], h);
      if (dirty1h < wm1h) for (let a = dirty1h; a < wm1h; a += CHUNK_1H) await series.rollup('1h', a, Math.min(a + CHUNK_1H, wm1h));
      for (let a = wm1h; a < target1h; a = Math.min(a + CHUNK_1H, target1h)) {
        const b = Math.min(a + CHUNK_1H, target1h);
        await series.rollup('1h', a, b);
        await series.setRollupWatermark('1h', b);
        wm1h = b;
      }
      // retention
      await series.deleteBefore('raw', now - retentionMs.raw);
      await series.deleteBefore('1m', now - retentionMs['1m']);
      await series.deleteBefore('1h', now - retentionMs['1h']);
      this.#o.metrics.rollupRuns.inc({ outcome: 'success' });
    } catch (error) {
      this.#o.metrics.rollupRuns.inc({ outcome: 'failure' });
      this.#o.onError?.(error);
    }
  }

  /** Stop scheduling and wait for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running;
  }
}
