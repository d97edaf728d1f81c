import type { Clock } from '../../ports/clock.js';
import type { ScheduledTask, Scheduler } from '../../ports/scheduler.js';
import type { PullError, TelemetrySource } from '../../ports/telemetry-source.js';
import type { IngestService } from './ingest.js';
import type { TelemetryMetrics } from './metrics.js';

export interface PullSchedule {
  readonly source: TelemetrySource;
  readonly intervalMs: number;
  /** How far back the first pull reaches. */
  readonly lookbackMs: number;
  readonly stepMs: number;
  readonly timeoutMs: number;
}

export interface SourceStatus {
  readonly name: string;
  readonly kind: string;
  readonly lastPull: Date | null;
  readonly lastSamples: number;
  readonly lastErrors: readonly PullError[];
}

export interface PullOptions {
  readonly sources: readonly PullSchedule[];
  readonly ingest: IngestService;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly metrics: TelemetryMetrics;
  readonly onError?: (source: string, error: PullError) => void;
}

/**
 * Runs the pull sources (issue #5) each on its own interval. Each pull asks for (last pull's end, now], the first
 * one for the last `lookbackMs`; the samples go through the same ingest path as pushed ones. A source's
 * errors are recorded and counted and never stop the other sources; a source that was throttled waits as long
 * as the API asked before its next pull.
 */
export class PullManager {
  readonly #o: PullOptions;
  readonly #status = new Map<string, { -readonly [K in keyof SourceStatus]: SourceStatus[K] }>();
  readonly #since = new Map<string, number>();
  readonly #timers = new Map<string, ScheduledTask>();
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #stopped = true;

  constructor(options: PullOptions) {
    this.#o = options;
    for (const s of options.sources) this.#status.set(s.source.name, { name: s.source.name, kind: s.source.kind, lastPull: null, lastSamples: 0, lastErrors: [] });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const s of this.#o.sources) this.#schedule(s, 0);
  }

  #schedule(s: PullSchedule, delay: number): void {
    if (this.#stopped) return;
    this.#timers.set(s.source.name, this.#o.scheduler.schedule(delay, () => {
      const run = this.pull(s).then((wait) => {
        this.#running.delete(run);
        this.#schedule(s, Math.max(s.intervalMs, wait));
      });
      this.#running.add(run.then(() => undefined));
    }));
  }

  status(): SourceStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s, lastErrors: [...s.lastErrors] }));
  }

  /** Pull one source now; resolves to how long the source asked us to wait (0 if it did not). Never rejects. */
  async pull(s: PullSchedule): Promise<number> {
    const name = s.source.name;
    const now = this.#o.clock.now().getTime();
    const from = this.#since.get(name) ?? now - s.lookbackMs;
    const errors: PullError[] = [];
    let samples = 0;
    const timeout = AbortSignal.timeout(s.timeoutMs);
    const signal = AbortSignal.any([timeout, this.#abort.signal]);
    try {
      const result = await s.source.pull({ from, to: now, stepMs: s.stepMs, signal });
      errors.push(...result.errors);
      const batch = result.series.map((r) => ({ metric: r.metric, labels: Object.entries(r.labels), ts: r.ts, values: r.values }));
      samples = batch.reduce((n, b) => n + b.ts.length, 0);
      if (batch.length > 0) this.#o.ingest.ingest(batch, 'pull');
      this.#since.set(name, now);
      this.#o.metrics.pulledSamples.inc({ source: name }, samples);
    } catch (error) {
      errors.push({ item: name, kind: 'unavailable', message: (error as Error).message });
    }
    for (const e of errors) {
      this.#o.metrics.pullErrors.inc({ source: name, kind: e.kind });
      this.#o.onError?.(name, e);
    }
    const status = this.#status.get(name);
    if (status) {
      status.lastPull = new Date(now);
      status.lastSamples = samples;
      status.lastErrors = errors;
    }
    return errors.reduce((w, e) => Math.max(w, e.retryAfterMs ?? 0), 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    await Promise.all([...this.#running]);
  }
}
