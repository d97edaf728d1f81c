import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceCsv, parseTraceTime } from '../../src/adapters/trace/csv.js';
import { GovError } from '../../src/core/errors.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'gov-trace-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function rejection(promise: Promise<unknown>): Promise<GovError> {
  try { await promise; } catch (error) { if (error instanceof GovError) return error; throw error; }
  throw new Error('expected a rejection');
}

describe('parseTraceTime', () => {
  it.each([
    ['1767225600', 1767225600, false],
    ['1662859176.5', 1662859176.5, false],
    ['2026-01-01T00:00:00Z', 1767225600, false],
    ['2026-01-01T01:00:00+01:00', 1767225600, false],
    ['2026-01-01 00:00', 1767225600, true],
    ['2026-01-01', 1767225600, true],
  ])('%s', (text, seconds, noOffset) => {
    expect(parseTraceTime(text)).toEqual({ seconds, noOffset });
  });
  it.each(['yesterday', '2026-02-30', '2026-13-01T00:00:00Z', ''])('rejects %j', (text) => {
    expect(parseTraceTime(text)).toBeUndefined();
  });
});

describe('readTraceCsv', () => {
  it('reads a regular file with default columns unchanged', async () => {
    const p = await file('regular.csv', 't,v\n0,1\n60,2\n120,3\n');
    const trace = await readTraceCsv(p);
    expect(trace).toEqual({ timestamps: [0, 60, 120], values: [1, 2, 3], stepSeconds: 60, resampled: false, warnings: [] });
  });

  it('picks columns by name and reads ISO times without offset as UTC', async () => {
    const p = await file('named.csv', 'minute,requests,other\n1995-07-01 00:00,42,x\n1995-07-01 00:01,61,y\n1995-07-01 00:02,50,z\n');
    const trace = await readTraceCsv(p, { timeColumn: 'minute', valueColumn: 'requests' });
    expect(trace.timestamps[0]).toBe(Date.UTC(1995, 6, 1) / 1000);
    expect(trace.values).toEqual([42, 61, 50]);
    expect(trace.warnings.join(' ')).toMatch(/no UTC offset/);
  });

  it('resamples irregular, unsorted, duplicated rows and fills gaps and NaN', async () => {
    const p = await file('irregular.csv', 'ts,qps\n120,3\n0,1\n0,1\n60,NaN\n305,6\n360,7\n420,8\n480,9\n');
    const trace = await readTraceCsv(p);
    expect(trace.stepSeconds).toBe(60);
    expect(trace.resampled).toBe(true);
    expect(trace.timestamps).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480]);
    expect(trace.values[0]).toBe(2); // duplicates summed
    expect(trace.values[1]).toBeCloseTo(2.5); // NaN interpolated between 2 and 3
    expect(trace.values[3]).toBeCloseTo(4); // gap filled linearly from 3 to 6
    expect(trace.values.every(Number.isFinite)).toBe(true);
    expect(trace.warnings.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['bad time', 't,v\n0,1\nnoon,2\n', /bad-time\.csv:3: "noon" is not an ISO 8601/],
    ['bad value', 't,v\n0,1\n60,abc\n', /bad-value\.csv:3: "abc" is not a finite number/],
    ['missing column', 't,v\n0,1\n60,2\n', /missing-column\.csv:1: no column named "qps"/],
    ['one row', 't,v\n0,1\n', /one-row\.csv:2: a trace needs at least two data rows/],
    ['empty', '', /empty\.csv:1: the file is empty/],
    ['all nan', 't,v\n0,NaN\n60,\n', /all-nan\.csv:2: no row has a numeric value/],
    ['short row', 't,v\n0,1\n60\n', /short-row\.csv:3: the row has 1 column/],
    ['stray timestamp', 't,v\n0,1\n1,2\n2,3\n99999999999,4\n', /stray-timestamp\.csv: the series spans/],
  ])('rejects %s with GOV_VALIDATION naming file:line', async (name, text, message) => {
    const p = await file(`${name.replace(/ /g, '-')}.csv`, text);
    const error = await rejection(readTraceCsv(p, name === 'missing column' ? { valueColumn: 'qps' } : {}));
    expect(error.code).toBe('GOV_VALIDATION');
    expect(error.message).toMatch(message);
  });

  it('rejects a missing file', async () => {
    const error = await rejection(readTraceCsv(join(dir, 'nope.csv')));
    expect(error.code).toBe('GOV_VALIDATION');
    expect(error.message).toMatch(/nope\.csv: cannot read the trace file \(ENOENT\)/);
  });

  const nasa = '../shared/data/workloads/nasa_http_1995/nasa_requests_per_minute.csv';
  it.runIf(existsSync(nasa) || process.env.CI === 'true')('reads the real NASA 1995 trace, filling its missing days', async () => {
    const trace = await readTraceCsv(nasa, { valueColumn: 'requests' });
    expect(trace.stepSeconds).toBe(60);
    expect(trace.timestamps.length).toBeGreaterThan(84_334); // Jul 28 – Aug 1 has no rows: interpolated
    expect(trace.resampled).toBe(true);
    expect(trace.values.every(Number.isFinite)).toBe(true);
  });
});
