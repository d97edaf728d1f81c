/**
 * The ForecastService (issue #6 §3–4, docs/forecasting.md "Model lifecycle"): the control loop's forecaster,
 * with every fit recorded.
 *
 * It wraps the ensemble forecaster (demand-forecaster.ts) and implements the loop's DemandForecaster, so the loop
 * uses it like any forecaster. On each fit (first, scheduled, changepoint …) it stores, through the
 * ForecastRepository:
 *   - the fit: one row per candidate model with the series' next version, its weight, the seasonal periods, its
 *     backtest accuracy and the window it was fitted on (forecast_models);
 *   - the forecast: points with 50/90/99% intervals, weights, backtest accuracy (forecasts) — what
 *     GET /api/v1/forecasts/{pool} serves;
 *   - the anomalies found in the fitted history (anomalies; spikes, dips and outages were excluded from the fit)
 *     — what GET /api/v1/anomalies serves. A level shift first seen after the previous fit's window asks the
 *     forecaster to refit at the next decision (reason 'changepoint'), so the models see the new level.
 * Between fits it tracks accuracy continuously: as the loop's history brings actuals for steps of the current
 * forecast, the ensemble (MASE, sMAPE, 90% coverage) and each weighted member model (MASE, sMAPE) are scored,
 * in batches of `accuracyBatchPoints` steps and whatever is left when the next fit replaces the forecast
 * (forecast_accuracy).
 *
 * Recording is best effort: a store failure is logged (when a logger is given) and never fails a decision.
 */
import type { ForecastRepository } from '../../ports/forecast-store.js';
import type { Clock } from '../../ports/clock.js';
import type { AccuracyInput, AnomalyInput } from '../../ports/forecast-store.js';
import { coverage, mase, naiveScale, smape } from '../../core/forecast/metrics.js';
import type { ForecastPoint, ForecastResult } from '../../core/forecast/types.js';
import type { EventBus } from '../events.js';
import type { DemandForecaster, DemandHistory, PlanningDemandEstimate, PlanningDemandRequest } from '../loop/forecaster.js';
import { createEnsembleDemandForecaster, type EnsembleDemandForecaster, type EnsembleDemandForecasterOptions, type PoolFit } from './demand-forecaster.js';

export interface ForecastServiceLogger {
  warn(obj: object, msg: string): void;
}

export interface ForecastServiceOptions extends Omit<EnsembleDemandForecasterOptions, 'onFit'> {
  /** Where fits, forecasts, accuracy and anomalies go (`store.forecasts`). */
  readonly repository: ForecastRepository;
  readonly clock: Clock;
  readonly logger?: ForecastServiceLogger;
  /** Live events: `forecast` per stored forecast, `anomaly` per anomaly first seen since the previous fit. */
  readonly events?: EventBus;
  /** Score the current forecast once this many new actuals arrived (default 12; the rest is scored at the next fit). */
  readonly accuracyBatchPoints?: number;
}

/** The series key of a pool's demand series. */
export function demandSeriesKey(pool: string): string {
  return `demand{pool=${JSON.stringify(pool)}}`;
}

/** The forecast of a pool being scored against arriving actuals. */
interface Tracked {
  readonly version: number;
  readonly points: readonly ForecastPoint[];
  readonly members: Readonly<Record<string, readonly number[]>>;
  /** In-sample seasonal-naive MAE of the fitted window (the MASE denominator). */
  readonly scale: number;
  readonly step: number;
  /** Index into points of the first step not scored yet. */
  next: number;
  /** Series time of the fitted window's end: a level shift after it is new. */
  readonly windowTo: number;
}

export class ForecastService implements DemandForecaster {
  /** The wrapped ensemble forecaster (for `latest`, `invalidate`). */
  readonly forecaster: EnsembleDemandForecaster;
  readonly #repository: ForecastRepository;
  readonly #clock: Clock;
  readonly #logger: ForecastServiceLogger | undefined;
  readonly #events: EventBus | undefined;
  readonly #batch: number;
  readonly #tracked = new Map<string, Tracked>();
  /** The history of the decision in progress per pool (onFit reads it). */
  readonly #pending = new Map<string, DemandHistory>();

  constructor(options: ForecastServiceOptions) {
    const { repository, clock, logger, events, accuracyBatchPoints, ...forecasterOptions } = options;
    this.#events = events;
    this.#repository = repository;
    this.#clock = clock;
    this.#logger = logger;
    this.#batch = Math.max(1, accuracyBatchPoints ?? 12);
    this.forecaster = createEnsembleDemandForecaster({ ...forecasterOptions, onFit: (fit) => this.#onFit(fit) });
  }

  async planningDemand(request: PlanningDemandRequest): Promise<PlanningDemandEstimate> {
    this.#pending.set(request.pool, request.history);
    try {
      await this.#score(request.pool, request.history, false);
      return await this.forecaster.planningDemand(request);
    } finally {
      this.#pending.delete(request.pool);
    }
  }

  /** Score the tracked forecast of `pool` against the actuals in `history` (at least a batch of them unless `flush`). */
  async #score(pool: string, history: DemandHistory, flush: boolean): Promise<void> {
    const tracked = this.#tracked.get(pool);
    if (!tracked || tracked.next >= tracked.points.length || history.stepSeconds !== tracked.step) return;
    const n = history.values.length;
    const last = history.startSeconds + (n - 1) * history.stepSeconds;
    const indexes: number[] = [];
    const actual: number[] = [];
    let k = tracked.next;
    for (; k < tracked.points.length; k += 1) {
      const t = (tracked.points[k] as ForecastPoint).t;
      if (t > last) break;
      const i = Math.round((t - history.startSeconds) / history.stepSeconds);
      const v = i >= 0 && i < n ? Number(history.values[i]) : Number.NaN;
      if (Number.isFinite(v)) { indexes.push(k); actual.push(v); }
    }
    if (indexes.length === 0 || (!flush && k - tracked.next < this.#batch)) {
      if (indexes.length === 0) tracked.next = k;
      return;
    }
    tracked.next = k;
    const points = indexes.map((j) => tracked.points[j] as ForecastPoint);
    const ref = { series: demandSeriesKey(pool), pool, version: tracked.version, points: actual.length };
    const span = { actualFrom: new Date((points[0] as ForecastPoint).t * 1000), actualTo: new Date((points[points.length - 1] as ForecastPoint).t * 1000) };
    const evaluatedAt = this.#clock.now();
    const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
    const mean = points.map((p) => p.mean);
    const records: AccuracyInput[] = [{
      ...ref, ...span, model: 'ensemble', evaluatedAt,
      mase: finite(mase(actual, mean, tracked.scale)), smape: smape(actual, mean),
      coverage90: coverage(actual, points.map((p) => p.lo90), points.map((p) => p.hi90)),
    }];
    for (const [model, forecast] of Object.entries(tracked.members)) {
      const f = indexes.map((j) => forecast[j] as number);
      if (!f.every((v) => Number.isFinite(v))) continue;
      records.push({ ...ref, ...span, model, evaluatedAt, mase: finite(mase(actual, f, tracked.scale)), smape: smape(actual, f), coverage90: null });
    }
    await this.#record('accuracy', () => this.#repository.recordAccuracy(records));
  }

  async #onFit(fit: PoolFit): Promise<void> {
    const { pool, result } = fit;
    const series = demandSeriesKey(pool);
    const history = this.#pending.get(pool);
    const previous = this.#tracked.get(pool);
    if (history) await this.#score(pool, history, true);
    const step = result.stepSeconds;
    const fittedAt = this.#clock.now();
    const windowFrom = new Date(result.window.from * 1000);
    const windowTo = new Date(result.window.to * 1000);
    const backtest = result.accuracy;
    const names = new Set<string>([...Object.keys(result.weights), ...Object.keys(backtest).filter((m) => m !== 'ensemble')]);
    const models = [...names].sort().map((model) => ({
      model,
      parameters: {
        weight: (result.weights as Record<string, number | undefined>)[model] ?? 0,
        periods: result.periods,
        stepSeconds: step,
        ...(backtest[model] ? { backtest: backtest[model] } : {}),
        notes: result.notes.filter((note) => note.startsWith(`${model}:`)),
      },
    }));
    const version = await this.#record('fit', () => this.#repository.recordFit({
      series, pool, models, windowFrom, windowTo, windowPoints: result.window.points, stepSeconds: step, reason: fit.reason, fittedAt,
    }));
    if (version === undefined) return;
    const stored = await this.#record('forecast', () => this.#repository.recordForecast({
      series, pool, version, createdAt: fittedAt, model: result.fallback ? 'naive' : result.model, stepSeconds: step, windowFrom, windowTo,
      points: result.points, weights: result.weights as Record<string, number>, accuracy: result.accuracy, periods: result.periods,
      notes: result.notes, fallback: result.fallback, reason: fit.reason,
    }));
    const anomalies: AnomalyInput[] = fit.anomalies.map((a) => ({
      series, pool, kind: a.kind,
      start: new Date((result.window.from + a.start * step) * 1000),
      end: new Date((result.window.from + Math.max(a.end, a.start + 1) * step) * 1000),
      value: a.value, expected: a.expected, score: Number.isFinite(a.score) ? a.score : Number.MAX_VALUE, detector: a.detector,
      detectedAt: fittedAt,
    }));
    if (stored) this.#events?.publish('forecast', fittedAt, { pool, model: stored.model, at: fittedAt.toISOString() });
    if (anomalies.length > 0) await this.#record('anomalies', () => this.#repository.recordAnomalies(anomalies));
    for (const a of anomalies) {
      if (previous !== undefined && a.start.getTime() <= previous.windowTo * 1000) continue;
      this.#events?.publish('anomaly', fittedAt, { series, kind: a.kind, at: a.start.toISOString(), value: a.value, score: a.score });
    }
    // A level shift that happened since the previous fit: refit at the next decision so the models see the new level.
    const shiftedSince = previous === undefined ? null : previous.windowTo;
    if (shiftedSince !== null && fit.reason !== 'changepoint'
      && fit.anomalies.some((a) => a.kind === 'level_shift' && result.window.from + a.start * step > shiftedSince)) {
      this.forecaster.requestRefit(pool, 'changepoint');
    }
    this.#tracked.set(pool, {
      version, points: result.points, members: (result.members ?? {}) as Record<string, number[]>, step, next: 0,
      scale: history ? fittedScale(history, result) : 0, windowTo: result.window.to,
    });
  }

  async #record<T>(what: string, write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      this.#logger?.warn({ err: error, what }, 'forecast service: could not store the fit\'s ' + what);
      return undefined;
    }
  }
}

/** The seasonal-naive MAE of the fitted window (shortest detected period; 1 step without one). */
function fittedScale(history: DemandHistory, result: ForecastResult): number {
  const step = history.stepSeconds;
  const from = Math.round((result.window.from - history.startSeconds) / step);
  const to = Math.round((result.window.to - history.startSeconds) / step);
  const y: number[] = [];
  for (let i = Math.max(0, from); i <= Math.min(history.values.length - 1, to); i += 1) {
    const v = Number(history.values[i]);
    if (Number.isFinite(v)) y.push(v);
  }
  return naiveScale(y, result.periods[0] ?? 1);
}

/** Builds the {@link ForecastService}. */
export function createForecastService(options: ForecastServiceOptions): ForecastService {
  return new ForecastService(options);
}
