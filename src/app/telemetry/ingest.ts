import { GovError } from '../../core/errors.js';
import { checkSample, isStaleMarker, type RejectReason, type SampleWindow } from '../../core/telemetry/sample.js';
import { identifySeries, isSeriesProblem, type LabelLimits } from '../../core/telemetry/series.js';
import type { Clock } from '../../ports/clock.js';
import type { WireLabels } from '../../ports/telemetry-ingest.js';
import type { TelemetryMetrics } from './metrics.js';
import type { Chunk, WritePipeline } from './pipeline.js';
import { wireKey, type SeriesEntry, type SeriesRegistry } from './registry.js';

/** Which way telemetry came in (the `receiver` label of governator_ingest_samples_total). */
export type Receiver = 'remote_write' | 'json' | 'websocket' | 'scrape' | 'pull';

/**
 * One series as any receiver hands it over. With the wire fields (remote_write), a series already admitted
 * with the same label bytes is found without reading `labels` at all.
 */
export interface IngestSeries extends Partial<WireLabels> {
  /** Name/value pairs; the metric name is the `__name__` pair unless `metric` is given. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly metric?: string;
  /** Unix ms, oldest first. */
  readonly ts: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface IngestResult {
  readonly accepted: number;
  /** Refused samples by reason (only reasons that occurred). */
  readonly rejected: Partial<Record<RejectReason, number>>;
  readonly staleMarkers: number;
  /** Up to 5 messages naming what was refused and why. */
  readonly problems: readonly string[];
  /** Settles when the accepted samples are durable (rejects only when shutdown abandons them). */
  readonly durable: Promise<void>;
}

export interface IngestOptions {
  readonly registry: SeriesRegistry;
  readonly pipeline: WritePipeline;
  readonly clock: Clock;
  readonly metrics: TelemetryMetrics;
  readonly limits: LabelLimits;
  readonly maxFutureMs: number;
  /** Oldest accepted sample age (raw retention). */
  readonly maxAgeMs: number;
}

const MAX_PROBLEMS = 5;
const noop = (): void => undefined;

/**
 * Validation and admission shared by every receiver (remote_write, JSON, WebSocket, scraper, pullers): the
 * policy of src/core/telemetry applied to a request, the hot window updated, the accepted samples queued.
 *
 * Admission is all-or-nothing for backpressure: when the queue cannot take every sample of the request, the
 * request is refused whole (GOV_INGEST_BACKPRESSURE) before anything changes, so the sender's retry of the
 * same request is not seen as duplicates.
 */
export class IngestService {
  readonly #o: IngestOptions;

  constructor(options: IngestOptions) {
    this.#o = options;
  }

  /** Count a request-level refusal (bad body, wrong content type …). */
  countRequestRejection(reason: RejectReason): void {
    this.#o.metrics.rejected.inc({ reason });
  }

  /** Count staleness markers a decoder recognised and left out (not errors). */
  countStaleMarkers(n: number): void {
    if (n > 0) this.#o.metrics.staleMarkers.inc(n);
  }

  ingest(batch: readonly IngestSeries[], receiver: Receiver): IngestResult {
    const { pipeline, registry, metrics } = this.#o;
    if (pipeline.closed) throw new GovError('GOV_SHUTTING_DOWN', 'telemetry is shutting down: no new samples accepted');
    let total = 0;
    for (const s of batch) total += Math.min(s.ts.length, s.values.length);
    if (!pipeline.hasRoom(total)) {
      metrics.rejected.inc({ reason: 'backpressure' });
      const retryAfterSeconds = pipeline.retryAfterSeconds();
      throw new GovError('GOV_INGEST_BACKPRESSURE', `the write queue is full (${pipeline.depth} samples not yet durable); retry after ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds, queued: pipeline.depth },
      });
    }
    const window: SampleWindow = { nowMs: this.#o.clock.now().getTime(), maxFutureMs: this.#o.maxFutureMs, maxAgeMs: this.#o.maxAgeMs };
    const rejected: Partial<Record<RejectReason, number>> = {};
    const problems: string[] = [];
    const reject = (reason: RejectReason, n: number, message?: string): void => {
      if (n === 0) return;
      rejected[reason] = (rejected[reason] ?? 0) + n;
      if (message !== undefined && problems.length < MAX_PROBLEMS) problems.push(message);
    };
    const chunk: Chunk = { entries: [], ts: [], values: [] };
    let stale = 0;
    for (const s of batch) {
      const n = Math.min(s.ts.length, s.values.length);
      if (s.ts.length !== s.values.length) reject('bad_timestamp', Math.abs(s.ts.length - s.values.length), 'a series has more timestamps than values or the reverse');
      if (n === 0) continue;
      // Fast path: a series already admitted with exactly these pairs (or label bytes) needs no validation,
      // sorting or key.
      const bytes = s.metric === undefined ? s.wireBytes : undefined;
      const wireStart = s.wireStart ?? 0;
      const wireEnd = s.wireEnd ?? 0;
      let wire: string | undefined;
      let entry: SeriesEntry | undefined;
      if (bytes !== undefined) entry = registry.byWireBytes(bytes, wireStart, wireEnd);
      else {
        wire = wireKey(s.labels, s.metric);
        entry = registry.byWire(wire);
      }
      if (entry === undefined) {
        const identified = identifySeries(s.labels, this.#o.limits, s.metric);
        if (isSeriesProblem(identified)) {
          reject(identified.reason, n, identified.message);
          continue;
        }
        const admitted = registry.admit(identified);
        if (admitted === 'cardinality_limit') {
          reject('cardinality_limit', n, `${identified.metric}: new series refused, the limit of ${registry.options.maxSeriesPerMetric} series per metric (or ${registry.options.maxSeries} in all) is reached`);
          continue;
        }
        if (bytes !== undefined) registry.aliasBytes(bytes, wireStart, wireEnd, admitted);
        else registry.alias(wire ?? wireKey(s.labels, s.metric), admitted);
        entry = admitted;
      }
      const key = entry.key;
      this.#accept(entry, s, n, window, chunk, (reason, ts) => {
        if (receiver === 'pull' && (reason === 'duplicate' || reason === 'out_of_order')) return; // pulled windows overlap by design
        reject(reason, 1, `${key.slice(0, 200)} @ ${ts}: ${reason.replaceAll('_', ' ')}`);
      }, () => { stale += 1; });
    }
    for (const [reason, n] of Object.entries(rejected)) metrics.rejected.inc({ reason }, n);
    if (stale > 0) metrics.staleMarkers.inc(stale);
    if (chunk.ts.length > 0) metrics.ingested.inc({ receiver }, chunk.ts.length);
    metrics.series.set(registry.size);
    const durable = pipeline.enqueue(chunk);
    durable.catch(noop);
    return { accepted: chunk.ts.length, rejected, staleMarkers: stale, problems, durable };
  }

  #accept(
    entry: SeriesEntry, s: IngestSeries, n: number, window: SampleWindow, chunk: Chunk,
    onReject: (reason: RejectReason, ts: number) => void, onStale: () => void,
  ): void {
    for (let i = 0; i < n; i += 1) {
      const ts = s.ts[i] as number;
      const value = s.values[i] as number;
      if (isStaleMarker(value)) { onStale(); continue; }
      const reason = checkSample(ts, value, entry.lastTs, window);
      if (reason !== null) { onReject(reason, ts); continue; }
      entry.lastTs = ts;
      entry.push(ts, value);
      chunk.entries.push(entry);
      chunk.ts.push(ts);
      chunk.values.push(value);
    }
  }
}
