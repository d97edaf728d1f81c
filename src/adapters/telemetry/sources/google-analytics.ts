import type { PullError, PullRequest, PullResult, PulledSeries, TelemetrySource } from '../../../ports/telemetry-source.js';
import { httpError, httpFetch, networkError, retryAfterMs, sanitizeName, snake, type HttpOptions } from '../http.js';

/**
 * Pull source over the Google Analytics Data API v1beta runReport
 * (POST https://analyticsdata.googleapis.com/v1beta/properties/{id}:runReport with an OAuth bearer token,
 * https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport):
 * active users and sessions per minute (`dateHourMinute`) or per hour (`dateHour`) as a demand signal.
 *
 * GA reports wall-clock times in the property's reporting time zone: the answer's `metadata.timeZone` when
 * present, else the configured one, is used to turn `202601011230` into an instant. Each metric becomes
 * `ga_<snake_case>` (activeUsers → ga_active_users) with labels property="<id>", source="<name>". Google's
 * error envelope `{ error: { code, message, status } }` becomes a PullError (429/RESOURCE_EXHAUSTED: throttled).
 * Obtaining and refreshing the token (service account → OAuth) is not built: give a token.
 */
export interface GoogleAnalyticsSourceOptions extends HttpOptions {
  readonly name?: string;
  readonly propertyId: string;
  readonly accessToken: string;
  readonly metrics: readonly string[];
  readonly granularity: 'minute' | 'hour';
  readonly timeZone: string;
  readonly endpoint?: string;
}

interface Report {
  dimensionHeaders?: Array<{ name: string }>;
  metricHeaders?: Array<{ name: string; type?: string }>;
  rows?: Array<{ dimensionValues?: Array<{ value?: string }>; metricValues?: Array<{ value?: string }> }>;
  metadata?: { timeZone?: string };
  error?: { code?: number; message?: string; status?: string };
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
function offsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant of a wall-clock time in `timeZone` (for DST gaps/overlaps: the first matching offset). */
export function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const o1 = offsetMs(guess, timeZone);
  const t1 = guess - o1;
  const o2 = offsetMs(t1, timeZone);
  if (o2 === o1) return t1;
  const t2 = guess - o2;
  return offsetMs(t2, timeZone) === o2 ? t2 : Math.min(t1, t2); // in a DST gap: the earlier reading
}

/** YYYY-MM-DD of instant `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

export function createGoogleAnalyticsSource(options: GoogleAnalyticsSourceOptions): TelemetrySource {
  const name = options.name ?? 'google-analytics';
  const fetch = httpFetch(options);
  const endpoint = options.endpoint ?? 'https://analyticsdata.googleapis.com/v1beta';
  const dimension = options.granularity === 'minute' ? 'dateHourMinute' : 'dateHour';
  const item = `properties/${options.propertyId}`;
  return {
    name,
    kind: 'google-analytics',
    async pull(req: PullRequest): Promise<PullResult> {
      const errors: PullError[] = [];
      const body = {
        dateRanges: [{ startDate: localDate(req.from, options.timeZone), endDate: localDate(req.to, options.timeZone) }],
        dimensions: [{ name: dimension }],
        metrics: options.metrics.map((m) => ({ name: m })),
        orderBys: [{ dimension: { dimensionName: dimension } }],
        limit: 100_000,
      };
      let res: Response;
      try {
        res = await fetch(`${endpoint}/properties/${encodeURIComponent(options.propertyId)}:runReport`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.accessToken}` },
          body: JSON.stringify(body),
          signal: req.signal,
        });
      } catch (error) {
        return { series: [], errors: [networkError(item, error)] };
      }
      let report: Report;
      try {
        report = (await res.json()) as Report;
      } catch {
        return { series: [], errors: [res.ok ? { item, kind: 'bad_response', message: 'the answer is not JSON' } : httpError(item, res.status, res.statusText)] };
      }
      if (!res.ok || report.error) {
        const status = report.error?.code ?? res.status;
        const message = `${report.error?.status ?? ''} ${report.error?.message ?? res.statusText}`.trim();
        return { series: [], errors: [httpError(item, status === 200 ? 500 : status, message, retryAfterMs(res.headers.get('retry-after'), req.to))] };
      }
      const tz = report.metadata?.timeZone ?? options.timeZone;
      const headers = report.metricHeaders ?? [];
      const series: Array<PulledSeries & { ts: number[]; values: number[] }> = headers.map((h) => ({
        metric: sanitizeName(`ga_${snake(h.name)}`, 'metric'),
        labels: { property: options.propertyId, source: name },
        ts: [], values: [],
      }));
      for (const row of report.rows ?? []) {
        const stamp = row.dimensionValues?.[0]?.value ?? '';
        const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(stamp);
        if (!m) {
          errors.push({ item, kind: 'bad_response', message: `unexpected ${dimension} value ${JSON.stringify(stamp)}` });
          continue;
        }
        const at = zonedToUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0), tz);
        if (at < req.from || at > req.to) continue;
        headers.forEach((_, i) => {
          const v = Number(row.metricValues?.[i]?.value);
          if (!Number.isFinite(v)) return;
          series[i]?.ts.push(at);
          series[i]?.values.push(v);
        });
      }
      return { series: series.filter((s) => s.ts.length > 0), errors };
    },
  };
}
