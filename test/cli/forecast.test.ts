/**
 * `governator forecast --trace FILE.csv [--horizon 24h] [--json] [--time-column NAME] [--value-column NAME]` as a
 * process (issue #6, docs/cli.md): the `--json` document, the human output, the trace formats, the bad-input
 * exits, and where the progress bar goes. Weights and the winning model are not pinned (the ensemble's rules
 * belong to src/core/forecast/); what the forecast must do with a clean daily cycle is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { prng } from '../support/prng.js';

const STEP = 300;
const DAY = 288; // 5-minute steps in a day
const START = Date.UTC(2026, 0, 5) / 1000; // Monday 2026-01-05T00:00:00Z
const BASE = 100;
const AMPLITUDE = 40;
const NOISE = 10; // uniform noise of ±5
/** The noise-free daily pattern at step i after START. */
const truth = (i: number): number => BASE + AMPLITUDE * Math.sin((2 * Math.PI * i) / DAY);
/** Starts the terminal control sequences a progress bar draws with. */
const ESC = String.fromCharCode(27);
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

interface Point { t: string; mean: number; lo50: number; hi50: number; lo90: number; hi90: number; lo99: number; hi99: number }
interface ForecastDoc {
  model: string;
  weights: Record<string, number>;
  points: Point[];
  periods: number[];
  stepSeconds: number;
  accuracy: Record<string, { mase: number; smape: number; points: number }>;
  window: { from: string; to: string; points: number };
  fallback: boolean;
  notes: string[];
}

let dir: string;
const files: Record<string, string> = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gov-forecast-'));
  const random = prng(42);
  // Four days of a daily cycle with noise, ISO 8601 timestamps, default columns.
  const diurnal = Array.from({ length: 4 * DAY }, (_, i) => `${iso(START + i * STEP)},${(truth(i) + NOISE * (random() - 0.5)).toFixed(3)}`);
  files.diurnal = write('diurnal.csv', `time,value\n${diurnal.join('\n')}\n`);
  // Two days, the same values as ISO (default columns) and as Unix seconds in a named third column with the
  // value in a named first column.
  const twoDays = Array.from({ length: 2 * DAY }, (_, i) => [START + i * STEP, (truth(i) + NOISE * (random() - 0.5)).toFixed(3)] as const);
  files.twoDaysIso = write('two-days-iso.csv', `time,value\n${twoDays.map(([t, v]) => `${iso(t)},${v}`).join('\n')}\n`);
  files.twoDaysUnix = write('two-days-unix.csv', `load,host,epoch\n${twoDays.map(([t, v]) => `${v},web-1,${t}`).join('\n')}\n`);
  // Irregular: steps of 250–350 s with a median of 300 s.
  const jitter = [250, 350, 280, 320, 300, 310, 290];
  let t = START;
  const irregular: string[] = [];
  for (let i = 0; i < 200; i++) {
    irregular.push(`${t},${(50 + 10 * Math.sin(i / 8)).toFixed(3)}`);
    t += jitter[i % jitter.length] as number;
  }
  files.irregular = write('irregular.csv', `t,v\n${irregular.join('\n')}\n`);
  // Gaps (30 missing rows), NaN cells and empty cells.
  const gappy: string[] = [];
  for (let i = 0; i < 200; i++) {
    if (i >= 100 && i < 130) continue;
    const cell = i % 17 === 5 ? 'NaN' : i % 23 === 8 ? '' : (50 + 10 * Math.sin(i / 8)).toFixed(3);
    gappy.push(`${iso(START + i * STEP)},${cell}`);
  }
  files.gappy = write('gappy.csv', `time,value\n${gappy.join('\n')}\n`);
  files.constant = write('constant.csv', `t,v\n${Array.from({ length: 120 }, (_, i) => `${START + i * STEP},7`).join('\n')}\n`);
  files.short = write('short.csv', `time,value\n${[3, 4, 5, 4, 6].map((v, i) => `${iso(START + i * STEP)},${v}`).join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/**
 * Runs `governator <args>` in this process through the CLI's own main() (what bin/governator.js calls), capturing
 * stdout, stderr and the exit code. A process start costs seconds of module loading on two cores, so the
 * table-like cases run here and a representative few through the real binary (runCli). `tty` makes stderr claim
 * to be a terminal, which a child process with piped stderr cannot.
 */
async function inProcess(args: readonly string[], options: { tty?: boolean } = {}): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  if (options.tty) Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
  const listeners = process.stdout.listeners('error');
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    await main(['node', 'governator', ...args]);
    code = Number(process.exitCode ?? 0);
  } finally {
    process.exitCode = exitCode;
    stdout.mockRestore();
    stderr.mockRestore();
    if (options.tty) {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    // main() adds an EPIPE handler on every call.
    for (const listener of process.stdout.listeners('error')) if (!listeners.includes(listener)) process.stdout.off('error', listener as (e: Error) => void);
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs `governator forecast … --json` (through the binary when `binary`), expects exit 0 and stdout that is one JSON document. */
async function forecastJson(args: readonly string[], binary = false): Promise<{ doc: ForecastDoc; stderr: string }> {
  const all = ['forecast', ...args, '--json'];
  const res = binary ? await runCli(all, { cwd: dir, timeoutMs: 60_000 }) : await inProcess(all);
  expect(res.code, res.stderr).toBe(0);
  return { doc: JSON.parse(res.stdout) as ForecastDoc, stderr: res.stderr };
}

/** The document's invariants: keys, step count, times continuing after the history, nested intervals, weights. */
function expectWellFormed(doc: ForecastDoc, expected: { steps: number; stepSeconds: number; lastSeconds: number }): void {
  expect(Object.keys(doc)).toEqual(['model', 'weights', 'points', 'periods', 'stepSeconds', 'accuracy', 'window', 'fallback', 'notes']);
  expect(doc.stepSeconds).toBe(expected.stepSeconds);
  expect(doc.window.to).toBe(iso(expected.lastSeconds));
  expect(doc.points).toHaveLength(expected.steps);
  doc.points.forEach((p, h) => {
    expect(Object.keys(p)).toEqual(['t', 'mean', 'lo50', 'hi50', 'lo90', 'hi90', 'lo99', 'hi99']);
    expect(p.t, `step ${h}`).toBe(iso(expected.lastSeconds + (h + 1) * expected.stepSeconds));
    const chain = [p.lo99, p.lo90, p.lo50, p.mean, p.hi50, p.hi90, p.hi99];
    for (const x of chain) expect(Number.isFinite(x), `step ${h}: ${chain.join(' ')}`).toBe(true);
    for (let i = 1; i < chain.length; i++) expect(chain[i - 1], `step ${h}: ${chain.join(' ≤ ')}`).toBeLessThanOrEqual(chain[i] as number);
  });
  const weights = Object.values(doc.weights);
  expect(weights.length).toBeGreaterThan(0);
  for (const w of weights) expect(w).toBeGreaterThanOrEqual(0);
  expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  expect(doc.weights[doc.model] ?? (doc.model === 'ensemble' ? 1 : 0)).toBeGreaterThan(0);
}

describe('governator forecast --json', () => {
  it('forecasts the next day of a noisy daily cycle: 288 points at 5 min, nested intervals, a mean that tracks the cycle', async () => {
    const { doc, stderr } = await forecastJson(['--trace', files.diurnal as string], true);
    const last = START + (4 * DAY - 1) * STEP;
    expectWellFormed(doc, { steps: DAY, stepSeconds: STEP, lastSeconds: last });
    expect(doc.points[0]!.t).toBe('2026-01-09T00:00:00Z');
    expect(doc.window).toEqual({ from: iso(START), to: iso(last), points: 4 * DAY });
    expect(doc.fallback).toBe(false);
    expect(doc.periods).toContain(DAY);
    // Against the noise-free pattern: a flat (naive, ETS without season) forecast is off by ~25 on average.
    const errors = doc.points.map((p, h) => Math.abs(p.mean - truth(4 * DAY + h)));
    const mae = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(mae).toBeLessThan(0.15 * AMPLITUDE);
    const means = doc.points.map((p) => p.mean);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(1.5 * AMPLITUDE);
    // The 90% band holds the pattern nearly everywhere, and is neither zero-width nor wider than the cycle.
    const covered = doc.points.filter((p, h) => p.lo90 <= truth(4 * DAY + h) && truth(4 * DAY + h) <= p.hi90).length;
    expect(covered / doc.points.length).toBeGreaterThanOrEqual(0.8);
    const width = doc.points.reduce((a, p) => a + (p.hi90 - p.lo90), 0) / doc.points.length;
    expect(width).toBeGreaterThan(NOISE / 4);
    expect(width).toBeLessThan(AMPLITUDE);
    expect(doc.accuracy.ensemble?.points).toBeGreaterThan(0);
    // No progress bar or cursor codes when stderr is not a terminal.
    expect(stderr).not.toMatch(/fits/);
    expect(stderr).not.toContain(ESC);
  });

  it('reads Unix seconds and columns picked by name exactly like the same series in ISO 8601', async () => {
    const [iso8601, unix] = await Promise.all([
      forecastJson(['--trace', files.twoDaysIso as string, '--horizon', '2h']),
      forecastJson(['--trace', files.twoDaysUnix as string, '--horizon', '2h', '--time-column', 'epoch', '--value-column', 'load'], true),
    ]);
    expectWellFormed(unix.doc, { steps: 24, stepSeconds: STEP, lastSeconds: START + (2 * DAY - 1) * STEP });
    expect(unix.doc).toEqual(iso8601.doc);
    expect(unix.stderr).toBe('');
  });

  it.each([
    ['90m', 18],
    ['3600', 12], // plain seconds
    ['7m', 1], // rounded to whole steps
    ['1s', 1], // at least one step
    ['2d', 2 * DAY],
  ])('--horizon %s is %i steps of 5 min', async (horizon, steps) => {
    const { doc } = await forecastJson(['--trace', files.constant as string, '--horizon', horizon]);
    expectWellFormed(doc, { steps, stepSeconds: STEP, lastSeconds: START + 119 * STEP });
  });

  it('forecasts a constant series as that constant', async () => {
    const { doc, stderr } = await forecastJson(['--trace', files.constant as string, '--horizon', '1h']);
    expect(doc.fallback).toBe(false);
    for (const p of doc.points) for (const x of [p.mean, p.lo99, p.hi99]) expect(x).toBeCloseTo(7, 6);
    expect(stderr).toBe('');
  });

  it('resamples irregular timestamps to the median step (300 s) and says so on stderr', async () => {
    const { doc, stderr } = await forecastJson(['--trace', files.irregular as string, '--horizon', '1h']);
    expect(stderr).toMatch(/^warning: irregular timestamps were resampled to a 300 s grid/m);
    const last = Date.parse(doc.window.to) / 1000;
    expect((last - START) % STEP).toBe(0); // the grid starts at the first timestamp
    expect(doc.window.points).toBe((last - START) / STEP + 1);
    expectWellFormed(doc, { steps: 12, stepSeconds: STEP, lastSeconds: last });
  });

  it('fills gaps, NaN and empty cells with warnings instead of failing', async () => {
    const { doc, stderr } = await forecastJson(['--trace', files.gappy as string, '--horizon', '1h']);
    expect(stderr).toMatch(/^warning: \d+ missing or non-numeric value\(s\) were filled by interpolation$/m);
    expect(stderr).toMatch(/^warning: \d+ step\(s\) had no observation and were interpolated \(longest gap 30 step\(s\)\)$/m);
    expect(doc.window.to).toBe(iso(START + 199 * STEP));
    expectWellFormed(doc, { steps: 12, stepSeconds: STEP, lastSeconds: START + 199 * STEP });
  });

  it('falls back to naive on a too-short history and states the reason in notes', async () => {
    const { doc } = await forecastJson(['--trace', files.short as string, '--horizon', '30m']);
    expectWellFormed(doc, { steps: 6, stepSeconds: STEP, lastSeconds: START + 4 * STEP });
    expect(doc.fallback).toBe(true);
    expect(doc.model).toBe('naive');
    expect(doc.weights).toEqual({ naive: 1 });
    for (const p of doc.points) expect(p.mean).toBe(6); // the last value
    expect(doc.points[5]!.hi90 - doc.points[5]!.lo90).toBeGreaterThan(doc.points[0]!.hi90 - doc.points[0]!.lo90); // widening with h
    expect(doc.notes.join('\n')).toMatch(/history has 5 point\(s\); at least \d+ are needed .*naive \(last value\) forecast/);
  });
});

describe('governator forecast (human output)', () => {
  it('prints the model, weights, the backtest table and a thinned forecast table ending at the last step', async () => {
    const res = await runCli(['forecast', '--trace', files.twoDaysIso as string], { cwd: dir, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe(`Forecast for ${files.twoDaysIso}: 288 steps of 300 s from 576 points of history`);
    expect(lines[1]).toMatch(/^Model: \S+; seasonal periods: .*288 steps \(24\.0 h\)/);
    expect(lines[2]).toMatch(/^Weights: [a-z_]+ \d\.\d\d(, [a-z_]+ \d\.\d\d)*$/);
    expect(res.stdout).toMatch(/^Backtest on the trace's own history:$/m);
    expect(res.stdout).toMatch(/^MODEL +MASE +sMAPE % +POINTS$/m);
    const header = lines.findIndex((l) => /^TIME +MEAN +50% +90% +99%$/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1).filter((l) => /^\d{4}-/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.length).toBeLessThanOrEqual(26);
    expect(rows[0]).toMatch(/^2026-01-07T00:00:00Z +\d/);
    expect(rows.at(-1)).toMatch(/^2026-01-07T23:55:00Z +\d/);
    for (const row of rows) expect(row).toMatch(/^\S+ +[\d.]+ +[\d.]+–[\d.]+ +[\d.]+–[\d.]+ +[\d.]+–[\d.]+$/);
  });

  it('shows a fallback and its reason under Notes', async () => {
    const res = await inProcess(['forecast', '--trace', files.short as string, '--horizon', '30m']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Model: naive \(fallback\); seasonal periods: none detected$/m);
    expect(res.stdout).toMatch(/^Notes:\n {2}- history has 5 point\(s\); at least \d+ are needed/m);
  });
});

describe('governator forecast: bad input exits 2 with a message naming the problem', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['a missing file', () => ['--trace', join(dir, 'nope.csv')], /nope\.csv: cannot read the trace file \(ENOENT\)/],
    ['a directory', () => ['--trace', dir], /is not a file/],
    ['an empty file', () => ['--trace', write('empty.csv', '')], /empty\.csv:1: the file is empty/],
    ['no header row', () => ['--trace', write('no-header.csv', `${START},5\n${START + STEP},6\n${START + 2 * STEP},7\n`)], /no-header\.csv:1: the first row \("\d+,5"\) is data, not a header/],
    ['an unknown value column', () => ['--trace', files.short as string, '--value-column', 'qps'], /short\.csv:1: no column named "qps" in the header \(columns: time, value\)/],
    ['an unknown time column', () => ['--trace', files.short as string, '--time-column', 'ts'], /short\.csv:1: no column named "ts" in the header/],
    ['non-numeric values throughout', () => ['--trace', write('words.csv', `time,value\n${iso(START)},high\n${iso(START + STEP)},low\n`)], /words\.csv:2: "high" is not a finite number/],
    ['only empty and NaN cells', () => ['--trace', write('all-nan.csv', `time,value\n${iso(START)},\n${iso(START + STEP)},NaN\n`)], /all-nan\.csv:2: no row has a numeric value/],
    ['an unparseable timestamp', () => ['--trace', write('bad-time.csv', `time,value\n${iso(START)},1\nnoon,2\n`)], /bad-time\.csv:3: "noon" is not an ISO 8601 time or Unix seconds/],
    ['Unix milliseconds', () => ['--trace', write('millis.csv', `t,v\n${START * 1000},1\n${(START + STEP) * 1000},2\n`)], /millis\.csv:2: "\d+" is outside years 0000–9999 as Unix seconds \(milliseconds/],
    ['a word for --horizon', () => ['--trace', files.short as string, '--horizon', 'tomorrow'], /--horizon "tomorrow" is not a positive duration/],
    ['--horizon 0', () => ['--trace', files.short as string, '--horizon', '0'], /--horizon "0" is not a positive duration/],
    ['a negative --horizon', () => ['--trace', files.short as string, '--horizon', '-5m'], /--horizon "-5m" is not a positive duration/],
    ['a fractional --horizon', () => ['--trace', files.short as string, '--horizon', '1.5h'], /--horizon "1\.5h" is not a positive duration/],
    ['a --horizon of millions of steps', () => ['--trace', files.short as string, '--horizon', '100000w'], /--horizon "100000w" is 201600000 steps of 300 s; at most 100000 steps/],
    ['a --horizon past the year 9999', () => ['--trace', write('end-of-time.csv', 't,v\n9999-12-31T22:00:00Z,1\n9999-12-31T22:05:00Z,2\n'), '--horizon', '3h'], /--horizon "3h" reaches past the year 9999/],
    ['a bad --history', () => ['--trace', files.short as string, '--history', 'forever'], /--history "forever" is not a positive duration/],
    ['an unknown model', () => ['--trace', files.short as string, '--models', 'ets,arima'], /--models: unknown arima; choose from/],
    ['an unknown flag', () => ['--trace', files.short as string, '--bogus'], /unknown option '--bogus'/],
    ['no --trace', () => [], /required option '--trace <file>' not specified/],
  ];
  const binary = new Set(['a missing file', 'no header row', 'an unknown flag']);
  it.each(cases)('%s', async (name, args, message) => {
    const all = ['forecast', ...args(), '--json'];
    const res = binary.has(name) ? await runCli(all, { cwd: dir, timeoutMs: 30_000 }) : await inProcess(all);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(res.stdout).toBe('');
  });
});

describe('governator forecast progress bar', () => {
  it('draws on stderr when stderr is a terminal, and keeps stdout pure JSON', async () => {
    const res = await inProcess(['forecast', '--trace', files.twoDaysIso as string, '--horizon', '1h', '--json'], { tty: true });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/forecast [a-z_]+ (backtest|fit) \[.*\] \d+\/\d+ fits/);
    expect(res.stderr).toContain(ESC); // cursor control: drawn for a terminal
    expect(res.stdout).not.toMatch(/fits/);
    expect(res.stdout).not.toContain(ESC);
    expect((JSON.parse(res.stdout) as ForecastDoc).points).toHaveLength(12);
  });

  it('stays off a stderr that is not a terminal (warnings alone)', async () => {
    const res = await inProcess(['forecast', '--trace', files.gappy as string, '--horizon', '1h', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr.split('\n').filter((l) => l !== '').every((l) => l.startsWith('warning: '))).toBe(true);
  });
});
