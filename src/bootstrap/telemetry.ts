import type { Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { GovError } from '../core/errors.js';
import { sha256Hex } from '../app/crypto.js';
import { TelemetryService, type TelemetryLogger, type TelemetrySettings } from '../app/telemetry/service.js';
import type { PullSchedule } from '../app/telemetry/pull.js';
import type { Clock } from '../ports/clock.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { Store } from '../ports/store.js';
import { createRemoteWriteCodec } from '../adapters/telemetry/remote-write/index.js';
import { createScrapeClient } from '../adapters/telemetry/scrape-client.js';
import {
  createDatadogSource, createGoogleAnalyticsSource, createNewRelicSource, createPrometheusSource,
} from '../adapters/telemetry/sources/index.js';

const DAY_MS = 86_400_000;

/** Series fingerprints: the first 128 bits of SHA-256 of the canonical key, hex. */
export const seriesFingerprint = (key: string): string => sha256Hex(key).slice(0, 32);

function configError(key: string, message: string): GovError {
  return new GovError('GOV_CONFIG_INVALID', `${key}: ${message}`, { details: { errors: [{ key, source: 'config', message }] } });
}

function httpUrl(key: string, value: string | undefined): string {
  if (value === undefined) throw configError(key, 'is required when the source is enabled');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(key, `${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw configError(key, `${JSON.stringify(value)} is not an http(s) URL`);
  return value;
}

function required<T>(key: string, value: T | undefined): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw configError(key, 'is required when the source is enabled');
  return value;
}

/** The [telemetry] config in the units the code uses. Throws GOV_CONFIG_INVALID for a bad scrape URL. */
export function telemetrySettings(t: Config['telemetry']): TelemetrySettings {
  return {
    ack: t.ack,
    ackTimeoutMs: parseDuration(t.ack_timeout),
    queueMaxSamples: t.queue_max_samples,
    batchSize: t.batch_size,
    flushIntervalMs: parseDuration(t.batch_interval),
    flushConcurrency: t.flush_concurrency,
    maxBodyBytes: t.max_body_bytes,
    maxDecodedBytes: t.max_decoded_bytes,
    maxFutureMs: parseDuration(t.max_future),
    maxSeries: t.max_series,
    maxSeriesPerMetric: t.max_series_per_metric,
    limits: { maxLabels: t.max_labels, maxNameLength: 256, maxValueLength: t.max_label_value_length },
    hotWindowMs: parseDuration(t.hot_window),
    hotMaxPoints: t.hot_max_points,
    nodeLabels: t.node_labels,
    retentionMs: { raw: t.retention_raw_days * DAY_MS, '1m': t.retention_minute_days * DAY_MS, '1h': t.retention_hour_days * DAY_MS },
    rollupIntervalMs: parseDuration(t.rollup_interval),
    rollupLagMs: parseDuration(t.rollup_lag),
    queryMaxSeries: t.query_max_series,
    queryMaxPoints: t.query_max_points,
    scrape: {
      intervalMs: parseDuration(t.scrape.interval),
      timeoutMs: parseDuration(t.scrape.timeout),
      maxBytes: t.scrape.max_bytes,
      targets: t.scrape.targets.map((target, i) => ({
        url: httpUrl(`telemetry.scrape.targets[${i}].url`, target.url),
        job: target.job ?? 'scrape',
        labels: target.labels ?? {},
      })),
    },
  };
}

/** The enabled pull sources, each with its schedule. Throws GOV_CONFIG_INVALID when an enabled one lacks a setting. */
export function telemetrySources(t: Config['telemetry'], options: { dispatcher?: Dispatcher } = {}): PullSchedule[] {
  const out: PullSchedule[] = [];
  const s = t.sources;
  const schedule = (c: { interval: string; lookback: string; timeout: string }, stepMs: number) => ({
    intervalMs: parseDuration(c.interval), lookbackMs: parseDuration(c.lookback), timeoutMs: parseDuration(c.timeout), stepMs,
  });
  if (s.prometheus.enabled) {
    out.push({
      source: createPrometheusSource({
        url: httpUrl('telemetry.sources.prometheus.url', s.prometheus.url),
        queries: required('telemetry.sources.prometheus.queries', s.prometheus.queries),
        ...(s.prometheus.bearer_token ? { bearerToken: s.prometheus.bearer_token } : {}),
        ...options,
      }),
      ...schedule(s.prometheus, parseDuration(s.prometheus.step)),
    });
  }
  if (s.datadog.enabled) {
    out.push({
      source: createDatadogSource({
        site: s.datadog.site,
        apiKey: required('telemetry.sources.datadog.api_key', s.datadog.api_key),
        appKey: required('telemetry.sources.datadog.app_key', s.datadog.app_key),
        queries: required('telemetry.sources.datadog.queries', s.datadog.queries),
        ...options,
      }),
      ...schedule(s.datadog, 60_000),
    });
  }
  if (s.newrelic.enabled) {
    out.push({
      source: createNewRelicSource({
        endpoint: httpUrl('telemetry.sources.newrelic.endpoint', s.newrelic.endpoint),
        accountId: required('telemetry.sources.newrelic.account_id', s.newrelic.account_id),
        apiKey: required('telemetry.sources.newrelic.api_key', s.newrelic.api_key),
        queries: required('telemetry.sources.newrelic.queries', s.newrelic.queries),
        ...options,
      }),
      ...schedule(s.newrelic, 60_000),
    });
  }
  const ga = s.google_analytics;
  if (ga.enabled) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: ga.time_zone });
    } catch {
      throw configError('telemetry.sources.google_analytics.time_zone', `${JSON.stringify(ga.time_zone)} is not an IANA time zone`);
    }
    out.push({
      source: createGoogleAnalyticsSource({
        propertyId: required('telemetry.sources.google_analytics.property_id', ga.property_id),
        accessToken: required('telemetry.sources.google_analytics.access_token', ga.access_token),
        metrics: required('telemetry.sources.google_analytics.metrics', ga.metrics),
        granularity: ga.granularity,
        timeZone: ga.time_zone,
        ...options,
      }),
      ...schedule(ga, ga.granularity === 'minute' ? 60_000 : 3_600_000),
    });
  }
  return out;
}

export interface CreateTelemetryOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly config: Config['telemetry'];
  readonly logger?: TelemetryLogger;
  /** undici dispatcher for scrapes and pulls (tests: a MockAgent). */
  readonly dispatcher?: Dispatcher;
  /** Settings overrides (tests). */
  readonly overrides?: Partial<TelemetrySettings>;
}

/** Telemetry wired with the real adapters: remote_write codec, undici scraper, configured pull sources. */
export function createTelemetry(options: CreateTelemetryOptions): TelemetryService {
  const settings = { ...telemetrySettings(options.config), ...options.overrides };
  const http = options.dispatcher ? { dispatcher: options.dispatcher } : {};
  return new TelemetryService({
    store: options.store,
    clock: options.clock,
    scheduler: options.scheduler,
    settings,
    remoteWrite: createRemoteWriteCodec({ maxDecodedBytes: settings.maxDecodedBytes }),
    scrapeClient: createScrapeClient(http),
    sources: telemetrySources(options.config, http),
    fingerprint: seriesFingerprint,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
