import type { client as DatadogClient, v1 } from '@datadog/datadog-api-client';

// The official client takes about 2 s to import (it loads every API): load it on the first pull, not at
// start-up, so commands and servers that never use Datadog do not pay for it.
type DatadogModule = { client: typeof DatadogClient; v1: typeof v1 };
let datadogModule: Promise<DatadogModule> | undefined;
const loadDatadog = (): Promise<DatadogModule> => (datadogModule ??= import('@datadog/datadog-api-client') as Promise<DatadogModule>);
import type { PullError, PullRequest, PullResult, PulledSeries, TelemetrySource } from '../../../ports/telemetry-source.js';
import { httpError, httpFetch, networkError, sanitizeName, type HttpOptions } from '../http.js';

/**
 * Pull source over Datadog's metrics query API with the official client (@datadog/datadog-api-client,
 * v1 MetricsApi.queryMetrics: GET /api/v1/query?from=&to=&query=, https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-points).
 * Each returned series becomes metric `<metric with dots as _>` (system.cpu.user → system_cpu_user) with its
 * tag_set as labels (`host:web-1` → host="web-1"; a tag without a value → name="true") and source="<name>".
 * Null points (gaps) are skipped. A rate-limited query reports X-RateLimit-Reset as retryAfterMs.
 */
export interface DatadogSourceOptions extends HttpOptions {
  readonly name?: string;
  readonly site: string;
  readonly apiKey: string;
  readonly appKey: string;
  readonly queries: readonly string[];
}

export function createDatadogSource(options: DatadogSourceOptions): TelemetrySource {
  const name = options.name ?? 'datadog';
  const base = httpFetch(options);
  let lastReset: number | undefined;
  // The client calls fetch(url, init); ours goes through undici (and the test's MockAgent) and remembers
  // the rate-limit reset the answer carried, which ApiException does not expose.
  const fetch = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => {
    const res = await base(url, init);
    const reset = res.headers.get('x-ratelimit-reset');
    lastReset = reset !== null && Number.isFinite(Number(reset)) ? Number(reset) * 1000 : undefined;
    return res;
  };
  let apiPromise: Promise<{ api: v1.MetricsApi; client: typeof DatadogClient }> | undefined;
  const connect = () => (apiPromise ??= loadDatadog().then(({ client, v1: api }) => {
    const configuration = client.createConfiguration({
      authMethods: { apiKeyAuth: options.apiKey, appKeyAuth: options.appKey },
      fetch,
      enableRetry: false,
    });
    configuration.setServerVariables({ site: options.site });
    return { api: new api.MetricsApi(configuration), client };
  }));
  return {
    name,
    kind: 'datadog',
    async pull(req: PullRequest): Promise<PullResult> {
      const series: PulledSeries[] = [];
      const errors: PullError[] = [];
      const { api, client } = await connect();
      for (const query of options.queries) {
        let answer: v1.MetricsQueryResponse;
        try {
          answer = await api.queryMetrics({ from: Math.floor(req.from / 1000), to: Math.ceil(req.to / 1000), query });
        } catch (error) {
          if (error instanceof client.ApiException) {
            const body = error.body as { errors?: string[] } | string | undefined;
            const message = typeof body === 'object' && body?.errors ? body.errors.join('; ') : String(body ?? '').slice(0, 300);
            errors.push(httpError(query, error.code, message, lastReset));
          } else {
            errors.push(networkError(query, error));
          }
          continue;
        }
        if (answer.status === 'error') {
          errors.push({ item: query, kind: 'bad_query', message: answer.error ?? 'Datadog answered status "error"' });
          continue;
        }
        for (const s of answer.series ?? []) {
          const labels: Record<string, string> = {};
          for (const tag of s.tagSet ?? []) {
            const i = tag.indexOf(':');
            const key = sanitizeName(i < 0 ? tag : tag.slice(0, i), 'label');
            labels[key] = i < 0 ? 'true' : tag.slice(i + 1);
          }
          labels.source = name;
          const ts: number[] = [];
          const values: number[] = [];
          for (const point of s.pointlist ?? []) {
            const [t, v] = point as [number | null, number | null];
            if (t === null || v === null || t === undefined || v === undefined) continue;
            ts.push(Math.round(t));
            values.push(v);
          }
          series.push({ metric: sanitizeName(s.metric ?? 'datadog_metric', 'metric'), labels, ts, values });
        }
      }
      return { series, errors };
    },
  };
}
