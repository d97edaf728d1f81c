import type { PullError, PullRequest, PullResult, PulledSeries, TelemetrySource } from '../../../ports/telemetry-source.js';
import { httpError, httpFetch, networkError, retryAfterMs, toSampleValue, type HttpOptions } from '../http.js';

/**
 * Pull source over a Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics):
 * GET {url}/api/v1/query_range?query=…&start=…&end=…&step=… per configured PromQL expression
 * (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries). Each result series keeps its
 * labels and gets `source="<name>"`; a result without `__name__` (e.g. `rate(…)`) is stored as metric
 * `promql_result` with label `promql` = the expression. Each failing query is one PullError.
 */
export interface PrometheusSourceOptions extends HttpOptions {
  readonly name?: string;
  readonly url: string;
  readonly queries: readonly string[];
  readonly bearerToken?: string;
}

interface MatrixResult { metric: Record<string, string>; values: Array<[number, string]> }
interface ApiAnswer { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: MatrixResult[] } }

export function createPrometheusSource(options: PrometheusSourceOptions): TelemetrySource {
  const name = options.name ?? 'prometheus';
  const fetch = httpFetch(options);
  const base = options.url.replace(/\/+$/, '');
  return {
    name,
    kind: 'prometheus',
    async pull(req: PullRequest): Promise<PullResult> {
      const series: PulledSeries[] = [];
      const errors: PullError[] = [];
      for (const query of options.queries) {
        const params = new URLSearchParams({ query, start: String(req.from / 1000), end: String(req.to / 1000), step: String(Math.max(1, req.stepMs) / 1000) });
        let res: Response;
        try {
          res = await fetch(`${base}/api/v1/query_range?${params}`, {
            headers: { accept: 'application/json', ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) },
            signal: req.signal,
          });
        } catch (error) {
          errors.push(networkError(query, error));
          continue;
        }
        let answer: ApiAnswer;
        try {
          answer = (await res.json()) as ApiAnswer;
        } catch {
          errors.push(res.ok ? { item: query, kind: 'bad_response', message: 'the answer is not JSON' } : httpError(query, res.status, res.statusText, retryAfterMs(res.headers.get('retry-after'), req.to)));
          continue;
        }
        if (!res.ok || answer.status !== 'success') {
          const message = answer.error ? `${answer.errorType ?? 'error'}: ${answer.error}` : res.statusText;
          errors.push(res.ok ? { item: query, kind: 'bad_query', message } : httpError(query, res.status, message, retryAfterMs(res.headers.get('retry-after'), req.to)));
          continue;
        }
        if (answer.data?.resultType !== 'matrix' || !Array.isArray(answer.data.result)) {
          errors.push({ item: query, kind: 'bad_response', message: `expected a matrix result, got ${String(answer.data?.resultType)}` });
          continue;
        }
        for (const r of answer.data.result) {
          const { __name__: metricName, ...labels } = r.metric ?? {};
          const ts: number[] = [];
          const values: number[] = [];
          for (const [t, v] of r.values ?? []) {
            ts.push(Math.round(Number(t) * 1000));
            values.push(toSampleValue(v));
          }
          series.push({
            metric: metricName ?? 'promql_result',
            labels: { ...labels, ...(metricName === undefined ? { promql: query.slice(0, 2048) } : {}), source: name },
            ts, values,
          });
        }
      }
      return { series, errors };
    },
  };
}
