import type { FastifyInstance } from 'fastify';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { encodeWriteRequest } from '../../src/adapters/telemetry/remote-write/index.js';

/** The value of one series in /metrics text (0 when absent). */
export async function metricValue(app: FastifyInstance, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const head = line.slice(0, line.lastIndexOf(' '));
    if (want.every((w) => head.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

export type WireSeries = { labels: Array<[string, string]>; ts: number[]; values: number[] };

/** A remote_write request as Prometheus sends it. */
export function remoteWrite(token: string, series: WireSeries[]) {
  return {
    method: 'POST' as const,
    url: '/api/v1/write',
    headers: {
      authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    payload: Buffer.from(encodeWriteRequest(series)),
  };
}

import { prng } from '../support/prng.js';

export { prng };

/**
 * A snappy-compressed WriteRequest of one series whose samples may be Prometheus staleness markers, written
 * byte by byte: a NaN with the marker's payload cannot go through a JS array (V8 may canonicalise it).
 */
export function remoteWriteWithStale(labels: Array<[string, string]>, samples: Array<{ ts: number; value: number | 'stale' }>): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(10).fork(); // WriteRequest.timeseries = 1
  for (const [name, value] of labels) w.uint32(10).fork().uint32(10).string(name).uint32(18).string(value).ldelim();
  for (const s of samples) {
    w.uint32(18).fork(); // TimeSeries.samples = 2
    w.uint32(9); // Sample.value = 1, fixed64
    if (s.value === 'stale') w.fixed32(2).fixed32(0x7ff00000);
    else w.double(s.value);
    w.uint32(16).int64(s.ts); // Sample.timestamp = 2, varint
    w.ldelim();
  }
  w.ldelim();
  return Buffer.from(snappy.compress(w.finish()));
}
