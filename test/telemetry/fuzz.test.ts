/**
 * Fuzz-style tests of the remote_write endpoint (issue #5): random, truncated and bit-flipped payloads from a
 * seeded PRNG (replayable: the seed is in the test name). Every answer must be a 2xx or 4xx, never a 5xx,
 * the server must keep serving, and valid requests must still be stored afterwards.
 */
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteWriteCodec, encodeWriteRequest } from '../../src/adapters/telemetry/remote-write/index.js';
import { isGovError } from '../../src/core/errors.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { metricValue, prng, remoteWrite } from './helpers.js';

const SEED = 20260105;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ telemetry: { overrides: { ack: 'queued', maxBodyBytes: 256 * 1024, maxDecodedBytes: 1024 * 1024 } } });
});
afterAll(async () => server?.close());

function validPayload(rand: () => number, n: number): Uint8Array {
  const now = Date.now();
  return encodeWriteRequest(Array.from({ length: n }, (_, i) => ({
    labels: [['__name__', `fuzz_metric_${i % 5}`], ['node', `n${Math.floor(rand() * 50)}`], ['run', String(Math.floor(rand() * 1e9))]] as Array<[string, string]>,
    ts: [now - 1000, now],
    values: [rand() * 100, rand() * 100],
  })));
}

/** One adversarial body, of the kind `kind` picks. */
function mutant(rand: () => number): { kind: string; body: Buffer } {
  const int = (n: number) => Math.floor(rand() * n);
  const randomBytes = (len: number) => Buffer.from(Array.from({ length: len }, () => int(256)));
  const valid = Buffer.from(validPayload(rand, 1 + int(20)));
  switch (int(6)) {
    case 0: return { kind: 'random bytes', body: randomBytes(int(3000)) };
    case 1: return { kind: 'truncated', body: valid.subarray(0, int(valid.length)) };
    case 2: {
      const b = Buffer.from(valid);
      for (let k = 0, flips = 1 + int(8); k < flips; k += 1) {
        const at = int(b.length);
        b[at] = (b[at] ?? 0) ^ (1 << int(8));
      }
      return { kind: 'bit flips', body: b };
    }
    case 3: return { kind: 'snappy(random)', body: Buffer.from(snappy.compress(randomBytes(int(5000)))) };
    case 4: {
      // Valid snappy around a truncated or corrupted protobuf.
      const proto = Buffer.from(snappy.uncompress(valid));
      const cut = proto.subarray(0, int(proto.length));
      if (cut.length > 0) cut[int(cut.length)] = int(256);
      return { kind: 'snappy(bad protobuf)', body: Buffer.from(snappy.compress(cut)) };
    }
    default: {
      // A header announcing a huge decompressed size, then junk.
      return { kind: 'lying length header', body: Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), randomBytes(int(100))]) };
    }
  }
}

describe('remote_write fuzzing', () => {
  it(`answers 600 adversarial bodies (seed ${SEED}) with 2xx/4xx only and keeps serving`, async () => {
    const rand = prng(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 600; i += 1) {
      const { kind, body } = mutant(rand);
      const res = await server.app.inject({ ...remoteWrite(server.tokens.ingest, []), payload: body });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `case ${i} (${kind}): ${res.body}`).toBeLessThan(500);
      if (res.statusCode >= 400) expect(res.json().error.code, `case ${i} (${kind})`).toMatch(/^GOV_/);
    }
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(await metricValue(server.app, 'governator_ingest_rejected_total', { reason: 'bad_snappy' })).toBeGreaterThan(0);

    // Still works: a valid request after the storm is stored.
    const t = Date.now();
    const ok = await server.app.inject(remoteWrite(server.tokens.ingest, [{ labels: [['__name__', 'after_fuzz']], ts: [t], values: [1] }]));
    expect(ok.statusCode).toBe(204);
    // Nothing the storm let through may wedge the write path (a batch the database refuses would).
    expect(await server.telemetry.pipeline.flush()).toBe(0);
    const stored = await server.store.series.samples(server.telemetry.query.match({ metric: 'after_fuzz' }).map((e) => e.id!), t, t + 1);
    expect([...stored.values()][0]?.values).toEqual([1]);
  }, 120_000);

  it('decodes 20000 random inputs with nothing but GovErrors thrown', () => {
    const codec = createRemoteWriteCodec({ maxDecodedBytes: 1 << 20 });
    const rand = prng(SEED + 1);
    let decoded = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const { body } = mutant(rand);
      try {
        codec.decode(body);
        decoded += 1;
      } catch (error) {
        if (!isGovError(error)) throw new Error(`input ${i} threw a non-GovError: ${String(error)}`);
        expect(['GOV_VALIDATION', 'GOV_PAYLOAD_TOO_LARGE']).toContain(error.code);
      }
    }
    expect(decoded).toBeGreaterThan(0); // some mutants are still valid messages
  });
});
