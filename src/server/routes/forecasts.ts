import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GovError } from '../../core/errors.js';
import { parseInstant } from '../../core/telemetry/time.js';
import type { Accuracy } from '../../core/forecast/types.js';
import type { AccuracySummary, AnomalyRecord, ForecastRepository } from '../../ports/forecast-store.js';
import { withErrors } from '../schemas.js';

/**
 * Forecasts and anomalies over HTTP (issue #6; docs/forecasting.md): what the ForecastService recorded in
 * `store.forecasts`. Read access is `metrics:read` (viewer, operator, admin).
 */

/** Live accuracy covers the records of this long before the latest forecast. */
const LIVE_WINDOW_MS = 7 * 86_400_000;

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);

const AccuracySchema = Type.Object({
  mase: Nullable(Type.Number()),
  smape: Nullable(Type.Number()),
  coverage90: Nullable(Type.Number()),
  points: Type.Number(),
});

const LiveAccuracySchema = Type.Object({
  mase: Nullable(Type.Number()),
  smape: Type.Number(),
  coverage90: Nullable(Type.Number()),
  points: Type.Number(),
  evaluations: Type.Number(),
  lastEvaluatedAt: Type.String(),
});

const PointSchema = Type.Object({
  t: Type.String({ description: 'ISO 8601' }),
  mean: Type.Number(), lo50: Type.Number(), hi50: Type.Number(), lo90: Type.Number(), hi90: Type.Number(), lo99: Type.Number(), hi99: Type.Number(),
});

const ForecastResponse = Type.Object({
  pool: Type.String(),
  series: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  reason: Type.String(),
  model: Type.String(),
  fallback: Type.Boolean(),
  stepSeconds: Type.Number(),
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  periods: Type.Array(Type.Number()),
  weights: Type.Record(Type.String(), Type.Number()),
  accuracy: Type.Object({
    backtest: Type.Record(Type.String(), AccuracySchema),
    live: Type.Record(Type.String(), LiveAccuracySchema),
  }),
  notes: Type.Array(Type.String()),
  points: Type.Array(PointSchema),
});

const KIND = Type.Union(['spike', 'dip', 'outage', 'level_shift'].map((k) => Type.Literal(k)));

const AnomalySchema = Type.Object({
  id: Type.Number(),
  series: Type.String(),
  pool: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  start: Type.String(),
  end: Type.String(),
  value: Type.Number(),
  expected: Type.Number(),
  score: Type.Number(),
  detector: Type.String(),
  detectedAt: Type.String(),
  lastSeenAt: Type.String(),
});

const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

function backtestJson(accuracy: Readonly<Record<string, Accuracy>>) {
  return Object.fromEntries(Object.entries(accuracy).map(([model, a]) => [model, {
    mase: finiteOrNull(a.mase), smape: finiteOrNull(a.smape), coverage90: finiteOrNull(a.coverage90), points: a.points,
  }]));
}

function liveJson(summary: readonly AccuracySummary[]) {
  return Object.fromEntries(summary.map((s) => [s.model, {
    mase: finiteOrNull(s.mase), smape: s.smape, coverage90: finiteOrNull(s.coverage90), points: s.points, evaluations: s.evaluations,
    lastEvaluatedAt: s.lastEvaluatedAt.toISOString(),
  }]));
}

export function anomalyToJson(a: AnomalyRecord) {
  return {
    id: a.id, series: a.series, pool: a.pool, kind: a.kind, start: a.start.toISOString(), end: a.end.toISOString(), value: a.value,
    expected: a.expected, score: a.score, detector: a.detector, detectedAt: a.detectedAt.toISOString(), lastSeenAt: a.lastSeenAt.toISOString(),
  };
}

function instant(text: string | undefined, field: string): Date | undefined {
  if (text === undefined) return undefined;
  const ms = parseInstant(text);
  if (typeof ms === 'string') throw new GovError('GOV_VALIDATION', `${field}: ${ms}`, { details: { field } });
  return new Date(ms);
}

export function forecastRoutes(app: FastifyInstance, deps: { forecasts: ForecastRepository }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { forecasts } = deps;

  api.get('/api/v1/forecasts/:pool', {
    config: { access: 'metrics:read' },
    schema: {
      summary: "A pool's latest demand forecast",
      description: 'The newest forecast the control loop fitted for the pool: points with 50/90/99% intervals, model weights, backtest accuracy per model and live accuracy (scored against actuals over the last 7 days). 404 GOV_FORECAST_NOT_FOUND before the first fit.',
      tags: ['forecasting'],
      params: Type.Object({ pool: Type.String({ minLength: 1, maxLength: 128 }) }),
      response: withErrors({ 200: ForecastResponse, 404: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => {
    const { pool } = request.params;
    const f = await forecasts.latestForecast(pool);
    if (f === null) {
      throw new GovError('GOV_FORECAST_NOT_FOUND', `no forecast recorded for pool ${JSON.stringify(pool)} yet`, { details: { pool } });
    }
    const live = await forecasts.accuracySummary(f.series, new Date(f.createdAt.getTime() - LIVE_WINDOW_MS));
    return {
      pool, series: f.series, version: f.version, createdAt: f.createdAt.toISOString(), reason: f.reason, model: f.model, fallback: f.fallback,
      stepSeconds: f.stepSeconds, window: { from: f.windowFrom.toISOString(), to: f.windowTo.toISOString() }, periods: [...f.periods],
      weights: { ...f.weights }, accuracy: { backtest: backtestJson(f.accuracy), live: liveJson(live) }, notes: [...f.notes],
      points: f.points.map((p) => ({ ...p, t: new Date(p.t * 1000).toISOString() })),
    };
  });

  api.get('/api/v1/anomalies', {
    config: { access: 'metrics:read' },
    schema: {
      summary: 'Anomalies flagged on forecast series',
      description: 'Spikes, dips, outages (excluded from model fitting) and level shifts (which trigger a refit), newest first. from/to: Unix seconds or RFC 3339; an anomaly matches when it overlaps [from, to).',
      tags: ['forecasting'],
      querystring: Type.Object({
        pool: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        series: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        kind: Type.Optional(KIND),
        from: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        to: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ anomalies: Type.Array(AnomalySchema) }) }),
    },
  }, async (request) => {
    const q = request.query;
    const from = instant(q.from, 'from');
    const to = instant(q.to, 'to');
    if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
      throw new GovError('GOV_VALIDATION', 'from must be before to', { details: { field: 'from' } });
    }
    const list = await forecasts.listAnomalies({
      limit: q.limit,
      ...(q.pool !== undefined ? { pool: q.pool } : {}),
      ...(q.series !== undefined ? { series: q.series } : {}),
      ...(q.kind !== undefined ? { kind: q.kind as AnomalyRecord['kind'] } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return { anomalies: list.map(anomalyToJson) };
  });
}
