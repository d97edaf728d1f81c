import { GovError } from '../../../core/errors.js';
import { RESOLUTION_MS, type Bucket, type Resolution } from '../../../core/telemetry/rollup.js';
import type {
  BucketQuery, NewSeries, QuantileQuery, RawPoints, SampleColumns, SeriesRecord, SeriesRepository, SeriesStats,
} from '../../../ports/series-store.js';
import type { SqlExecutor } from './client.js';
import { sqlState, UNIQUE_VIOLATION } from './errors.js';
import { toJsonObject, toNumber } from './rows.js';
import { checkLimit } from './validate.js';

/**
 * SeriesRepository over SQL (migrations/0004_series.sql), the same statements on PGlite and PostgreSQL.
 *
 * Batches go in as PostgreSQL array literals expanded by unnest(): one statement per batch whatever its size
 * (no 65535-parameter ceiling, no per-row round trip), parsed by the server's array input, which is the
 * fastest bulk path both drivers share (`pg` has no COPY without an extra package; PGlite has no COPY FROM
 * STDIN). Numbers are written with String(), which round-trips every float64 exactly.
 */

const TABLE: Readonly<Record<Resolution, string>> = { raw: 'series_samples', '1m': 'series_rollup_1m', '1h': 'series_rollup_1h' };
const SOURCE_WIDTH: Readonly<Record<Resolution, number>> = { raw: 1, '1m': RESOLUTION_MS['1m'], '1h': RESOLUTION_MS['1h'] };

/** `{1,2,3}`: a numeric array literal. Every element must be a finite number (checked by the caller's types). */
function numberArray(values: ArrayLike<number>, length: number): string {
  if (length === 0) return '{}';
  const parts = new Array<string>(length);
  for (let i = 0; i < length; i += 1) parts[i] = String(values[i]);
  return `{${parts.join(',')}}`;
}

// PostgreSQL binary COPY: signature, flags (int32), header extension length (int32); each tuple: field count
// (int16) then per field its length (int32) and big-endian bytes; trailer: int16 -1.
const COPY_SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const COPY_HEADER = COPY_SIGNATURE.length + 8;
const SAMPLE_TUPLE = 2 + 3 * (4 + 8);
const TWO_32 = 2 ** 32;

/** The columns as a binary COPY stream of (series_id bigint, ts bigint, value float8) tuples. */
function sampleCopyData(samples: SampleColumns): Buffer {
  const n = samples.length;
  const buf = Buffer.allocUnsafe(COPY_HEADER + n * SAMPLE_TUPLE + 2);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < COPY_SIGNATURE.length; i += 1) buf[i] = COPY_SIGNATURE[i] as number;
  view.setInt32(COPY_SIGNATURE.length, 0);
  view.setInt32(COPY_SIGNATURE.length + 4, 0);
  let o = COPY_HEADER;
  const { seriesIds, ts, values } = samples;
  for (let i = 0; i < n; i += 1) {
    view.setInt16(o, 3);
    // int64 as two 32-bit halves (safe integers only, checked by checkColumns): no BigInt per value.
    const id = seriesIds[i] as number;
    const idHigh = Math.floor(id / TWO_32);
    view.setInt32(o + 2, 8);
    view.setInt32(o + 6, idHigh);
    view.setUint32(o + 10, id - idHigh * TWO_32);
    const t = ts[i] as number;
    const tHigh = Math.floor(t / TWO_32);
    view.setInt32(o + 14, 8);
    view.setInt32(o + 18, tHigh);
    view.setUint32(o + 22, t - tHigh * TWO_32);
    view.setInt32(o + 26, 8);
    view.setFloat64(o + 30, values[i] as number);
    o += SAMPLE_TUPLE;
  }
  view.setInt16(o, -1);
  return buf;
}

function checkColumns(samples: SampleColumns): void {
  const n = samples.length;
  if (samples.seriesIds.length < n || samples.ts.length < n || samples.values.length < n) {
    throw new GovError('GOV_VALIDATION', 'series.append: columns are shorter than length');
  }
  for (let i = 0; i < n; i += 1) {
    const v = samples.values[i] as number;
    if (!Number.isFinite(v)) throw new GovError('GOV_VALIDATION', `series.append: sample ${i} has a non-finite value`, { details: { index: i } });
    if (!Number.isSafeInteger(samples.ts[i]) || !Number.isSafeInteger(samples.seriesIds[i])) {
      throw new GovError('GOV_VALIDATION', `series.append: sample ${i} has a timestamp or series id that is not an integer`, { details: { index: i } });
    }
  }
}

function checkRange(from: number, to: number, what: string): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new GovError('GOV_VALIDATION', `${what}: from and to must be integers (Unix ms)`);
}

interface BucketRow { series_id: unknown; ts: unknown; count: unknown; sum: unknown; min: unknown; max: unknown }

export class SqlSeriesRepository implements SeriesRepository {
  constructor(private readonly db: SqlExecutor) {}

  async ensure(series: readonly NewSeries[]): Promise<number[]> {
    if (series.length === 0) return [];
    const payload = series.map((s) => ({ fingerprint: s.fingerprint, metric: s.metric, labels: s.labels }));
    const json = JSON.stringify(payload);
    await this.db.query(
      `INSERT INTO series (fingerprint, metric, labels)
       SELECT r.fingerprint, r.metric, r.labels FROM jsonb_to_recordset($1::jsonb) AS r(fingerprint text, metric text, labels jsonb)
       ORDER BY r.fingerprint
       ON CONFLICT (fingerprint) DO NOTHING`, [json]);
    const rows = await this.db.query<{ id: unknown; fingerprint: string }>(
      `SELECT s.id, s.fingerprint FROM series s
       WHERE s.fingerprint IN (SELECT r.fingerprint FROM jsonb_to_recordset($1::jsonb) AS r(fingerprint text))`,
      [JSON.stringify(payload.map((p) => ({ fingerprint: p.fingerprint })))]);
    const ids = new Map(rows.map((r) => [r.fingerprint, toNumber(r.id, 'series.id')]));
    return series.map((s) => {
      const id = ids.get(s.fingerprint);
      if (id === undefined) throw new Error(`series.ensure: ${s.fingerprint} was not registered`);
      return id;
    });
  }

  async list(options: { afterId?: number; limit: number }): Promise<SeriesRecord[]> {
    checkLimit(options.limit, 100_000, 'series.list');
    const rows = await this.db.query<{ id: unknown; fingerprint: string; metric: string; labels: unknown }>(
      'SELECT id, fingerprint, metric, labels FROM series WHERE id > $1 ORDER BY id LIMIT $2',
      [options.afterId ?? 0, options.limit]);
    return rows.map((r) => ({
      id: toNumber(r.id, 'series.id'),
      fingerprint: r.fingerprint,
      metric: r.metric,
      labels: Object.fromEntries(Object.entries(toJsonObject(r.labels, 'series.labels')).map(([k, v]) => [k, String(v)])),
    }));
  }

  async append(samples: SampleColumns): Promise<void> {
    if (samples.length === 0) return;
    checkColumns(samples);
    try {
      await this.db.copyBinary('series_samples', ['series_id', 'ts', 'value'], sampleCopyData(samples));
      return;
    } catch (error) {
      if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
      // Some sample is stored already: nothing of this COPY was; write the batch keeping the stored values.
    }
    await this.db.query(
      `INSERT INTO series_samples (series_id, ts, value)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])
       ON CONFLICT (series_id, ts) DO NOTHING`,
      [numberArray(samples.seriesIds, samples.length), numberArray(samples.ts, samples.length), numberArray(samples.values, samples.length)]);
  }

  async samples(seriesIds: readonly number[], from: number, to: number): Promise<Map<number, RawPoints>> {
    checkRange(from, to, 'series.samples');
    const out = new Map<number, { ts: number[]; values: number[] }>();
    if (seriesIds.length === 0 || to <= from) return out;
    const rows = await this.db.query<{ series_id: unknown; ts: unknown; value: unknown }>(
      `SELECT series_id, ts, value FROM series_samples
       WHERE series_id = ANY($1::bigint[]) AND ts >= $2 AND ts < $3 ORDER BY series_id, ts`,
      [numberArray(seriesIds, seriesIds.length), from, to]);
    for (const r of rows) {
      const id = toNumber(r.series_id, 'series_id');
      let points = out.get(id);
      if (points === undefined) { points = { ts: [], values: [] }; out.set(id, points); }
      points.ts.push(toNumber(r.ts, 'ts'));
      points.values.push(toNumber(r.value, 'value'));
    }
    return out;
  }

  async buckets(query: BucketQuery): Promise<Map<number, Bucket[]>> {
    const { source, width, seriesIds, from, to } = query;
    checkRange(from, to, 'series.buckets');
    const sourceWidth = SOURCE_WIDTH[source];
    if (!Number.isSafeInteger(width) || width <= 0 || width % sourceWidth !== 0) {
      throw new GovError('GOV_VALIDATION', `series.buckets: width ${width} is not a multiple of the ${source} width ${sourceWidth}`);
    }
    const out = new Map<number, Bucket[]>();
    if (seriesIds.length === 0 || to <= from) return out;
    const params = [numberArray(seriesIds, seriesIds.length), from, to];
    let rows: BucketRow[];
    if (source === 'raw') {
      rows = await this.db.query<BucketRow>(
        `SELECT series_id, ts - ((ts % ${width}) + ${width}) % ${width} AS ts, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
         FROM series_samples WHERE series_id = ANY($1::bigint[]) AND ts >= $2 AND ts < $3
         GROUP BY 1, 2 ORDER BY 1, 2`, params);
    } else if (width === sourceWidth) {
      rows = await this.db.query<BucketRow>(
        `SELECT series_id, ts, count, sum, min, max FROM ${TABLE[source]}
         WHERE series_id = ANY($1::bigint[]) AND ts >= $2 AND ts < $3 ORDER BY series_id, ts`, params);
    } else {
      rows = await this.db.query<BucketRow>(
        `SELECT series_id, ts - ((ts % ${width}) + ${width}) % ${width} AS ts, sum(count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
         FROM ${TABLE[source]} WHERE series_id = ANY($1::bigint[]) AND ts >= $2 AND ts < $3
         GROUP BY 1, 2 ORDER BY 1, 2`, params);
    }
    for (const r of rows) {
      const id = toNumber(r.series_id, 'series_id');
      let list = out.get(id);
      if (list === undefined) { list = []; out.set(id, list); }
      list.push({
        ts: toNumber(r.ts, 'ts'), count: toNumber(r.count, 'count'), sum: toNumber(r.sum, 'sum'),
        min: toNumber(r.min, 'min'), max: toNumber(r.max, 'max'),
      });
    }
    return out;
  }

  async quantiles(query: QuantileQuery): Promise<Map<number, Array<[number, number]>>> {
    const { seriesIds, segments, from, step, q } = query;
    checkRange(from, from, 'series.quantiles');
    if (!Number.isSafeInteger(step) || step <= 0 || !(q > 0 && q <= 1)) throw new GovError('GOV_VALIDATION', 'series.quantiles: step must be a positive integer and q in (0, 1]');
    const out = new Map<number, Array<[number, number]>>();
    const parts: string[] = [];
    const params: unknown[] = [numberArray(seriesIds, seriesIds.length), from, step, q];
    for (const seg of segments) {
      checkRange(seg.from, seg.to, 'series.quantiles');
      if (seg.to <= seg.from) continue;
      params.push(seg.from, seg.to);
      const a = `$${params.length - 1}`;
      const b = `$${params.length}`;
      parts.push(seg.source === 'raw'
        ? `SELECT series_id, ts - ((ts % 60000) + 60000) % 60000 AS ts, avg(value) AS mean, count(*) AS n
           FROM series_samples WHERE series_id = ANY($1::bigint[]) AND ts >= ${a} AND ts < ${b} GROUP BY 1, 2`
        : `SELECT series_id, ts, sum / count AS mean, count AS n FROM ${TABLE[seg.source]}
           WHERE series_id = ANY($1::bigint[]) AND ts >= ${a} AND ts < ${b}`);
    }
    if (seriesIds.length === 0 || parts.length === 0) return out;
    const rows = await this.db.query<{ series_id: unknown; k: unknown; mean: unknown }>(
      `WITH b AS (${parts.join(' UNION ALL ')}),
       c AS (
         SELECT series_id, (ts - $2::bigint) / $3::bigint AS k, mean,
                sum(n) OVER (PARTITION BY series_id, (ts - $2::bigint) / $3::bigint ORDER BY mean ROWS UNBOUNDED PRECEDING) AS cum,
                sum(n) OVER (PARTITION BY series_id, (ts - $2::bigint) / $3::bigint) AS total
         FROM b WHERE ts >= $2::bigint)
       SELECT DISTINCT ON (series_id, k) series_id, k, mean FROM c
       WHERE cum >= ceil($4::float8 * total) ORDER BY series_id, k, cum`, params);
    for (const r of rows) {
      const id = toNumber(r.series_id, 'series_id');
      let list = out.get(id);
      if (list === undefined) { list = []; out.set(id, list); }
      list.push([from + toNumber(r.k, 'k') * step, toNumber(r.mean, 'mean')]);
    }
    return out;
  }

  async rollup(target: Exclude<Resolution, 'raw'>, from: number, to: number): Promise<number> {
    const width = RESOLUTION_MS[target];
    checkRange(from, to, 'series.rollup');
    if (from % width !== 0 || to % width !== 0) throw new GovError('GOV_VALIDATION', `series.rollup: from and to must be multiples of ${width}`);
    if (to <= from) return 0;
    const select = target === '1m'
      ? `SELECT series_id, ts - ts % ${width} AS b, count(*), sum(value), min(value), max(value)
         FROM series_samples WHERE ts >= $1 AND ts < $2 GROUP BY series_id, b`
      : `SELECT series_id, ts - ts % ${width} AS b, sum(count), sum(sum), min(min), max(max)
         FROM series_rollup_1m WHERE ts >= $1 AND ts < $2 GROUP BY series_id, b`;
    const rows = await this.db.query<{ n: unknown }>(
      `WITH written AS (
         INSERT INTO ${TABLE[target]} (series_id, ts, count, sum, min, max)
         ${select}
         ON CONFLICT (series_id, ts) DO UPDATE SET count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max
         RETURNING 1)
       SELECT count(*) AS n FROM written`, [from, to]);
    return toNumber(rows[0]?.n ?? 0, 'count');
  }

  async deleteBefore(resolution: Resolution, before: number): Promise<number> {
    checkRange(before, before, 'series.deleteBefore');
    const rows = await this.db.query<{ n: unknown }>(
      `WITH gone AS (DELETE FROM ${TABLE[resolution]} WHERE ts < $1 RETURNING 1) SELECT count(*) AS n FROM gone`, [before]);
    return toNumber(rows[0]?.n ?? 0, 'count');
  }

  async rollupWatermark(target: Exclude<Resolution, 'raw'>): Promise<number | null> {
    const rows = await this.db.query<{ done_until: unknown }>('SELECT done_until FROM series_rollup_state WHERE resolution = $1', [target]);
    return rows[0] === undefined ? null : toNumber(rows[0].done_until, 'done_until');
  }

  async setRollupWatermark(target: Exclude<Resolution, 'raw'>, until: number): Promise<void> {
    checkRange(until, until, 'series.setRollupWatermark');
    await this.db.query(
      `INSERT INTO series_rollup_state (resolution, done_until) VALUES ($1, $2)
       ON CONFLICT (resolution) DO UPDATE SET done_until = GREATEST(series_rollup_state.done_until, EXCLUDED.done_until)`,
      [target, until]);
  }

  async stats(): Promise<SeriesStats> {
    const rows = await this.db.query<{ series: unknown; raw: unknown; m: unknown; h: unknown }>(
      `SELECT (SELECT count(*) FROM series) AS series, (SELECT count(*) FROM series_samples) AS raw,
              (SELECT count(*) FROM series_rollup_1m) AS m, (SELECT count(*) FROM series_rollup_1h) AS h`);
    const r = rows[0];
    return {
      series: toNumber(r?.series ?? 0, 'series'), raw: toNumber(r?.raw ?? 0, 'raw'),
      rollup1m: toNumber(r?.m ?? 0, 'm'), rollup1h: toNumber(r?.h ?? 0, 'h'),
    };
  }
}
