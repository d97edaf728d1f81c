import type { Labels } from '../core/telemetry/series.js';

/**
 * A pull source of telemetry (issue #5): Prometheus (PromQL query_range), Datadog, New Relic (NRQL), Google
 * Analytics Data API. Adapters live in src/adapters/telemetry/sources/.
 *
 * Contract:
 * - `pull` never rejects for a failure of one query or one series: each becomes an entry in `errors`, and the
 *   samples that could be read are returned (style.md lesson 8: per-item failure is data). It rejects only
 *   for a programming error; the pull manager still catches that and records it as one error.
 * - Samples are Unix-ms timestamps in [from, to] with finite values; series are named as the source names them
 *   (the adapter maps them onto a metric name and labels, adding `source="<name>"`).
 * - A throttled source reports `retryAfterMs` in its error when the API said how long to wait.
 * - `signal` aborts the pull (timeout or shutdown).
 */
export interface TelemetrySource {
  /** Configured name, unique among sources; also the `source` label of what it returns. */
  readonly name: string;
  /** prometheus, datadog, newrelic, google-analytics. */
  readonly kind: string;
  pull(request: PullRequest): Promise<PullResult>;
}

export interface PullRequest {
  /** Unix ms, inclusive. */
  readonly from: number;
  /** Unix ms, inclusive. */
  readonly to: number;
  /** Desired spacing of points, ms (sources round it to what they support). */
  readonly stepMs: number;
  readonly signal?: AbortSignal;
}

export interface PulledSeries {
  readonly metric: string;
  readonly labels: Labels;
  /** Unix ms, ascending. */
  readonly ts: readonly number[];
  readonly values: readonly number[];
}

export interface PullError {
  /** Which query or item failed (a PromQL expression, a Datadog query, a GA property …). */
  readonly item: string;
  readonly message: string;
  /** throttled, auth, unavailable, bad_response, bad_query. */
  readonly kind: 'throttled' | 'auth' | 'unavailable' | 'bad_response' | 'bad_query';
  readonly retryAfterMs?: number;
}

export interface PullResult {
  readonly series: PulledSeries[];
  readonly errors: PullError[];
}
