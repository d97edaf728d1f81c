import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { GovError } from '../../../core/errors.js';
import { isStaleMarker } from '../../../core/telemetry/sample.js';
import type { DecodedSeries, DecodedWriteRequest, RemoteWriteCodec } from '../../../ports/telemetry-ingest.js';
import { REMOTE_WRITE_PROTO } from './proto.js';

/**
 * Prometheus remote_write 1.0 wire format (https://prometheus.io/docs/concepts/remote_write_spec/): a protobuf
 * WriteRequest (./proto.ts, written from the spec; protobufjs' parser builds the encoder from it, its Reader
 * drives the decoder below) compressed with
 * snappy's BLOCK format (not the framed/stream format), decoded with snappyjs.
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

/**
 * Decode a WriteRequest with protobufjs' Reader, straight into label pairs and sample columns: no message
 * object per label and sample, no Long per timestamp (the reflection decoder made decoding the largest cost of
 * ingestion). Field numbers and wire types are those of ./proto.ts; unknown fields are skipped, as protobuf
 * requires (remote_write 1.0 senders may add metadata, exemplars, histograms). Throws on malformed input.
 */
function decodeWriteRequest(raw: Uint8Array): DecodedWriteRequest {
  const r = protobuf.Reader.create(raw);
  const series: DecodedSeries[] = [];
  let staleMarkers = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) { // timeseries = 1, length-delimited
      const end = r.uint32() + r.pos;
      if (end > r.len) throw new RangeError('a time series runs past the end of the message');
      const labels: Array<readonly [string, string]> = [];
      const ts: number[] = [];
      const values: number[] = [];
      while (r.pos < end) {
        const t = r.uint32();
        if (t === 10) { // labels = 1
          const lend = r.uint32() + r.pos;
          if (lend > end) throw new RangeError('a label runs past the end of its series');
          let name = '';
          let value = '';
          while (r.pos < lend) {
            const lt = r.uint32();
            if (lt === 10) name = r.string();
            else if (lt === 18) value = r.string();
            else r.skipType(lt & 7);
          }
          labels.push([name, value]);
        } else if (t === 18) { // samples = 2
          const send = r.uint32() + r.pos;
          if (send > end) throw new RangeError('a sample runs past the end of its series');
          let value = 0;
          let timestamp = 0;
          while (r.pos < send) {
            const st = r.uint32();
            if (st === 9) value = r.double();
            else if (st === 16) timestamp = readVarint(r);
            else r.skipType(st & 7);
          }
          // Checked here, before the value goes into an array (see DecodedWriteRequest).
          if (isStaleMarker(value)) staleMarkers += 1;
          else {
            ts.push(timestamp);
            values.push(value);
          }
        } else r.skipType(t & 7);
        if (r.pos > end) throw new RangeError('a field runs past the end of its series');
      }
      series.push({ labels, ts, values });
    } else r.skipType(tag & 7);
  }
  return { series, staleMarkers };
}

/** An int64 varint as a number (exact up to 2^53; larger or negative values come out unsafe and are refused later). */
function readVarint(r: protobuf.Reader): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i += 1) {
    if (r.pos >= r.len) throw new RangeError('a varint runs past the end of the message');
    const b = r.buf[r.pos] as number;
    r.pos += 1;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return result;
    scale *= 128;
  }
  throw new RangeError('a varint is longer than 10 bytes');
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
