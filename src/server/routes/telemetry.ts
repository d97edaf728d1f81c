import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GovError, isGovError } from '../../core/errors.js';
import { AGGREGATIONS, type Aggregation } from '../../core/telemetry/rollup.js';
import type { RejectReason } from '../../core/telemetry/sample.js';
import { parseInstant, parseStep } from '../../core/telemetry/time.js';
import { parseLabelMatcher, type Labels } from '../../core/telemetry/series.js';
import type { IngestResult, IngestSeries, Receiver } from '../../app/telemetry/ingest.js';
import type { QueriedSeries } from '../../app/telemetry/query.js';
import type { TelemetryService } from '../../app/telemetry/service.js';
import { errorBody, toGovError } from '../errors.js';
import { withErrors } from '../schemas.js';

/**
 * Telemetry over HTTP (issue #5; docs/telemetry.md): the push receivers (Prometheus remote_write, JSON, WebSocket)
 * and the queries. Receivers need `metrics:write` (the `ingest` role), queries `metrics:read`. Ingest routes
 * audit only refused keys (`config.audit = 'denied-only'`): they are machine traffic, counted in metrics.
 */

const SampleValue = Type.Union([
  Type.Number(),
  Type.Union([Type.Literal('NaN'), Type.Literal('Inf'), Type.Literal('+Inf'), Type.Literal('-Inf')]),
]);

export const IngestBody = Type.Object({
  /** WebSocket only: echoed in the acknowledgement. */
  id: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Number()])),
  series: Type.Array(Type.Object({
    metric: Type.String({ minLength: 1, maxLength: 256 }),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    samples: Type.Array(Type.Tuple([Type.Number(), SampleValue]), { minItems: 1 }),
  }, { additionalProperties: false }), { maxItems: 100_000 }),
}, { additionalProperties: false });
type IngestBodyT = Static<typeof IngestBody>;

const SPECIAL: Readonly<Record<string, number>> = { NaN: Number.NaN, Inf: Infinity, '+Inf': Infinity, '-Inf': -Infinity };

/** JSON ingest body → ingest series (timestamps: Unix seconds → ms). */
export function jsonToSeries(body: IngestBodyT): IngestSeries[] {
  return body.series.map((s) => ({
    metric: s.metric,
    labels: Object.entries(s.labels ?? {}),
    ts: s.samples.map(([t]) => Math.round(t * 1000)),
    values: s.samples.map(([, v]) => (typeof v === 'number' ? v : (SPECIAL[v] as number))),
  }));
}

const PointsSeries = Type.Object({
  metric: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
});

const AggParam = Type.Union(AGGREGATIONS.map((a) => Type.Literal(a)));

const toJsonSeries = (s: QueriedSeries) => ({ metric: s.metric, labels: { ...s.labels }, points: s.points.map(([t, v]): [number, number] => [t / 1000, v]) });

const FASTIFY_REASONS: Readonly<Record<string, RejectReason>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content_type',
  FST_ERR_CTP_INVALID_TYPE: 'content_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
};

export interface TelemetryRouteOptions {
  readonly telemetry: TelemetryService;
}

function bad(message: string, field: string): GovError {
  return new GovError('GOV_VALIDATION', message, { details: { field } });
}

function instant(text: string | undefined, fallback: number, field: string): number {
  if (text === undefined) return fallback;
  const ms = parseInstant(text);
  if (typeof ms === 'string') throw bad(`${field}: ${ms}`, field);
  return ms;
}

export async function telemetryRoutes(app: FastifyInstance, options: TelemetryRouteOptions): Promise<void> {
  const { telemetry } = options;
  const { settings } = telemetry;

  /** Ingest a decoded request: backpressure → 503 with Retry-After; wait for durability when configured. */
  async function ingest(reply: FastifyReply, series: IngestSeries[], receiver: Receiver): Promise<IngestResult> {
    let result: IngestResult;
    try {
      result = telemetry.ingest.ingest(series, receiver);
    } catch (error) {
      if (isGovError(error) && error.code === 'GOV_INGEST_BACKPRESSURE') {
        reply.header('retry-after', String((error.details as { retryAfterSeconds: number }).retryAfterSeconds));
      }
      throw error;
    }
    if (settings.ack === 'durable') await awaitDurable(reply, result);
    return result;
  }

  async function awaitDurable(reply: FastifyReply | null, result: IngestResult): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), settings.ackTimeoutMs); });
    try {
      const outcome = await Promise.race([result.durable.then(() => 'ok' as const), timeout]);
      if (outcome === 'timeout') {
        const retryAfterSeconds = telemetry.pipeline.retryAfterSeconds();
        reply?.header('retry-after', String(retryAfterSeconds));
        throw new GovError('GOV_INGEST_BACKPRESSURE', `the samples were accepted but not written within ${settings.ackTimeoutMs} ms; they stay queued (a resend is safe)`, {
          details: { retryAfterSeconds, queued: telemetry.pipeline.depth },
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function rejectedError(result: IngestResult): GovError | null {
    const n = Object.values(result.rejected).reduce((a, b) => a + (b ?? 0), 0);
    if (n === 0) return null;
    return new GovError('GOV_INGEST_REJECTED', `${n} sample(s) refused, ${result.accepted} stored: ${result.problems.join('; ')}`, {
      details: { accepted: result.accepted, rejected: result.rejected, problems: result.problems },
    });
  }

  // Request-level refusals (body too large, wrong content type, bad JSON, schema) are counted by reason.
  const countRequestErrors = async (request: FastifyRequest, _reply: FastifyReply, error: Error & { code?: string; validation?: unknown }) => {
    void request;
    const reason = error.validation !== undefined ? 'bad_json' : FASTIFY_REASONS[error.code ?? ''];
    if (reason !== undefined) telemetry.ingest.countRequestRejection(reason);
  };

  // ------------------------------------------------------------------------------------- remote_write
  await app.register(async (scope) => {
    scope.addHook('onError', countRequestErrors);
    // Only here: remote_write bodies are raw bytes (the server has no parser for them anywhere else).
    scope.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer', bodyLimit: settings.maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/write', {
      config: { access: 'metrics:write', audit: 'denied-only' },
      bodyLimit: settings.maxBodyBytes,
      schema: {
        summary: 'Prometheus remote_write 1.0 receiver',
        description: 'Body: a snappy-compressed protobuf WriteRequest (Content-Type: application/x-protobuf, Content-Encoding: snappy), as Prometheus sends it. 204 when every sample was stored.',
        tags: ['telemetry'],
        response: withErrors({ 204: Type.Null(), 413: Type.Ref('ErrorResponse'), 415: Type.Ref('ErrorResponse'), 503: Type.Ref('ErrorResponse') }),
      },
    }, async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) {
        telemetry.ingest.countRequestRejection('content_type');
        throw new GovError('GOV_UNSUPPORTED_MEDIA_TYPE', 'remote_write bodies must be Content-Type: application/x-protobuf (snappy-compressed WriteRequest)');
      }
      let decoded;
      try {
        decoded = telemetry.remoteWrite.decode(request.body);
      } catch (error) {
        const reason = (isGovError(error) ? (error.details as { reason?: RejectReason } | undefined)?.reason : undefined) ?? 'bad_protobuf';
        telemetry.ingest.countRequestRejection(reason);
        throw error;
      }
      telemetry.ingest.countStaleMarkers(decoded.staleMarkers);
      const result = await ingest(reply, decoded.series, 'remote_write');
      const refused = rejectedError(result);
      if (refused) throw refused;
      return reply.code(204).send();
    });
  });

  // ------------------------------------------------------------------------------------------ JSON + WS
  await app.register(async (scope) => {
    scope.addHook('onError', countRequestErrors);
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    api.post('/api/v1/ingest', {
      config: { access: 'metrics:write', audit: 'denied-only' },
      bodyLimit: settings.maxBodyBytes,
      schema: {
        summary: 'Ingest samples as JSON',
        description: 'Body: { "series": [ { "metric", "labels": {…}, "samples": [[unixSeconds, value], …] } ] }. Values are numbers, or "NaN"/"Inf"/"-Inf" (which are refused and counted).',
        tags: ['telemetry'],
        body: IngestBody,
        response: withErrors({ 200: Type.Object({ accepted: Type.Integer(), staleMarkers: Type.Integer() }), 413: Type.Ref('ErrorResponse'), 503: Type.Ref('ErrorResponse') }),
      },
    }, async (request, reply) => {
      const result = await ingest(reply, jsonToSeries(request.body), 'json');
      const refused = rejectedError(result);
      if (refused) throw refused;
      return { accepted: result.accepted, staleMarkers: result.staleMarkers };
    });

    // buildServer registers the WebSocket plugin once for every route (the dashboard stream too): a second
    // registration would answer each upgrade twice. Standalone (tests of this plugin alone) it registers its own.
    if (!scope.hasDecorator('websocketServer')) await scope.register(websocket, { options: { maxPayload: settings.maxBodyBytes } });
    // An upgrade refused with an HTTP answer (401, 403 …) arrived on a socket the HTTP server no longer tracks:
    // close it, or it would stay open (and keep close() waiting) until the client gives up.
    scope.addHook('onResponse', async (request) => {
      if (String(request.headers.upgrade ?? '').toLowerCase() === 'websocket' && !request.raw.socket.destroyed) request.raw.socket.destroy();
    });
    scope.route({
      method: 'GET',
      url: '/api/v1/ingest/ws',
      config: { access: 'metrics:write', audit: 'denied-only' },
      schema: { summary: 'Ingest samples over a WebSocket', tags: ['telemetry'], hide: true },
      handler: async () => {
        throw new GovError('GOV_UPGRADE_REQUIRED', 'GET /api/v1/ingest/ws is a WebSocket endpoint: send "Connection: Upgrade" and "Upgrade: websocket"');
      },
      wsHandler: (socket: WebSocket) => {
        socket.on('message', (data, isBinary) => {
          void handleMessage(socket, data, isBinary);
        });
      },
    });
  });

  async function handleMessage(socket: WebSocket, data: unknown, isBinary: boolean): Promise<void> {
    let id: string | number | undefined;
    const send = (payload: object) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(id === undefined ? payload : { id, ...payload }));
    };
    try {
      if (isBinary) {
        telemetry.ingest.countRequestRejection('content_type');
        throw new GovError('GOV_UNSUPPORTED_MEDIA_TYPE', 'send text messages holding the JSON ingest body');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : String(data));
      } catch {
        telemetry.ingest.countRequestRejection('bad_json');
        throw new GovError('GOV_MALFORMED_JSON', 'the message is not valid JSON');
      }
      if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) {
        const given = (parsed as { id: unknown }).id;
        if (typeof given === 'string' || typeof given === 'number') id = given;
      }
      if (!Value.Check(IngestBody, parsed)) {
        telemetry.ingest.countRequestRejection('bad_json');
        const first = Value.Errors(IngestBody, parsed).First();
        throw new GovError('GOV_VALIDATION', `invalid message: ${first ? `${first.path || '/'} ${first.message}` : 'does not match the ingest body'}`, {
          details: { field: first?.path ?? '' },
        });
      }
      const result = telemetry.ingest.ingest(jsonToSeries(parsed), 'websocket');
      if (settings.ack === 'durable') await awaitDurable(null, result);
      const refused = rejectedError(result);
      if (refused) throw refused;
      send({ accepted: result.accepted, staleMarkers: result.staleMarkers });
    } catch (error) {
      send(errorBody(toGovError(error)));
    }
  }

  // ---------------------------------------------------------------------------------------------- query
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const TimeParams = {
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Unix seconds or RFC 3339; default: `to` minus 1 hour.' })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Unix seconds or RFC 3339, exclusive; default: now.' })),
    step: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Window width: seconds (60) or 30s, 5m, 1h, 1d. Omitted: raw samples.' })),
    agg: Type.Optional(AggParam),
  };

  function window(q: { from?: string; to?: string; step?: string; agg?: Aggregation }, defaultStep?: string) {
    const to = instant(q.to, telemetry.now().getTime(), 'to');
    const from = instant(q.from, to - 3_600_000, 'from');
    const stepText = q.step ?? defaultStep;
    let step: number | undefined;
    if (stepText !== undefined) {
      const parsed = parseStep(stepText);
      if (typeof parsed === 'string') throw bad(`step: ${parsed}`, 'step');
      step = parsed;
    }
    return { from, to, step, agg: q.agg ?? 'avg' };
  }

  api.get('/api/v1/series/query', {
    config: { access: 'metrics:read' },
    schema: {
      summary: 'Range query over stored series',
      description: 'Series of `metric` whose labels include `labels` (JSON object or name=value,…), in [from, to), aggregated per `step` with `agg` (avg, max, min, p95, sum). Points are [unixSeconds, value] at window starts.',
      tags: ['telemetry'],
      querystring: Type.Object({
        metric: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        labels: Type.Optional(Type.String({ maxLength: 4096 })),
        ...TimeParams,
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ resolution: Type.String(), series: Type.Array(PointsSeries) }) }),
    },
  }, async (request) => {
    const q = request.query;
    let labels: Labels | undefined;
    if (q.labels !== undefined) {
      const parsed = parseLabelMatcher(q.labels);
      if (typeof parsed === 'string') throw bad(`labels: ${parsed}`, 'labels');
      labels = parsed;
    }
    if (q.metric === undefined && (labels === undefined || Object.keys(labels).length === 0)) {
      throw bad('give a metric, labels, or both', 'metric');
    }
    const result = await telemetry.query.query({ ...(q.metric ? { metric: q.metric } : {}), ...(labels ? { labels } : {}), ...window(q) });
    return { resolution: result.resolution, series: result.series.map(toJsonSeries) };
  });

  api.get('/api/v1/nodes/:id/metrics', {
    config: { access: 'metrics:read' },
    schema: {
      summary: "A node's metrics",
      description: 'Series mapped to the node (telemetry.node_labels), optionally only `metric`; default the last hour at step 60s, avg.',
      tags: ['nodes', 'telemetry'],
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
      querystring: Type.Object({ metric: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), ...TimeParams }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Object({ node: Type.String(), resolution: Type.String(), series: Type.Array(PointsSeries) }), 404: Type.Ref('ErrorResponse') }),
    },
  }, async (request) => {
    const { id } = request.params;
    const q = request.query;
    const w = window(q, '60s');
    const known = telemetry.query.match({ nodeId: id, ...(q.metric ? { metric: q.metric } : {}) }).length > 0
      || (await telemetry.store.nodes.get(id)) !== null;
    if (!known) throw new GovError('GOV_NOT_FOUND', `no node and no telemetry with node id ${JSON.stringify(id)}`, { details: { id } });
    const result = await telemetry.query.query({ nodeId: id, ...(q.metric ? { metric: q.metric } : {}), ...w });
    return { node: id, resolution: result.resolution, series: result.series.map(toJsonSeries) };
  });

  api.get('/api/v1/telemetry/targets', {
    config: { access: 'metrics:read' },
    schema: {
      summary: 'Scrape targets and pull sources, with their health',
      tags: ['telemetry'],
      response: withErrors({
        200: Type.Object({
          scrape: Type.Array(Type.Object({
            url: Type.String(), job: Type.String(), instance: Type.String(), health: Type.String(),
            lastScrape: Type.Union([Type.String(), Type.Null()]), lastDurationMs: Type.Union([Type.Number(), Type.Null()]),
            lastError: Type.Union([Type.String(), Type.Null()]), samples: Type.Integer(),
          })),
          sources: Type.Array(Type.Object({
            name: Type.String(), kind: Type.String(), lastPull: Type.Union([Type.String(), Type.Null()]), lastSamples: Type.Integer(),
            lastErrors: Type.Array(Type.Object({ item: Type.String(), kind: Type.String(), message: Type.String() })),
          })),
        }),
      }),
    },
  }, async () => ({
    scrape: (telemetry.scrapes?.status() ?? []).map((s) => ({ ...s, lastScrape: s.lastScrape?.toISOString() ?? null })),
    sources: (telemetry.pulls?.status() ?? []).map((s) => ({ ...s, lastPull: s.lastPull?.toISOString() ?? null, lastErrors: [...s.lastErrors] })),
  }));
}
