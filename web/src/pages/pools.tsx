import { useMemo } from 'preact/hooks';
import { api, ApiError, qs, type Overview } from '../api';
import { useLive } from '../app-context';
import { ErrorState, Loading, Empty } from '../components/states';
import { TimeChart } from '../components/time-chart';
import { useLoad, useThrottled } from '../components/use-api';
import { count, money, percent, when } from '../format';

/** A pool as the planner sees it (GET /api/v1/optimization/recommendations → plan.pools). */
interface PoolOutcome {
  name: string; unit: string; demand: number; requiredCapacity: number; capacityBefore: number; capacityAfter: number;
  utilizationBefore: number | null; utilizationAfter: number | null; nodesBefore: number; nodesAfter: number;
  costPerHourBefore: number; costPerHourAfter: number; shortfall: number;
}
interface Recommendations { plan: { pools: PoolOutcome[]; explanation: string[] } | null; reason?: string }

/** `t`: Unix seconds, or an ISO 8601 time (what GET /api/v1/forecasts/{pool} answers). */
interface ForecastPoint { t: number | string; mean: number; lo50?: number; hi50?: number; lo90?: number; hi90?: number }
const seconds = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t) / 1000);
/** GET /api/v1/forecasts/{pool}; history is read in any of the shapes below. */
interface Forecast {
  pool?: string; model?: string; metric?: string; unit?: string; points?: ForecastPoint[];
  forecast?: { points?: ForecastPoint[]; model?: string };
  history?: Array<[number, number]> | Array<{ t: number; v?: number; value?: number }> | { startSeconds: number; stepSeconds: number; values: number[] };
  qos?: { metric?: string; target?: number; current?: number | null };
  target?: number;
  notes?: string[];
}
interface Anomaly { series?: string; pool?: string | null; kind?: string; at?: string; start?: string; value?: number | null; score?: number | null; labels?: Record<string, string> }

function historyOf(f: Forecast): Array<[number, number]> {
  const h = f.history;
  if (!h) return [];
  if (Array.isArray(h)) {
    return h.map((p) => (Array.isArray(p) ? [p[0], p[1]] : [p.t, p.v ?? p.value ?? NaN]) as [number, number]).filter(([, v]) => Number.isFinite(v));
  }
  return h.values.map((v, i) => [h.startSeconds + i * h.stepSeconds, v] as [number, number]);
}

/** Demand history + forecast mean + its 50% and 90% intervals on one time axis; anomalies as red points. */
function ForecastChart({ pool, forecast, anomalies }: { pool: string; forecast: Forecast; anomalies: Anomaly[] }) {
  const data = useMemo(() => {
    const history = historyOf(forecast);
    const points = forecast.points ?? forecast.forecast?.points ?? [];
    const xs = [...new Set([...history.map(([t]) => t), ...points.map((p) => seconds(p.t))])].sort((a, b) => a - b);
    const index = new Map(xs.map((t, i) => [t, i]));
    const col = () => xs.map((): number | null => null);
    const [hist, mean, lo90, hi90, lo50, hi50] = [col(), col(), col(), col(), col(), col()];
    for (const [t, v] of history) hist[index.get(t)!] = v;
    for (const p of points) {
      const i = index.get(seconds(p.t))!;
      mean[i] = p.mean;
      lo90[i] = p.lo90 ?? null; hi90[i] = p.hi90 ?? null; lo50[i] = p.lo50 ?? null; hi50[i] = p.hi50 ?? null;
    }
    // An anomaly is marked at the history point nearest its time.
    const marks = anomalies.flatMap((a) => {
      const t = Date.parse(a.at ?? a.start ?? '') / 1000;
      if (!Number.isFinite(t)) return [];
      let best: number | null = null;
      for (const [ht] of history) if (best === null || Math.abs(ht - t) < Math.abs(best - t)) best = ht;
      return best === null ? [] : [best];
    });
    return { xs, hist, mean, lo90, hi90, lo50, hi50, marks, history, points };
  }, [forecast, anomalies]);
  if (data.xs.length === 0) return <Empty>No demand history or forecast for {pool} yet.</Empty>;
  const unit = forecast.unit ?? forecast.metric ?? 'demand';
  return (
    <TimeChart x={data.xs} marks={data.marks} yLabel={unit}
      summary={`${pool}: ${data.history.length} history points, ${data.points.length} forecast points, ${data.marks.length} anomalies.`}
      series={[
        // History and forecast are sampled at different times: each line spans the other's x values.
        { label: 'demand', values: data.hist, color: '#111827', spanGaps: true },
        { label: 'forecast', values: data.mean, color: '#2563eb', dash: [6, 4], spanGaps: true },
        { label: '90% low', values: data.lo90, color: 'rgba(37,99,235,0.35)', width: 1, spanGaps: true },
        { label: '90% high', values: data.hi90, color: 'rgba(37,99,235,0.35)', width: 1, bandTo: 2, spanGaps: true },
        { label: '50% low', values: data.lo50, color: 'rgba(37,99,235,0.55)', width: 1, spanGaps: true },
        { label: '50% high', values: data.hi50, color: 'rgba(37,99,235,0.55)', width: 1, bandTo: 4, spanGaps: true },
      ]} />
  );
}

function PoolCard({ name, breakdown, outcome, anomalies }: { name: string; breakdown: Overview['pool_breakdown'][string] | undefined; outcome: PoolOutcome | undefined; anomalies: Anomaly[] | ApiError | undefined }) {
  const forecast = useLoad((signal) => api<Forecast>(`/api/v1/forecasts/${encodeURIComponent(name)}`, { signal }), `forecast:${name}`);
  const refresh = useThrottled(forecast.reload, 2000);
  useLive(['forecast'], (e) => { if ((e.data as { pool?: string }).pool === name) refresh(); });
  const mine = Array.isArray(anomalies) ? anomalies.filter((a) => a.pool === name || a.labels?.pool === name || (a.series ?? '').includes(`"${name}"`) || (a.series ?? '').includes(`=${name}`)) : [];
  const qos = forecast.data?.qos;
  const maxUtil = outcome && outcome.requiredCapacity > 0 ? outcome.demand / outcome.requiredCapacity : null;
  return (
    <article class="pool" aria-labelledby={`pool-${name}`} data-pool={name}>
      <h2 id={`pool-${name}`}>{name}</h2>
      <dl class="facts">
        <div><dt>Nodes</dt><dd>{count(breakdown?.nodes ?? outcome?.nodesBefore ?? null)}</dd></div>
        <div><dt>Cost</dt><dd>{money(breakdown?.cost ?? outcome?.costPerHourBefore ?? null)}/h</dd></div>
        <div><dt>Demand</dt><dd>{outcome ? `${count(outcome.demand)} ${outcome.unit}` : '—'}</dd></div>
        <div><dt>Capacity</dt><dd>{outcome ? `${count(outcome.capacityBefore)} ${outcome.unit}` : '—'}</dd></div>
        <div><dt>Utilisation</dt><dd>{outcome ? percent(outcome.utilizationBefore) : '—'}</dd></div>
        <div><dt>QoS target</dt><dd>{qos?.target !== undefined ? `${qos.metric ?? ''} ≤ ${qos.target}${qos.current !== undefined && qos.current !== null ? ` (now ${qos.current})` : ''}` : maxUtil !== null ? `utilisation ≤ ${percent(maxUtil)}` : '—'}</dd></div>
        {outcome && outcome.shortfall > 0 && <div class="warn"><dt>Shortfall</dt><dd>{count(outcome.shortfall)} {outcome.unit}</dd></div>}
      </dl>
      {forecast.error instanceof ApiError && forecast.error.code === 'GOV_FORECAST_NOT_FOUND'
        ? <Empty>No forecast for {name} yet: the control loop fits one at its first decision for the pool.</Empty>
        : forecast.error !== undefined ? <ErrorState error={forecast.error} feature="Forecasting" /> : !forecast.data ? <Loading what={`the forecast for ${name}`} /> : (
        <>
          <ForecastChart pool={name} forecast={forecast.data} anomalies={mine} />
          <p class="muted">Model: {forecast.data.model ?? forecast.data.forecast?.model ?? '—'}{(forecast.data.notes ?? []).length ? ` · ${forecast.data.notes!.join(' · ')}` : ''}</p>
        </>
      )}
      {anomalies instanceof ApiError ? null : mine.length > 0 && (
        <details>
          <summary>{mine.length} anomal{mine.length === 1 ? 'y' : 'ies'}</summary>
          <ul>{mine.slice(0, 20).map((a, i) => <li key={i}>{when(a.at ?? a.start ?? null)}: {a.kind ?? 'anomaly'}{a.value !== undefined && a.value !== null ? ` (${a.value})` : ''}</li>)}</ul>
        </details>
      )}
    </article>
  );
}

export function PoolsPage() {
  const overview = useLoad((signal) => api<Overview>('/api/v1/overview', { signal }), 'pools-overview');
  // The planner's view of each pool: demand, capacity, utilisation (this computes and records a plan).
  const recs = useLoad((signal) => api<Recommendations>('/api/v1/optimization/recommendations', { signal }), 'pools-recs');
  const anomalies = useLoad(async (signal) => {
    try {
      const answer = await api<{ anomalies: Anomaly[] } | Anomaly[]>(`/api/v1/anomalies${qs({ limit: 500 })}`, { signal });
      return Array.isArray(answer) ? answer : answer.anomalies;
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
  }, 'anomalies');
  const names = useMemo(() => {
    const set = new Set<string>(Object.keys(overview.data?.pool_breakdown ?? {}).filter((p) => p !== '(none)'));
    for (const p of recs.data?.plan?.pools ?? []) set.add(p.name);
    return [...set].sort();
  }, [overview.data, recs.data]);

  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">Pools</h1>
      {overview.error !== undefined && <ErrorState error={overview.error} feature="the pools" retry={overview.reload} />}
      {recs.error !== undefined && <ErrorState error={recs.error} feature="the planner's view of the pools" />}
      {anomalies.data instanceof ApiError && <ErrorState error={anomalies.data} feature="Anomaly detection" />}
      {recs.data?.reason && <p class="muted">Planner: {recs.data.reason}.</p>}
      {!overview.data && overview.loading && <Loading what="pools" />}
      {overview.data && names.length === 0 && <Empty>No pools yet: pools are configured in governator.toml and filled by the control loop.</Empty>}
      {names.map((name) => (
        <PoolCard key={name} name={name} breakdown={overview.data?.pool_breakdown[name]} outcome={recs.data?.plan?.pools.find((p) => p.name === name)}
          anomalies={anomalies.data} />
      ))}
    </section>
  );
}
