/**
 * Sample validation, pure (issue #5). Timestamps are Unix milliseconds (Prometheus' unit); values are float64.
 *
 * Policy:
 * - NaN and ±Inf are refused (`nan`, `inf`): the planner averages and sums, and one NaN poisons a mean.
 *   Prometheus' staleness marker (a NaN with the bit pattern 0x7ff0000000000002, sent by remote_write when a
 *   series disappears) is not an error: it is recognised by {@link isStaleMarker} and skipped silently.
 * - Timestamps more than `maxFutureMs` ahead of now (`future`), older than `maxAgeMs` (`too_old`: outside raw
 *   retention they would be deleted at once), or not safe integers (`bad_timestamp`) are refused.
 * - Per series, time only moves forward: a sample older than the newest one accepted is `out_of_order`, one at
 *   the same millisecond is `duplicate` (Prometheus resends batches after a timeout; the first value wins).
 */

export type SampleRejectReason = 'nan' | 'inf' | 'bad_timestamp' | 'future' | 'too_old' | 'out_of_order' | 'duplicate';

export interface SampleWindow {
  /** Now, Unix ms. */
  readonly nowMs: number;
  /** How far ahead of now a timestamp may be. */
  readonly maxFutureMs: number;
  /** How far behind now a timestamp may be. */
  readonly maxAgeMs: number;
}

const scratch = new DataView(new ArrayBuffer(8));

/** Prometheus' staleness marker: value.StaleNaN, bits 0x7ff0000000000002. */
export function isStaleMarker(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  scratch.setFloat64(0, value);
  return scratch.getUint32(0) === 0x7ff00000 && scratch.getUint32(4) === 2;
}

/** Why this sample must not be stored, or null when it may. `lastTs`: the series' newest accepted timestamp. */
export function checkSample(ts: number, value: number, lastTs: number | undefined, window: SampleWindow): SampleRejectReason | null {
  if (!Number.isSafeInteger(ts)) return 'bad_timestamp';
  if (ts > window.nowMs + window.maxFutureMs) return 'future';
  if (ts < window.nowMs - window.maxAgeMs) return 'too_old';
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity || value === -Infinity) return 'inf';
  if (lastTs !== undefined) {
    if (ts < lastTs) return 'out_of_order';
    if (ts === lastTs) return 'duplicate';
  }
  return null;
}

/** Every reason a receiver counts in governator_ingest_rejected_total{reason} (docs/telemetry.md has the table). */
export const REJECT_REASONS = [
  // whole request (counted once per request)
  'content_type', 'too_large', 'bad_snappy', 'bad_protobuf', 'bad_json', 'backpressure',
  // whole series (counted once per sample of that series)
  'invalid_series', 'label_limits', 'cardinality_limit',
  // one sample
  'nan', 'inf', 'bad_timestamp', 'future', 'too_old', 'out_of_order', 'duplicate',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Reasons that refuse the whole request rather than some of its samples. */
export const REQUEST_REASONS: ReadonlySet<RejectReason> = new Set(['content_type', 'too_large', 'bad_snappy', 'bad_protobuf', 'bad_json', 'backpressure']);
