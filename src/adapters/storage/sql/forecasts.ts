import { GovError } from '../../../core/errors.js';
import type { Accuracy, ForecastPoint } from '../../../core/forecast/types.js';
import type { AnomalyKind } from '../../../core/forecast/anomaly.js';
import type {
  AccuracyInput, AccuracyRecord, AccuracySummary, AnomalyInput, AnomalyQuery, AnomalyRecord, FitInput, FittedModelRecord,
  ForecastInput, ForecastRecord, ForecastRepository, ForecastSeriesRef,
} from '../../../ports/forecast-store.js';
import type { SqlClient } from './client.js';
import { ADVISORY_LOCK_CLASS } from './migrations.js';
import { timestampParam, toDate, toJsonObject, toNumber, toNumberOrNull, toStringOrNull } from './rows.js';
import { checkLimit } from './validate.js';

// Serialises fits of any series (they are rare: one per pool per refit interval), so versions never collide.
const FIT_LOCK = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, 5)`;
const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'dip', 'outage', 'level_shift'];
const MAX_POINTS = 100_000;

function invalid(where: string, field: string, message: string): GovError {
  return new GovError('GOV_VALIDATION', `forecasts.${where}: ${field} ${message}`, { details: { field } });
}

function checkRef(where: string, ref: ForecastSeriesRef): void {
  if (typeof ref.series !== 'string' || ref.series.length < 1 || ref.series.length > 512) throw invalid(where, 'series', 'must be 1 to 512 characters');
  if (ref.pool !== null && (typeof ref.pool !== 'string' || ref.pool.length < 1 || ref.pool.length > 128)) throw invalid(where, 'pool', 'must be null or 1 to 128 characters');
}

function checkDate(where: string, field: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(where, field, 'must be a valid Date');
}

function checkText(where: string, field: string, value: string, max = 64): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) throw invalid(where, field, `must be 1 to ${max} characters`);
}

function checkFinite(where: string, field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(where, field, `must be a finite number, got ${String(value)}`);
}

function checkStep(where: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(where, 'stepSeconds', 'must be a positive number');
}

/** JSON text for a JSONB column; non-finite numbers (an infinite MASE) become null rather than invalid JSON. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

function toJsonArray(value: unknown, column: string): unknown[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) throw new TypeError(`column ${column}: expected a JSON array`);
  return parsed;
}

interface ModelRow {
  id: unknown; series_key: string; pool: unknown; model: string; version: unknown; parameters: unknown;
  window_from: unknown; window_to: unknown; window_points: unknown; step_seconds: unknown; reason: string; fitted_at: unknown;
}

function toModel(row: ModelRow): FittedModelRecord {
  return {
    id: toNumber(row.id, 'forecast_models.id'),
    series: row.series_key,
    pool: toStringOrNull(row.pool),
    model: row.model,
    version: toNumber(row.version, 'forecast_models.version'),
    parameters: toJsonObject(row.parameters, 'forecast_models.parameters'),
    windowFrom: toDate(row.window_from, 'forecast_models.window_from'),
    windowTo: toDate(row.window_to, 'forecast_models.window_to'),
    windowPoints: toNumber(row.window_points, 'forecast_models.window_points'),
    stepSeconds: toNumber(row.step_seconds, 'forecast_models.step_seconds'),
    reason: row.reason,
    fittedAt: toDate(row.fitted_at, 'forecast_models.fitted_at'),
  };
}

interface ForecastRow {
  id: unknown; series_key: string; pool: unknown; version: unknown; created_at: unknown; model: string; step_seconds: unknown;
  window_from: unknown; window_to: unknown; points: unknown; weights: unknown; accuracy: unknown; periods: unknown; notes: unknown;
  fallback: boolean; reason: string;
}

/** Accuracy as stored: an infinite MASE was written as null and comes back as Infinity. */
function toAccuracy(value: unknown): Record<string, Accuracy> {
  const raw = toJsonObject(value, 'forecasts.accuracy') as Record<string, { mase: number | null; smape: number | null; coverage90: number | null; points: number }>;
  const out: Record<string, Accuracy> = {};
  for (const [model, a] of Object.entries(raw)) {
    out[model] = { mase: a.mase ?? Number.POSITIVE_INFINITY, smape: a.smape ?? Number.NaN, coverage90: a.coverage90 ?? null, points: a.points };
  }
  return out;
}

function toForecast(row: ForecastRow): ForecastRecord {
  return {
    id: toNumber(row.id, 'forecasts.id'),
    series: row.series_key,
    pool: toStringOrNull(row.pool),
    version: toNumber(row.version, 'forecasts.version'),
    createdAt: toDate(row.created_at, 'forecasts.created_at'),
    model: row.model,
    stepSeconds: toNumber(row.step_seconds, 'forecasts.step_seconds'),
    windowFrom: toDate(row.window_from, 'forecasts.window_from'),
    windowTo: toDate(row.window_to, 'forecasts.window_to'),
    points: toJsonArray(row.points, 'forecasts.points') as ForecastPoint[],
    weights: toJsonObject(row.weights, 'forecasts.weights') as Record<string, number>,
    accuracy: toAccuracy(row.accuracy),
    periods: toJsonArray(row.periods, 'forecasts.periods') as number[],
    notes: toJsonArray(row.notes, 'forecasts.notes') as string[],
    fallback: row.fallback,
    reason: row.reason,
  };
}

interface AccuracyRow {
  id: unknown; series_key: string; pool: unknown; model: string; version: unknown; actual_from: unknown; actual_to: unknown;
  points: unknown; mase: unknown; smape: unknown; coverage90: unknown; evaluated_at: unknown;
}

function toAccuracyRecord(row: AccuracyRow): AccuracyRecord {
  return {
    id: toNumber(row.id, 'forecast_accuracy.id'),
    series: row.series_key,
    pool: toStringOrNull(row.pool),
    model: row.model,
    version: toNumber(row.version, 'forecast_accuracy.version'),
    actualFrom: toDate(row.actual_from, 'forecast_accuracy.actual_from'),
    actualTo: toDate(row.actual_to, 'forecast_accuracy.actual_to'),
    points: toNumber(row.points, 'forecast_accuracy.points'),
    mase: toNumberOrNull(row.mase, 'forecast_accuracy.mase'),
    smape: toNumber(row.smape, 'forecast_accuracy.smape'),
    coverage90: toNumberOrNull(row.coverage90, 'forecast_accuracy.coverage90'),
    evaluatedAt: toDate(row.evaluated_at, 'forecast_accuracy.evaluated_at'),
  };
}

interface AnomalyRow {
  id: unknown; series_key: string; pool: unknown; kind: AnomalyKind; t_start: unknown; t_end: unknown; value: unknown; expected: unknown;
  score: unknown; detector: string; detected_at: unknown; last_seen_at: unknown;
}

function toAnomaly(row: AnomalyRow): AnomalyRecord {
  return {
    id: toNumber(row.id, 'anomalies.id'),
    series: row.series_key,
    pool: toStringOrNull(row.pool),
    kind: row.kind,
    start: toDate(row.t_start, 'anomalies.t_start'),
    end: toDate(row.t_end, 'anomalies.t_end'),
    value: toNumber(row.value, 'anomalies.value'),
    expected: toNumber(row.expected, 'anomalies.expected'),
    score: toNumber(row.score, 'anomalies.score'),
    detector: row.detector,
    detectedAt: toDate(row.detected_at, 'anomalies.detected_at'),
    lastSeenAt: toDate(row.last_seen_at, 'anomalies.last_seen_at'),
  };
}

const MODEL_COLUMNS = 'id, series_key, pool, model, version, parameters, window_from, window_to, window_points, step_seconds, reason, fitted_at';
const FORECAST_COLUMNS = 'id, series_key, pool, version, created_at, model, step_seconds, window_from, window_to, points, weights, accuracy, periods, notes, fallback, reason';
const ACCURACY_COLUMNS = 'id, series_key, pool, model, version, actual_from, actual_to, points, mase, smape, coverage90, evaluated_at';
const ANOMALY_COLUMNS = 'id, series_key, pool, kind, t_start, t_end, value, expected, score, detector, detected_at, last_seen_at';

/** ForecastRepository over SQL: the forecast_models, forecasts, forecast_accuracy and anomalies tables (migration 0005). */
export class SqlForecastRepository implements ForecastRepository {
  constructor(private readonly db: SqlClient) {}

  async recordFit(fit: FitInput): Promise<number> {
    checkRef('recordFit', fit);
    checkDate('recordFit', 'windowFrom', fit.windowFrom);
    checkDate('recordFit', 'windowTo', fit.windowTo);
    checkDate('recordFit', 'fittedAt', fit.fittedAt);
    if (fit.windowTo.getTime() < fit.windowFrom.getTime()) throw invalid('recordFit', 'windowTo', 'must not be before windowFrom');
    if (!Number.isInteger(fit.windowPoints) || fit.windowPoints < 0) throw invalid('recordFit', 'windowPoints', 'must be a whole number ≥ 0');
    checkStep('recordFit', fit.stepSeconds);
    checkText('recordFit', 'reason', fit.reason);
    if (!Array.isArray(fit.models) || fit.models.length === 0) throw invalid('recordFit', 'models', 'must list at least one model');
    const names = new Set<string>();
    for (const m of fit.models) {
      checkText('recordFit', 'models[].model', m.model);
      if (names.has(m.model)) throw invalid('recordFit', 'models[].model', `lists ${m.model} twice`);
      names.add(m.model);
      if (m.parameters === null || typeof m.parameters !== 'object' || Array.isArray(m.parameters)) throw invalid('recordFit', 'models[].parameters', 'must be an object');
    }
    return this.db.transaction(async (tx) => {
      await tx.query(FIT_LOCK);
      const rows = await tx.query<{ v: unknown }>('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM forecast_models WHERE series_key = $1', [fit.series]);
      const version = toNumber(rows[0]?.v, 'version');
      const params: unknown[] = [];
      const tuples = fit.models.map((m) => {
        const base = params.length;
        params.push(fit.series, fit.pool, m.model, version, json(m.parameters), timestampParam(fit.windowFrom), timestampParam(fit.windowTo),
          fit.windowPoints, fit.stepSeconds, fit.reason, timestampParam(fit.fittedAt));
        return `(${Array.from({ length: 11 }, (_, i) => `$${base + i + 1}${i === 4 ? '::jsonb' : ''}`).join(', ')})`;
      });
      await tx.query(
        `INSERT INTO forecast_models (series_key, pool, model, version, parameters, window_from, window_to, window_points, step_seconds, reason, fitted_at)
         VALUES ${tuples.join(', ')}`, params);
      return version;
    });
  }

  async fittedModels(series: string, version?: number): Promise<readonly FittedModelRecord[]> {
    const rows = version === undefined
      ? await this.db.query<ModelRow>(
        `SELECT ${MODEL_COLUMNS} FROM forecast_models
         WHERE series_key = $1 AND version = (SELECT MAX(version) FROM forecast_models WHERE series_key = $1) ORDER BY model`, [series])
      : await this.db.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM forecast_models WHERE series_key = $1 AND version = $2 ORDER BY model`, [series, version]);
    return rows.map(toModel);
  }

  async recordForecast(forecast: ForecastInput): Promise<ForecastRecord> {
    const where = 'recordForecast';
    checkRef(where, forecast);
    if (!Number.isInteger(forecast.version) || forecast.version < 1) throw invalid(where, 'version', 'must be a whole number ≥ 1');
    checkDate(where, 'createdAt', forecast.createdAt);
    checkDate(where, 'windowFrom', forecast.windowFrom);
    checkDate(where, 'windowTo', forecast.windowTo);
    checkText(where, 'model', forecast.model);
    checkText(where, 'reason', forecast.reason);
    checkStep(where, forecast.stepSeconds);
    if (!Array.isArray(forecast.points) || forecast.points.length > MAX_POINTS) throw invalid(where, 'points', `must be an array of at most ${MAX_POINTS}`);
    forecast.points.forEach((p, i) => {
      for (const key of ['t', 'mean', 'lo50', 'hi50', 'lo90', 'hi90', 'lo99', 'hi99'] as const) checkFinite(where, `points[${i}].${key}`, p[key]);
    });
    for (const [model, w] of Object.entries(forecast.weights)) checkFinite(where, `weights.${model}`, w);
    const rows = await this.db.query<ForecastRow>(
      `INSERT INTO forecasts (series_key, pool, version, created_at, model, step_seconds, window_from, window_to, points, weights, accuracy, periods, notes, fallback, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15)
       RETURNING ${FORECAST_COLUMNS}`,
      [forecast.series, forecast.pool, forecast.version, timestampParam(forecast.createdAt), forecast.model, forecast.stepSeconds,
        timestampParam(forecast.windowFrom), timestampParam(forecast.windowTo),
        json(forecast.points.map((p) => ({ t: p.t, mean: p.mean, lo50: p.lo50, hi50: p.hi50, lo90: p.lo90, hi90: p.hi90, lo99: p.lo99, hi99: p.hi99 }))),
        json(forecast.weights), json(forecast.accuracy), json(forecast.periods), json(forecast.notes), forecast.fallback, forecast.reason]);
    return toForecast(rows[0]!);
  }

  async latestForecast(pool: string): Promise<ForecastRecord | null> {
    const rows = await this.db.query<ForecastRow>(
      `SELECT ${FORECAST_COLUMNS} FROM forecasts WHERE pool = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [pool]);
    return rows[0] ? toForecast(rows[0]) : null;
  }

  async recordAccuracy(records: readonly AccuracyInput[]): Promise<void> {
    if (records.length === 0) return;
    const where = 'recordAccuracy';
    const params: unknown[] = [];
    const tuples = records.map((r, i) => {
      checkRef(where, r);
      checkText(where, `[${i}].model`, r.model);
      if (!Number.isInteger(r.version) || r.version < 1) throw invalid(where, `[${i}].version`, 'must be a whole number ≥ 1');
      checkDate(where, `[${i}].actualFrom`, r.actualFrom);
      checkDate(where, `[${i}].actualTo`, r.actualTo);
      checkDate(where, `[${i}].evaluatedAt`, r.evaluatedAt);
      if (r.actualTo.getTime() < r.actualFrom.getTime()) throw invalid(where, `[${i}].actualTo`, 'must not be before actualFrom');
      if (!Number.isInteger(r.points) || r.points < 1) throw invalid(where, `[${i}].points`, 'must be a whole number ≥ 1');
      if (r.mase !== null) checkFinite(where, `[${i}].mase`, r.mase);
      checkFinite(where, `[${i}].smape`, r.smape);
      if (r.coverage90 !== null && (!Number.isFinite(r.coverage90) || r.coverage90 < 0 || r.coverage90 > 1)) throw invalid(where, `[${i}].coverage90`, 'must be null or in [0, 1]');
      const base = params.length;
      params.push(r.series, r.pool, r.model, r.version, timestampParam(r.actualFrom), timestampParam(r.actualTo), r.points, r.mase, r.smape, r.coverage90, timestampParam(r.evaluatedAt));
      return `(${Array.from({ length: 11 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO forecast_accuracy (series_key, pool, model, version, actual_from, actual_to, points, mase, smape, coverage90, evaluated_at)
       VALUES ${tuples.join(', ')}`, params);
  }

  async listAccuracy(series: string, limit: number): Promise<readonly AccuracyRecord[]> {
    checkLimit(limit, 10_000, 'forecasts.listAccuracy');
    const rows = await this.db.query<AccuracyRow>(
      `SELECT ${ACCURACY_COLUMNS} FROM forecast_accuracy WHERE series_key = $1 ORDER BY evaluated_at DESC, id DESC LIMIT $2`, [series, limit]);
    return rows.map(toAccuracyRecord);
  }

  async accuracySummary(series: string, since: Date): Promise<readonly AccuracySummary[]> {
    checkDate('accuracySummary', 'since', since);
    const rows = await this.db.query<{ model: string; mase: unknown; infinite: unknown; smape: unknown; coverage90: unknown; points: unknown; evaluations: unknown; last: unknown }>(
      `SELECT model,
              SUM(mase * points) / SUM(points) AS mase,
              COUNT(*) FILTER (WHERE mase IS NULL) AS infinite,
              SUM(smape * points) / SUM(points) AS smape,
              SUM(coverage90 * points) / NULLIF(SUM(points) FILTER (WHERE coverage90 IS NOT NULL), 0) AS coverage90,
              SUM(points) AS points, COUNT(*) AS evaluations, MAX(evaluated_at) AS last
       FROM forecast_accuracy WHERE series_key = $1 AND evaluated_at >= $2
       GROUP BY model ORDER BY model`, [series, timestampParam(since)]);
    return rows.map((r) => ({
      model: r.model,
      mase: toNumber(r.infinite, 'infinite') > 0 ? null : toNumberOrNull(r.mase, 'mase'),
      smape: toNumber(r.smape, 'smape'),
      coverage90: toNumberOrNull(r.coverage90, 'coverage90'),
      points: toNumber(r.points, 'points'),
      evaluations: toNumber(r.evaluations, 'evaluations'),
      lastEvaluatedAt: toDate(r.last, 'last'),
    }));
  }

  async recordAnomalies(anomalies: readonly AnomalyInput[]): Promise<number> {
    if (anomalies.length === 0) return 0;
    const where = 'recordAnomalies';
    // One row per key within the batch too (ON CONFLICT cannot touch a row twice in one statement): keep the highest score.
    const unique = new Map<string, AnomalyInput>();
    anomalies.forEach((a, i) => {
      checkRef(where, a);
      if (!ANOMALY_KINDS.includes(a.kind)) throw invalid(where, `[${i}].kind`, `must be one of ${ANOMALY_KINDS.join(', ')}`);
      checkDate(where, `[${i}].start`, a.start);
      checkDate(where, `[${i}].end`, a.end);
      checkDate(where, `[${i}].detectedAt`, a.detectedAt);
      if (a.end.getTime() < a.start.getTime()) throw invalid(where, `[${i}].end`, 'must not be before start');
      checkFinite(where, `[${i}].value`, a.value);
      checkFinite(where, `[${i}].expected`, a.expected);
      checkFinite(where, `[${i}].score`, a.score);
      checkText(where, `[${i}].detector`, a.detector);
      const key = `${a.series}\u0000${a.kind}\u0000${a.start.getTime()}`;
      const seen = unique.get(key);
      if (seen === undefined || a.score > seen.score) unique.set(key, a);
    });
    const params: unknown[] = [];
    const tuples = [...unique.values()].map((a) => {
      const base = params.length;
      params.push(a.series, a.pool, a.kind, timestampParam(a.start), timestampParam(a.end), a.value, a.expected, a.score, a.detector, timestampParam(a.detectedAt));
      return `(${Array.from({ length: 10 }, (_, k) => `$${base + k + 1}`).join(', ')}, $${base + 10})`;
    });
    // xmax = 0 only for freshly inserted rows: counts the new anomalies.
    const rows = await this.db.query<{ inserted: boolean }>(
      `INSERT INTO anomalies (series_key, pool, kind, t_start, t_end, value, expected, score, detector, detected_at, last_seen_at)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (series_key, kind, t_start) DO UPDATE SET
         t_end = EXCLUDED.t_end, value = EXCLUDED.value, expected = EXCLUDED.expected, score = EXCLUDED.score,
         detector = EXCLUDED.detector, pool = EXCLUDED.pool,
         last_seen_at = GREATEST(anomalies.last_seen_at, EXCLUDED.last_seen_at)
       RETURNING (xmax = 0) AS inserted`, params);
    return rows.filter((r) => r.inserted).length;
  }

  async listAnomalies(query: AnomalyQuery): Promise<readonly AnomalyRecord[]> {
    checkLimit(query.limit, 1000, 'forecasts.listAnomalies');
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => { params.push(value); clauses.push(sql.replace('?', `$${params.length}`)); };
    if (query.pool !== undefined) add('pool = ?', query.pool);
    if (query.series !== undefined) add('series_key = ?', query.series);
    if (query.kind !== undefined) add('kind = ?', query.kind);
    if (query.from !== undefined) { checkDate('listAnomalies', 'from', query.from); add('t_end > ?', timestampParam(query.from)); }
    if (query.to !== undefined) { checkDate('listAnomalies', 'to', query.to); add('t_start < ?', timestampParam(query.to)); }
    params.push(query.limit);
    const rows = await this.db.query<AnomalyRow>(
      `SELECT ${ANOMALY_COLUMNS} FROM anomalies ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
       ORDER BY t_start DESC, id DESC LIMIT $${params.length}`, params);
    return rows.map(toAnomaly);
  }
}
