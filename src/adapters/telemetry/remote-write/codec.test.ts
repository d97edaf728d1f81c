import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { isGovError } from '../../../core/errors.js';
import { createRemoteWriteCodec, encodeWriteRequest, encodeWriteRequestProto, isWellFormedSnappy } from './codec.js';

const codec = createRemoteWriteCodec({ maxDecodedBytes: 1 << 20 });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isGovError(error) ? `${error.code}:${(error.details as { reason?: string }).reason}` : `non-GovError: ${String(error)}`;
  }
}

describe('remote_write codec', () => {
  it('round-trips a WriteRequest, int64 timestamps and float64 values exactly', () => {
    const series = [
      { labels: [['__name__', 'a'], ['job', 'x']] as Array<[string, string]>, ts: [1_767_225_600_123, 1_767_225_615_000], values: [0.1 + 0.2, -1e-300] },
      { labels: [['__name__', 'b']] as Array<[string, string]>, ts: [], values: [] },
    ];
    const decoded = codec.decode(encodeWriteRequest(series));
    expect(decoded.staleMarkers).toBe(0);
    // `labels` may be a getter (decoded on first read): compare what a reader sees.
    expect(decoded.series.map((s) => ({ labels: s.labels, ts: s.ts, values: s.values }))).toEqual(series.map((s) => ({ labels: s.labels, ts: s.ts, values: s.values })));
    expect(decoded.series[0]?.wireBytes).toBeDefined();
  });

  it('accepts every stream snappy itself produces, of every size', () => {
    for (const size of [0, 1, 59, 60, 61, 255, 256, 65_535, 65_536, 70_000]) {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 13));
      const packed = snappy.compress(data);
      const header = packed[0]! < 128 ? 1 : packed[1]! < 128 ? 2 : 3;
      expect(isWellFormedSnappy(packed, header, size), `size ${size}`).toBe(true);
    }
  });

  it.each([
    // A literal whose 4-byte length has its top bit set: snappyjs 0.7 loops forever on this one.
    ['a 4-byte literal length with the top bit set', Buffer.from([0x43, 0xfc, 0x9e, 0x9f, 0x13, 0xc7, 0x28, 0x7c])],
    ['a copy before anything was written', Buffer.from([0x08, 0x01, 0x01])],
    ['a literal longer than the input', Buffer.from([0x05, 0x10, 0x61])],
    ['more output than announced', Buffer.from([0x01, 0x04, 0x61, 0x62])],
    ['less output than announced', Buffer.from([0x05, 0x00, 0x61])],
    ['no header at all', Buffer.alloc(0)],
    ['an unterminated header', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])],
  ])('refuses %s as bad_snappy (and returns)', (_name, body) => {
    expect(codeOf(() => codec.decode(body))).toBe('GOV_VALIDATION:bad_snappy');
  });

  it('refuses a stream announcing more than max_decoded_bytes before allocating, and a protobuf that is not one', () => {
    expect(codeOf(() => codec.decode(Buffer.from([0x80, 0x80, 0x80, 0x04, 0x00])))).toBe('GOV_PAYLOAD_TOO_LARGE:too_large');
    expect(codeOf(() => codec.decode(snappy.compress(Buffer.from([0x0a, 0xff, 0x01]))))).toBe('GOV_VALIDATION:bad_protobuf');
    expect(codeOf(() => codec.decode(encodeWriteRequestProto([{ labels: [['__name__', 'x']], ts: [1], values: [1] }])))).toBe('GOV_VALIDATION:bad_snappy');
  });
});
