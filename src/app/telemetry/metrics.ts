import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Metric } from 'prom-client';

/**
 * Telemetry's own Prometheus metrics (docs/telemetry.md, "Metrics"). Created unregistered; the server adds them
 * to its registry (`attach`), so they appear on /metrics beside the HTTP ones.
 */
export class TelemetryMetrics {
  readonly rejected = new Counter({
    name: 'governator_ingest_rejected_total',
    help: 'Telemetry refused by the receivers, by reason: samples for sample and series reasons, requests for request reasons (docs/telemetry.md).',
    labelNames: ['reason'] as const,
    registers: [],
  });

  readonly ingested = new Counter({
    name: 'governator_ingest_samples_total',
    help: 'Samples accepted into the write queue, by receiver (remote_write, json, websocket, scrape, pull).',
    labelNames: ['receiver'] as const,
    registers: [],
  });

  readonly staleMarkers = new Counter({
    name: 'governator_ingest_stale_markers_total',
    help: 'Prometheus staleness markers received and skipped (not errors).',
    registers: [],
  });

  readonly written = new Counter({
    name: 'governator_telemetry_samples_written_total',
    help: 'Samples written durably to the store.',
    registers: [],
  });

  readonly queueDepth = new Gauge({
    name: 'governator_telemetry_queue_samples',
    help: 'Samples accepted but not yet durable (queued or being written).',
    registers: [],
  });

  readonly batchDuration = new Histogram({
    name: 'governator_telemetry_batch_write_duration_seconds',
    help: 'Time to write one batch of samples to the store (series registration included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });

  readonly writeErrors = new Counter({
    name: 'governator_telemetry_write_errors_total',
    help: 'Batch writes that failed and will be retried.',
    registers: [],
  });

  readonly dropped = new Counter({
    name: 'governator_telemetry_samples_dropped_total',
    help: 'Accepted samples given up after the database refused them repeatedly, alone in their batch (their senders got an error).',
    registers: [],
  });

  readonly series = new Gauge({
    name: 'governator_telemetry_series',
    help: 'Series known to this process (in the hot window index).',
    registers: [],
  });

  readonly rollupRuns = new Counter({
    name: 'governator_telemetry_rollup_runs_total',
    help: 'Rollup and retention runs, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [],
  });

  readonly scrapeUp = new Gauge({
    name: 'governator_scrape_target_up',
    help: '1 when the last scrape of the target succeeded, else 0.',
    labelNames: ['job', 'instance'] as const,
    registers: [],
  });

  readonly scrapeDuration = new Gauge({
    name: 'governator_scrape_duration_seconds',
    help: 'How long the last scrape of the target took.',
    labelNames: ['job', 'instance'] as const,
    registers: [],
  });

  readonly pullErrors = new Counter({
    name: 'governator_telemetry_pull_errors_total',
    help: 'Errors reported by pull sources (one per failed query or item), by source and kind.',
    labelNames: ['source', 'kind'] as const,
    registers: [],
  });

  readonly pulledSamples = new Counter({
    name: 'governator_telemetry_pulled_samples_total',
    help: 'Samples returned by pull sources, by source.',
    labelNames: ['source'] as const,
    registers: [],
  });

  all(): Metric[] {
    return [
      this.rejected, this.ingested, this.staleMarkers, this.written, this.queueDepth, this.batchDuration, this.writeErrors, this.dropped,
      this.series, this.rollupRuns, this.scrapeUp, this.scrapeDuration, this.pullErrors, this.pulledSamples,
    ];
  }

  /** Register every telemetry metric on `registry` (idempotent per registry). */
  attach(registry: Registry): void {
    for (const metric of this.all()) {
      if (registry.getSingleMetric((metric as unknown as { name: string }).name) === undefined) registry.registerMetric(metric);
    }
  }
}
