import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { GovError } from '../../../core/errors.js';
import type { DecodedSeries, DecodedWriteRequest, RemoteWriteCodec } from '../../../ports/telemetry-ingest.js';
import { REMOTE_WRITE_PROTO } from './proto.js';

/**
 * Prometheus remote_write 1.0 wire format (https://prometheus.io/docs/concepts/remote_write_spec/): a protobuf
 * WriteRequest (./proto.ts, written from the spec; protobufjs' parser builds the encoder from it; the decoder
 * below is hand-written for this one message shape) compressed with snappy's BLOCK format (not the
 * framed/stream format), decoded with snappyjs.
 *
 * Decoding errors are GovError GOV_VALIDATION with `details.reason` = `bad_snappy` or `bad_protobuf`, and
 * GOV_PAYLOAD_TOO_LARGE with reason `too_large` when the snappy header announces more than `maxDecodedBytes`
 * (checked before anything is allocated, so a 100-byte body cannot make us allocate gigabytes).
 */

const root = protobuf.parse(REMOTE_WRITE_PROTO, { keepCase: true }).root;
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** Length announced by a snappy block's header (a little-endian base-128 varint), or -1 when it is malformed. */
function snappyLength(body: Uint8Array): { length: number; bytes: number } | null {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 5 && i < body.length; i += 1) {
    const c = body[i] as number;
    result += (c & 0x7f) * shift;
    if ((c & 0x80) === 0) return result > 0xffffffff ? null : { length: result, bytes: i + 1 };
    shift *= 128;
  }
  return null;
}

/** A cursor over protobuf bytes; every read checks the bounds it is given (malformed input throws RangeError). */
class Wire {
  pos = 0;
  readonly view: DataView;

  constructor(readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /**
   * A varint as a number: exact up to 2^53; larger (or negative int64) values come out inexact or huge, and
   * as timestamps they are refused later as unsafe integers (bad_timestamp).
   */
  varint(limit: number): number {
    const b = this.b;
    if (this.pos >= limit) throw new RangeError('a varint runs past the end of its field');
    let c = b[this.pos] as number;
    this.pos += 1;
    if (c < 0x80) return c;
    let result = c & 0x7f;
    let scale = 128;
    for (let i = 1; i < 10; i += 1) {
      if (this.pos >= limit) throw new RangeError('a varint runs past the end of its field');
      c = b[this.pos] as number;
      this.pos += 1;
      result += (c & 0x7f) * scale;
      if (c < 0x80) return result;
      scale *= 128;
    }
    throw new RangeError('a varint is longer than 10 bytes');
  }

  /** The end of a length-delimited field starting here, checked against `limit`. */
  end(limit: number, what: string): number {
    const len = this.varint(limit);
    const end = this.pos + len;
    if (end > limit) throw new RangeError(`${what} runs past the end of its parent`);
    return end;
  }

  /** Skip a field of an unknown number (protobuf requires it), by its wire type. */
  skip(wireType: number, limit: number, depth = 0): void {
    if (wireType === 0) this.varint(limit);
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos = this.end(limit, 'a field');
    else if (wireType === 5) this.pos += 4;
    else if (wireType === 3 && depth < 32) { // a group (proto2): skip to its end-group tag
      for (;;) {
        const tag = this.varint(limit);
        if ((tag & 7) === 4) break;
        this.skip(tag & 7, limit, depth + 1);
      }
    } else throw new RangeError(`invalid wire type ${wireType}`);
    if (this.pos > limit) throw new RangeError('a field runs past the end of its parent');
  }
}

/** Check a Label message's structure (so that decoding it later cannot fail) without making any string. */
function checkLabel(w: Wire, end: number): void {
  while (w.pos < end) {
    const t = w.varint(end);
    if (t === 10 || t === 18) w.pos = w.end(end, 'a label name or value');
    else w.skip(t & 7, end);
  }
}

/** The label pairs of the Label messages in [start, end) (structure already checked; other fields skipped). */
function decodeLabels(bytes: Uint8Array, start: number, end: number): Array<readonly [string, string]> {
  const w = new Wire(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const labels: Array<readonly [string, string]> = [];
  w.pos = start;
  while (w.pos < end) {
    const t = w.varint(end);
    if (t !== 10) { w.skip(t & 7, end); continue; }
    const lend = w.end(end, 'a label');
    let name = '';
    let value = '';
    while (w.pos < lend) {
      const lt = w.varint(lend);
      if (lt === 10 || lt === 18) {
        const send = w.end(lend, 'a label name or value');
        const text = buf.toString('utf8', w.pos, send);
        if (lt === 10) name = text;
        else value = text;
        w.pos = send;
      } else w.skip(lt & 7, lend);
    }
    labels.push([name, value]);
  }
  return labels;
}

/**
 * A decoded series whose labels are a contiguous run of the request's bytes (as every Prometheus sends them):
 * the label strings are made only when something reads `labels`, which the receiver does only for a series
 * it has not seen with these exact bytes before.
 */
class WireSeries implements DecodedSeries {
  #labels: Array<readonly [string, string]> | undefined;

  constructor(
    readonly wireBytes: Uint8Array,
    readonly wireStart: number,
    readonly wireEnd: number,
    readonly ts: number[],
    readonly values: number[],
  ) {}

  get labels(): ReadonlyArray<readonly [string, string]> {
    this.#labels ??= decodeLabels(this.wireBytes, this.wireStart, this.wireEnd);
    return this.#labels;
  }
}

/**
 * Decode a WriteRequest straight from its bytes into sample columns, with no object per label or sample and
 * no string at all for the labels (see WireSeries); the whole structure is checked here, so anything malformed
 * throws now, never later. Field numbers and wire types are those of ./proto.ts; unknown fields are skipped,
 * as protobuf requires (remote_write 1.0 senders may add metadata, exemplars, histograms).
 */
function decodeWriteRequest(raw: Uint8Array): DecodedWriteRequest {
  const w = new Wire(raw);
  const view = w.view;
  const len = raw.length;
  const series: DecodedSeries[] = [];
  let staleMarkers = 0;
  while (w.pos < len) {
    const tag = w.varint(len);
    if (tag !== 10) { w.skip(tag & 7, len); continue; } // timeseries = 1, length-delimited
    const end = w.end(len, 'a time series');
    const seriesStart = w.pos;
    let labelsStart = -1;
    let labelsEnd = -1;
    let contiguous = true;
    const ts: number[] = [];
    const values: number[] = [];
    while (w.pos < end) {
      const fieldStart = w.pos;
      const t = w.varint(end);
      if (t === 10) { // labels = 1
        const lend = w.end(end, 'a label');
        checkLabel(w, lend);
        if (labelsStart < 0) labelsStart = fieldStart;
        else if (labelsEnd !== fieldStart) contiguous = false;
        labelsEnd = lend;
      } else if (t === 18) { // samples = 2
        const send = w.end(end, 'a sample');
        let value = 0;
        let stale = false;
        let timestamp = 0;
        while (w.pos < send) {
          const st = w.varint(send);
          if (st === 9) {
            if (w.pos + 8 > send) throw new RangeError('a sample value runs past the end of its sample');
            // Staleness marker (0x7ff0000000000002) recognised on the wire bytes: see DecodedWriteRequest.
            stale = view.getUint32(w.pos, true) === 2 && view.getUint32(w.pos + 4, true) === 0x7ff00000;
            value = view.getFloat64(w.pos, true);
            w.pos += 8;
          } else if (st === 16) timestamp = w.varint(send);
          else w.skip(st & 7, send);
        }
        if (stale) staleMarkers += 1;
        else {
          ts.push(timestamp);
          values.push(value);
        }
      } else w.skip(t & 7, end);
    }
    if (labelsStart < 0) series.push({ labels: [], ts, values });
    else if (contiguous) series.push(new WireSeries(raw, labelsStart, labelsEnd, ts, values));
    else series.push({ labels: decodeLabels(raw, seriesStart, end), ts, values });
  }
  return { series, staleMarkers };
}

/**
 * Walk a snappy block's elements (https://github.com/google/snappy/blob/main/format_description.txt) without
 * copying anything and say whether they are well formed: every literal inside the input, every copy's offset
 * inside what was written so far, the output exactly `length` bytes. snappyjs 0.7 trusts its input: a literal
 * whose 4-byte length has the top bit set becomes a negative length and moves its read position backwards,
 * looping forever (found by test/telemetry/fuzz.test.ts), and output past the announced length is silently
 * dropped. So only streams that pass this check reach it.
 */
export function isWellFormedSnappy(body: Uint8Array, headerBytes: number, length: number): boolean {
  let pos = headerBytes;
  let out = 0;
  const n = body.length;
  while (pos < n) {
    const c = body[pos] as number;
    pos += 1;
    const tag = c & 0x3;
    let len: number;
    if (tag === 0) {
      len = (c >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > n) return false;
        len = 0;
        for (let k = extra - 1; k >= 0; k -= 1) len = len * 256 + (body[pos + k] as number);
        len += 1;
        pos += extra;
      }
      if (pos + len > n) return false;
      pos += len;
    } else {
      let offset: number;
      if (tag === 1) {
        if (pos + 1 > n) return false;
        len = ((c >>> 2) & 0x7) + 4;
        offset = (body[pos] as number) + ((c >>> 5) << 8);
        pos += 1;
      } else if (tag === 2) {
        if (pos + 2 > n) return false;
        len = (c >>> 2) + 1;
        offset = (body[pos] as number) + (body[pos + 1] as number) * 256;
        pos += 2;
      } else {
        if (pos + 4 > n) return false;
        len = (c >>> 2) + 1;
        offset = (body[pos] as number) + (body[pos + 1] as number) * 256 + (body[pos + 2] as number) * 65_536 + (body[pos + 3] as number) * 16_777_216;
        pos += 4;
      }
      if (offset === 0 || offset > out) return false;
    }
    out += len;
    if (out > length) return false;
  }
  return out === length;
}

export function createRemoteWriteCodec(options: { maxDecodedBytes: number }): RemoteWriteCodec {
  const max = options.maxDecodedBytes;
  return {
    decode(body: Uint8Array): DecodedWriteRequest {
      const header = snappyLength(body);
      if (header === null) throw new GovError('GOV_VALIDATION', 'the body is not snappy block-compressed (bad length header)', { details: { reason: 'bad_snappy' } });
      const announced = header.length;
      if (announced > max) {
        throw new GovError('GOV_PAYLOAD_TOO_LARGE', `the body decompresses to ${announced} bytes, more than telemetry.max_decoded_bytes (${max})`, {
          details: { reason: 'too_large', limit: max, announced },
        });
      }
      if (!isWellFormedSnappy(body, header.bytes, announced)) {
        throw new GovError('GOV_VALIDATION', 'the body is not valid snappy block-compressed data (corrupt or truncated stream)', { details: { reason: 'bad_snappy' } });
      }
      let raw: Uint8Array;
      try {
        raw = snappy.uncompress(body, max);
      } catch (error) {
        throw new GovError('GOV_VALIDATION', `the body is not valid snappy block-compressed data: ${(error as Error).message}`, { details: { reason: 'bad_snappy' }, cause: error });
      }
      try {
        return decodeWriteRequest(raw);
      } catch (error) {
        throw new GovError('GOV_VALIDATION', `the body is not a remote_write WriteRequest: ${(error as Error).message}`, { details: { reason: 'bad_protobuf' }, cause: error });
      }
    },
  };
}

/** A snappy-compressed WriteRequest, as Prometheus sends it (for tests, the benchmark's load generator and tools). */
export function encodeWriteRequest(series: ReadonlyArray<{
  readonly labels: ReadonlyArray<readonly [string, string]>; readonly ts: readonly number[]; readonly values: readonly number[];
}>): Uint8Array {
  const message = {
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.ts.map((t, i) => ({ value: s.values[i], timestamp: t })),
    })),
  };
  return snappy.compress(WriteRequest.encode(WriteRequest.create(message)).finish());
}

/** The protobuf bytes alone, not compressed (for tests of the snappy layer). */
export function encodeWriteRequestProto(series: Parameters<typeof encodeWriteRequest>[0]): Uint8Array {
  return snappy.uncompress(encodeWriteRequest(series));
}
