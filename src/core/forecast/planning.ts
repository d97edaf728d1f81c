/**
 * Planning demand (issue #6 §5). A node started now is ready only after its start-up lead time, and the next
 * decision comes one decision interval later; so the capacity we decide on now must carry the demand of the
 * whole window [now, now + lead time + decision interval]. We plan for an upper quantile of the forecast over
 * that window — not the mean, because under-provisioning costs QoS while over-provisioning costs only money
 * — and never below what we observe right now (a forecast must not talk us out of demand that is already here).
 *
 * Pure.
 */
import { GovError } from '../errors.js';
import type { ForecastPoint } from './types.js';

export interface PlanningDemandInput {
  /** Forecast points, ascending by `t` (Unix seconds), as in ForecastResult.points. */
  readonly forecast: readonly ForecastPoint[];
  /** The forecast quantile to plan for, in (0, 1); e.g. 0.9. */
  readonly quantile: number;
  /** Node start-up lead time in seconds (≥ 0). */
  readonly leadTimeSeconds: number;
  /** Decision interval of the control loop in seconds (≥ 0). */
  readonly intervalSeconds: number;
  /** Current observed demand (same unit as the forecast). */
  readonly observedDemand: number;
  /** Start of the window, Unix seconds. Default: the first forecast point's time minus one step. */
  readonly nowSeconds?: number;
}

export interface PlanningDemand {
  /** The demand to plan capacity for. */
  readonly demand: number;
  /** The forecast's `quantile` maximum over the window (before the observed-demand floor); null without points in it. */
  readonly forecastDemand: number | null;
  /** Unix seconds of the forecast point giving `forecastDemand`. */
  readonly at: number | null;
  /** 'forecast' when the forecast quantile set the demand, 'observed' when the observed floor did. */
  readonly source: 'forecast' | 'observed';
  /** The window considered, Unix seconds. */
  readonly window: { readonly from: number; readonly to: number };
}

// The quantiles a ForecastPoint carries (the mean stands in for the median: our intervals are centred on it).
const KNOTS: ReadonlyArray<[number, (p: ForecastPoint) => number]> = [
  [0.005, (p) => p.lo99], [0.05, (p) => p.lo90], [0.25, (p) => p.lo50], [0.5, (p) => p.mean],
  [0.75, (p) => p.hi50], [0.95, (p) => p.hi90], [0.995, (p) => p.hi99],
];

/**
 * The q-quantile of one forecast point, interpolated linearly between the quantiles it carries (0.5%, 5%,
 * 25%, 50%, 75%, 95%, 99.5%); beyond 0.5% / 99.5% it is the outermost band.
 */
export function pointQuantile(point: ForecastPoint, q: number): number {
  const first = KNOTS[0] as [number, (p: ForecastPoint) => number];
  if (q <= first[0]) return first[1](point);
  for (let i = 1; i < KNOTS.length; i++) {
    const [q1, f1] = KNOTS[i] as [number, (p: ForecastPoint) => number];
    const [q0, f0] = KNOTS[i - 1] as [number, (p: ForecastPoint) => number];
    if (q <= q1) return f0(point) + ((f1(point) - f0(point)) * (q - q0)) / (q1 - q0);
  }
  return (KNOTS[KNOTS.length - 1] as [number, (p: ForecastPoint) => number])[1](point);
}

/**
 * The demand to plan for: max over forecast points with t in (now, now + lead + interval] of the quantile, and
 * at least `observedDemand`. Throws GovError GOV_VALIDATION for a quantile outside (0, 1), negative times or a
 * non-finite observed demand. An empty window (no points) plans for the observed demand.
 */
export function planningDemand(input: PlanningDemandInput): PlanningDemand {
  const { forecast, quantile, leadTimeSeconds, intervalSeconds, observedDemand } = input;
  if (!(quantile > 0 && quantile < 1)) throw new GovError('GOV_VALIDATION', `quantile must be in (0, 1), got ${quantile}`);
  if (!(leadTimeSeconds >= 0) || !(intervalSeconds >= 0)) throw new GovError('GOV_VALIDATION', 'leadTimeSeconds and intervalSeconds must be ≥ 0');
  if (!Number.isFinite(observedDemand)) throw new GovError('GOV_VALIDATION', `observedDemand must be a finite number, got ${observedDemand}`);
  const first = forecast[0];
  const second = forecast[1];
  const step = first && second ? second.t - first.t : 0;
  const from = input.nowSeconds ?? (first ? first.t - step : 0);
  const to = from + leadTimeSeconds + intervalSeconds;
  let best: number | null = null;
  let at: number | null = null;
  for (const p of forecast) {
    // The first point after `now` always counts, even when lead + interval is shorter than one step.
    if (p.t <= from) continue;
    if (p.t > to && best !== null) break;
    const v = pointQuantile(p, quantile);
    if (best === null || v > best) { best = v; at = p.t; }
  }
  const observed = Math.max(0, observedDemand);
  const useForecast = best !== null && best >= observed;
  return { demand: useForecast ? (best as number) : observed, forecastDemand: best, at, source: useForecast ? 'forecast' : 'observed', window: { from, to } };
}
