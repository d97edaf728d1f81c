import { parseExposition } from '../../core/telemetry/exposition.js';
import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { ScrapeClient } from '../../ports/telemetry-ingest.js';
import type { IngestSeries, IngestService } from './ingest.js';
import type { TelemetryMetrics } from './metrics.js';

export interface ScrapeTarget {
  /** http(s)://host:port/metrics */
  readonly url: string;
  /** The `job` label (default `scrape`). */
  readonly job: string;
  /** Extra labels put on every series of the target. */
  readonly labels: Readonly<Record<string, string>>;
}

export type TargetHealth = 'up' | 'down' | 'unknown';

export interface TargetStatus {
  readonly url: string;
  readonly job: string;
  readonly instance: string;
  readonly health: TargetHealth;
  readonly lastScrape: Date | null;
  readonly lastDurationMs: number | null;
  readonly lastError: string | null;
  readonly samples: number;
}

export interface ScrapeOptions {
  readonly targets: readonly ScrapeTarget[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly client: ScrapeClient;
  readonly ingest: IngestService;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly metrics: TelemetryMetrics;
  readonly onError?: (target: string, error: unknown) => void;
}

/** `host:port` of a target URL, the Prometheus `instance` label. */
export function instanceOf(url: string): string {
  const u = new URL(url);
  return u.port ? `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port}` : u.host;
}

/**
 * Scrapes Prometheus exposition-format targets on an interval (issue #5), like a small Prometheus: every
 * series gets `job` and `instance` (plus the target's labels; a scraped label with the same name is kept as
 * `exported_<name>`), samples are stamped with the scrape's start time unless the line had a timestamp, and
 * each scrape adds `up` (1 or 0) and `scrape_duration_seconds`. A target that fails or times out is marked
 * down with the reason; the others are unaffected.
 */
export class ScrapeManager {
  readonly #o: ScrapeOptions;
  readonly #status = new Map<string, { -readonly [K in keyof TargetStatus]: TargetStatus[K] }>();
  readonly #timers = new Map<string, ScheduledTask>();
  readonly #running = new Set<Promise<void>>();
  #stopped = true;

  constructor(options: ScrapeOptions) {
    this.#o = options;
    for (const t of options.targets) {
      this.#status.set(t.url, {
        url: t.url, job: t.job, instance: instanceOf(t.url), health: 'unknown', lastScrape: null, lastDurationMs: null, lastError: null, samples: 0,
      });
    }
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    // Spread first scrapes over the interval so targets are not all hit at once.
    this.#o.targets.forEach((t, i) => this.#schedule(t, Math.floor((this.#o.intervalMs * i) / Math.max(1, this.#o.targets.length))));
  }

  #schedule(target: ScrapeTarget, delay: number): void {
    if (this.#stopped) return;
    this.#timers.set(target.url, this.#o.scheduler.schedule(delay, () => {
      const run = this.scrape(target).finally(() => {
        this.#running.delete(run);
        this.#schedule(target, this.#o.intervalMs);
      });
      this.#running.add(run);
    }));
  }

  status(): TargetStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s }));
  }

  /** Scrape one target now. Never rejects. */
  async scrape(target: ScrapeTarget): Promise<void> {
    const status = this.#status.get(target.url);
    if (status === undefined) return;
    const started = this.#o.clock.now().getTime();
    const t0 = performance.now();
    const base: Array<[string, string]> = [['job', target.job], ['instance', status.instance], ...Object.entries(target.labels)];
    const reserved = new Set(base.map(([k]) => k));
    let up = 0;
    let error: string | null = null;
    const batch: IngestSeries[] = [];
    try {
      const res = await this.#o.client.get(target.url, { timeoutMs: this.#o.timeoutMs, maxBytes: this.#o.maxBytes });
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      const parsed = parseExposition(res.body);
      for (const s of parsed.samples) {
        const labels: Array<[string, string]> = [...base];
        for (const [k, v] of Object.entries(s.labels)) labels.push([reserved.has(k) ? `exported_${k}` : k, v]);
        batch.push({ metric: s.metric, labels, ts: [s.timestampMs ?? started], values: [s.value] });
      }
      if (parsed.errors.length > 0 && parsed.samples.length === 0) throw new Error(`no sample parsed; line ${parsed.errors[0]?.line}: ${parsed.errors[0]?.message}`);
      up = 1;
    } catch (e) {
      error = (e as Error).message;
      this.#o.onError?.(target.url, e);
    }
    const durationS = (performance.now() - t0) / 1000;
    batch.push({ metric: 'up', labels: base, ts: [started], values: [up] });
    batch.push({ metric: 'scrape_duration_seconds', labels: base, ts: [started], values: [durationS] });
    try {
      this.#o.ingest.ingest(batch, 'scrape');
    } catch (e) {
      // Backpressure or shutdown: this scrape is lost, the next one comes.
      error ??= `not stored: ${(e as Error).message}`;
    }
    status.health = up === 1 ? 'up' : 'down';
    status.lastScrape = new Date(started);
    status.lastDurationMs = durationS * 1000;
    status.lastError = error;
    status.samples = batch.length - 2;
    this.#o.metrics.scrapeUp.set({ job: target.job, instance: status.instance }, up);
    this.#o.metrics.scrapeDuration.set({ job: target.job, instance: status.instance }, durationS);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    await Promise.all([...this.#running]);
  }
}
