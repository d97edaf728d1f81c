import type { PullError, PullRequest, PullResult, PulledSeries, TelemetrySource } from '../../../ports/telemetry-source.js';
import { httpError, httpFetch, networkError, retryAfterMs, sanitizeName, type HttpOptions } from '../http.js';

/**
 * Pull source over New Relic NerdGraph (POST https://api.newrelic.com/graphql, header `API-Key`), running each
 * configured NRQL query through `actor { account(id) { nrql(query) { results } } }`
 * (https://docs.newrelic.com/docs/apis/nerdgraph/examples/nerdgraph-nrql-tutorial/). Queries should use
 * TIMESERIES; `SINCE <from ms> UNTIL <to ms>` is appended unless the query has its own SINCE.
 *
 * Each result row holds `beginTimeSeconds`, the facet (`facet` plus the facet attributes by name) and one
 * or more numeric values keyed by function (`average.cpuPercent`): each value key becomes metric
 * `newrelic_<key>` (average.cpuPercent → newrelic_average_cpuPercent) with the facet attributes as labels and
 * source="<name>". GraphQL errors (HTTP 200 with `errors`) are per-query PullErrors.
 */
export interface NewRelicSourceOptions extends HttpOptions {
  readonly name?: string;
  readonly endpoint: string;
  readonly accountId: number;
  readonly apiKey: string;
  readonly queries: readonly string[];
}

const GRAPHQL = 'query($accountId: Int!, $nrql: Nrql!) { actor { account(id: $accountId) { nrql(query: $nrql, timeout: 30) { results } } } }';
const RESERVED = new Set(['beginTimeSeconds', 'endTimeSeconds', 'facet', 'timestamp']);

interface Answer {
  data?: { actor?: { account?: { nrql?: { results?: Array<Record<string, unknown>> } | null } | null } } | null;
  errors?: Array<{ message?: string; extensions?: { errorClass?: string } }>;
}

export function createNewRelicSource(options: NewRelicSourceOptions): TelemetrySource {
  const name = options.name ?? 'newrelic';
  const fetch = httpFetch(options);
  return {
    name,
    kind: 'newrelic',
    async pull(req: PullRequest): Promise<PullResult> {
      const errors: PullError[] = [];
      const bySeries = new Map<string, { metric: string; labels: Record<string, string>; ts: number[]; values: number[] }>();
      for (const query of options.queries) {
        const nrql = /\bSINCE\b/i.test(query) ? query : `${query} SINCE ${Math.floor(req.from)} UNTIL ${Math.ceil(req.to)}`;
        let res: Response;
        try {
          res = await fetch(options.endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'api-key': options.apiKey },
            body: JSON.stringify({ query: GRAPHQL, variables: { accountId: options.accountId, nrql } }),
            signal: req.signal,
          });
        } catch (error) {
          errors.push(networkError(query, error));
          continue;
        }
        let answer: Answer;
        try {
          answer = (await res.json()) as Answer;
        } catch {
          errors.push(res.ok ? { item: query, kind: 'bad_response', message: 'the answer is not JSON' } : httpError(query, res.status, res.statusText, retryAfterMs(res.headers.get('retry-after'), req.to)));
          continue;
        }
        if (!res.ok) {
          errors.push(httpError(query, res.status, answer.errors?.map((e) => e.message).join('; ') ?? res.statusText, retryAfterMs(res.headers.get('retry-after'), req.to)));
          continue;
        }
        if (answer.errors && answer.errors.length > 0) {
          const message = answer.errors.map((e) => e.message ?? 'error').join('; ');
          const classes = answer.errors.map((e) => e.extensions?.errorClass ?? '');
          const kind = classes.includes('TOO_MANY_REQUESTS') || /rate limit/i.test(message) ? 'throttled'
            : /api.?key|unauthori[sz]ed|forbidden/i.test(message) ? 'auth' : 'bad_query';
          errors.push({ item: query, kind, message });
          continue;
        }
        const results = answer.data?.actor?.account?.nrql?.results;
        if (!Array.isArray(results)) {
          errors.push({ item: query, kind: 'bad_response', message: 'no data.actor.account.nrql.results in the answer' });
          continue;
        }
        for (const row of results) {
          const begin = row.beginTimeSeconds;
          if (typeof begin !== 'number') continue; // not a TIMESERIES row
          const facetValues = Array.isArray(row.facet) ? row.facet.map(String) : row.facet === undefined ? [] : [String(row.facet)];
          const labels: Record<string, string> = { source: name };
          const facetKeys = Object.keys(row).filter((k) => !RESERVED.has(k) && typeof row[k] === 'string');
          for (const k of facetKeys) labels[sanitizeName(k, 'label')] = row[k] as string;
          if (facetKeys.length === 0 && facetValues.length > 0) labels.facet = facetValues.join(',');
          for (const [key, value] of Object.entries(row)) {
            if (RESERVED.has(key) || typeof value !== 'number') continue;
            const metric = sanitizeName(`newrelic_${key}`, 'metric');
            const id = `${metric}\u0000${JSON.stringify(labels)}`;
            let s = bySeries.get(id);
            if (s === undefined) { s = { metric, labels, ts: [], values: [] }; bySeries.set(id, s); }
            s.ts.push(Math.round(begin * 1000));
            s.values.push(value);
          }
        }
      }
      const series: PulledSeries[] = [...bySeries.values()].map((s) => {
        const order = s.ts.map((_, i) => i).sort((a, b) => (s.ts[a] as number) - (s.ts[b] as number));
        return { metric: s.metric, labels: s.labels, ts: order.map((i) => s.ts[i] as number), values: order.map((i) => s.values[i] as number) };
      });
      return { series, errors };
    },
  };
}
