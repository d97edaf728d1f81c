import type { Resolution } from '../../core/telemetry/rollup.js';
import { seriesKey, type LabelLimits } from '../../core/telemetry/series.js';
import type { Clock } from '../../ports/clock.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/store.js';
import type { RemoteWriteCodec, ScrapeClient } from '../../ports/telemetry-ingest.js';
import { IngestService } from './ingest.js';
import { TelemetryMaintenance } from './maintenance.js';
import { TelemetryMetrics } from './metrics.js';
import { WritePipeline } from './pipeline.js';
import { PullManager, type PullSchedule } from './pull.js';
import { TelemetryQuery } from './query.js';
import { SeriesRegistry } from './registry.js';
import { ScrapeManager, type ScrapeTarget } from './scrape.js';

/** Telemetry settings, in the units the code uses (bootstrap maps the [telemetry] config onto them). */
export interface TelemetrySettings {
  /** `durable`: receivers answer once the samples are in the store; `queued`: once they are in the queue. */
  readonly ack: 'durable' | 'queued';
  /** How long a receiver waits for durability before answering 503 (the samples stay queued). */
  readonly ackTimeoutMs: number;
  readonly queueMaxSamples: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly flushConcurrency: number;
  /** Largest ingest request body (compressed, for remote_write). */
  readonly maxBodyBytes: number;
  /** Largest decompressed remote_write body. */
  readonly maxDecodedBytes: number;
  readonly maxFutureMs: number;
  readonly maxSeries: number;
  readonly maxSeriesPerMetric: number;
  readonly limits: LabelLimits;
  readonly hotWindowMs: number;
  readonly hotMaxPoints: number;
  readonly nodeLabels: readonly string[];
  readonly retentionMs: Readonly<Record<Resolution, number>>;
  readonly rollupIntervalMs: number;
  readonly rollupLagMs: number;
  readonly queryMaxSeries: number;
  readonly queryMaxPoints: number;
  readonly scrape: {
    readonly targets: readonly ScrapeTarget[];
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly maxBytes: number;
  };
}

/** The part of a pino logger telemetry uses. */
export interface TelemetryLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface TelemetryDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly settings: TelemetrySettings;
  readonly remoteWrite: RemoteWriteCodec;
  readonly scrapeClient?: ScrapeClient;
  readonly sources?: readonly PullSchedule[];
  /** Hex fingerprint of a canonical series key. */
  readonly fingerprint: (key: string) => string;
  readonly logger?: TelemetryLogger;
}

const RELOAD_PAGE = 10_000;
const RELOAD_IDS = 2_000;

/**
 * Telemetry in one process (issue #5; docs/telemetry.md): the series index and hot window, the write
 * pipeline, ingest validation, queries, rollup/retention, the scraper and the pullers, started and stopped
 * together. `start()` first reloads the series and the hot window from the store, so after a restart recent
 * data is back and out-of-order checks continue where they stopped. `stop()` stops scrapers and pullers, then
 * drains the write queue to the store; call it BEFORE the store closes.
 */
export class TelemetryService {
  readonly settings: TelemetrySettings;
  readonly metrics = new TelemetryMetrics();
  readonly registry: SeriesRegistry;
  readonly pipeline: WritePipeline;
  readonly ingest: IngestService;
  readonly query: TelemetryQuery;
  readonly maintenance: TelemetryMaintenance;
  readonly scrapes: ScrapeManager | null;
  readonly pulls: PullManager | null;
  readonly remoteWrite: RemoteWriteCodec;
  readonly store: Store;
  readonly #deps: TelemetryDeps;
  #started = false;

  constructor(deps: TelemetryDeps) {
    this.#deps = deps;
    this.store = deps.store;
    const s = deps.settings;
    this.settings = s;
    this.remoteWrite = deps.remoteWrite;
    const log = deps.logger;
    this.registry = new SeriesRegistry({
      maxSeries: s.maxSeries, maxSeriesPerMetric: s.maxSeriesPerMetric, maxPoints: s.hotMaxPoints, windowMs: s.hotWindowMs,
      nodeLabels: s.nodeLabels, fingerprint: deps.fingerprint,
    });
    this.maintenance = new TelemetryMaintenance({
      series: deps.store.series, scheduler: deps.scheduler, clock: deps.clock, metrics: this.metrics, retentionMs: s.retentionMs,
      intervalMs: s.rollupIntervalMs, lagMs: s.rollupLagMs,
      onError: (err) => log?.error({ err }, 'telemetry rollup/retention run failed; retrying at the next interval'),
    });
    this.pipeline = new WritePipeline({
      series: deps.store.series, registry: this.registry, scheduler: deps.scheduler, clock: deps.clock, metrics: this.metrics,
      batchSize: s.batchSize, flushIntervalMs: s.flushIntervalMs, maxQueued: s.queueMaxSamples, concurrency: s.flushConcurrency,
      onDurable: (minTs) => this.maintenance.noteWritten(minTs),
      onError: (err) => log?.warn({ err }, 'telemetry batch write failed; the samples stay queued and are retried'),
    });
    this.ingest = new IngestService({
      registry: this.registry, pipeline: this.pipeline, clock: deps.clock, metrics: this.metrics, limits: s.limits,
      maxFutureMs: s.maxFutureMs, maxAgeMs: s.retentionMs.raw,
    });
    this.query = new TelemetryQuery({
      series: deps.store.series, store: deps.store, registry: this.registry, clock: deps.clock, retentionMs: s.retentionMs,
      maxSeries: s.queryMaxSeries, maxPoints: s.queryMaxPoints,
    });
    this.scrapes = s.scrape.targets.length > 0 && deps.scrapeClient
      ? new ScrapeManager({
        targets: s.scrape.targets, intervalMs: s.scrape.intervalMs, timeoutMs: s.scrape.timeoutMs, maxBytes: s.scrape.maxBytes,
        client: deps.scrapeClient, ingest: this.ingest, scheduler: deps.scheduler, clock: deps.clock, metrics: this.metrics,
        onError: (target, err) => log?.warn({ target, err: (err as Error).message }, 'scrape failed'),
      })
      : null;
    this.pulls = deps.sources && deps.sources.length > 0
      ? new PullManager({
        sources: deps.sources, ingest: this.ingest, scheduler: deps.scheduler, clock: deps.clock, metrics: this.metrics,
        onError: (source, e) => log?.warn({ source, item: e.item, kind: e.kind, error: e.message }, 'telemetry pull error'),
      })
      : null;
  }

  /** Now, from the injected clock. */
  now(): Date {
    return this.#deps.clock.now();
  }

  /** Reload, then start rollups, scrapers and pullers. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const reloaded = await this.reload();
    this.#deps.logger?.info(reloaded, 'telemetry reloaded from the store');
    this.maintenance.start();
    this.scrapes?.start();
    this.pulls?.start();
  }

  /** Load every stored series into the index and the last hot window of samples into memory. */
  async reload(): Promise<{ series: number; samples: number }> {
    const { store, clock } = this.#deps;
    let after = 0;
    const ids: number[] = [];
    for (;;) {
      const page = await store.series.list({ afterId: after, limit: RELOAD_PAGE });
      if (page.length === 0) break;
      for (const r of page) {
        this.registry.restore({ id: r.id, key: seriesKey(r.metric, r.labels), metric: r.metric, labels: r.labels, fingerprint: r.fingerprint });
        ids.push(r.id);
      }
      after = (page.at(-1) as { id: number }).id;
    }
    const now = clock.now().getTime();
    let samples = 0;
    for (let i = 0; i < ids.length; i += RELOAD_IDS) {
      const points = await store.series.samples(ids.slice(i, i + RELOAD_IDS), now - this.settings.hotWindowMs, now + this.settings.maxFutureMs + 1);
      for (const [id, p] of points) {
        const entry = this.registry.byId(id);
        if (entry === undefined) continue;
        for (let k = 0; k < p.ts.length; k += 1) {
          const t = p.ts[k] as number;
          if (entry.lastTs !== undefined && t <= entry.lastTs) continue;
          entry.push(t, p.values[k] as number);
          entry.lastTs = t;
          samples += 1;
        }
      }
    }
    this.metrics.series.set(this.registry.size);
    return { series: ids.length, samples };
  }

  /**
   * Stop scrapers and pullers, write what is queued (for at most `timeoutMs`), stop the rollup job. Returns the
   * number of samples that could not be written in time (0 on a clean shutdown).
   */
  async stop(timeoutMs = 10_000): Promise<number> {
    await this.scrapes?.stop();
    await this.pulls?.stop();
    const left = await this.pipeline.close(timeoutMs);
    await this.maintenance.stop();
    if (left > 0) this.#deps.logger?.error({ samples: left }, 'telemetry shut down with samples not written');
    return left;
  }
}
