/**
 * Trace CSV reader, shared by `governator forecast` and `governator backtest` (issue #6).
 *
 * Format: a header row; a timestamp column (ISO 8601, e.g. `2026-01-01T00:00:00Z` or `1995-07-01 00:00`, or Unix
 * seconds, e.g. `1767225600` or `1662859176.0`) and a numeric value column. By default the first column is the
 * time and the second the value; `timeColumn` / `valueColumn` pick columns by header name. Other columns are
 * ignored. Empty or `NaN` values are missing observations (interpolated, with a warning). Irregular steps,
 * unsorted rows, repeated timestamps and gaps are resampled onto a regular grid by
 * {@link resampleToGrid} (src/core/forecast/resample.ts); `warnings` says what was done.
 *
 * Errors are GovError GOV_VALIDATION with a message naming `file:line` (1-based, the header is line 1), so a
 * user can open the file at the bad row.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { GovError } from '../../core/errors.js';
import { resampleToGrid, type Aggregate } from '../../core/forecast/resample.js';

/** A regular series read from a trace file. */
export interface Trace {
  /** Unix seconds, a regular step after resampling. */
  readonly timestamps: number[];
  readonly values: number[];
  readonly stepSeconds: number;
  /** True when the file's rows were changed to make the grid regular (see `warnings`). */
  readonly resampled: boolean;
  readonly warnings: string[];
}

export interface ReadTraceOptions {
  /** Header name of the timestamp column. Default: the first column. */
  readonly timeColumn?: string;
  /** Header name of the value column. Default: the second column. */
  readonly valueColumn?: string;
  /** Grid step in seconds. Default: the median step of the file. */
  readonly stepSeconds?: number;
  /** How rows with the same timestamp combine. Default 'sum' (per-container rows of one total). */
  readonly duplicates?: Aggregate;
}

/** Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times an ISO 8601 string can name. */
const MIN_SECONDS = -62_167_219_200;
const MAX_SECONDS = 253_402_300_799;

const UNIX_SECONDS = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
// ISO 8601 calendar date with optional time and optional offset; a space may stand for the T (RFC 3339 §5.6 note).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Unix seconds, or undefined when `text` is neither Unix seconds nor ISO 8601. `noOffset` reports a local time. */
export function parseTraceTime(text: string): { seconds: number; noOffset: boolean } | undefined {
  const t = text.trim();
  if (UNIX_SECONDS.test(t)) {
    const s = Number(t);
    return Number.isFinite(s) ? { seconds: s, noOffset: false } : undefined;
  }
  const m = ISO.exec(t);
  if (!m) return undefined;
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1, 7) as string[];
  const frac = m[7] ? Number(m[7]) : 0;
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const se = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return undefined;
  let ms = Date.UTC(Number(year), mo - 1, d, h, mi, se);
  // Date.UTC rolls Feb 30 over to March; a calendar date that does not exist is an error, not a guess.
  if (new Date(Date.UTC(Number(year), mo - 1, d)).getUTCDate() !== d) return undefined;
  const off = m[8];
  if (off && off !== 'Z' && off !== 'z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    ms -= sign * (oh * 60 + om) * 60_000;
  }
  return { seconds: ms / 1000 + frac, noOffset: off === undefined };
}

function invalid(where: string, message: string): GovError {
  return new GovError('GOV_VALIDATION', `${where}: ${message}`, { details: { where } });
}

/**
 * Reads a trace CSV into a regular series. Rejects (GovError GOV_VALIDATION, message `file:line: …`) a missing
 * or unreadable file, an empty file, a first row that is data rather than a header, a header without the named
 * columns, an unparseable timestamp or value, a timestamp outside years 0000–9999 (e.g. Unix milliseconds),
 * fewer than two rows, or no numeric value at all.
 */
export async function readTraceCsv(path: string, options: ReadTraceOptions = {}): Promise<Trace> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalid(path, 'is not a file');
  } catch (error) {
    if (error instanceof GovError) throw error;
    throw new GovError('GOV_VALIDATION', `${path}: cannot read the trace file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const parser = createReadStream(path).pipe(parse({
    bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true,
  }));
  const timestamps: number[] = [];
  const values: number[] = [];
  let timeIndex = -1;
  let valueIndex = -1;
  let header: string[] | undefined;
  let localTimes = false;
  let missing = 0;
  try {
    for await (const row of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = row.info.lines;
      const where = `${path}:${line}`;
      const cells = row.record;
      if (header === undefined) {
        header = cells;
        timeIndex = options.timeColumn === undefined ? 0 : header.indexOf(options.timeColumn);
        valueIndex = options.valueColumn === undefined ? 1 : header.indexOf(options.valueColumn);
        if (timeIndex < 0) throw invalid(where, `no column named ${JSON.stringify(options.timeColumn)} in the header (columns: ${header.join(', ')})`);
        if (valueIndex < 0) throw invalid(where, `no column named ${JSON.stringify(options.valueColumn)} in the header (columns: ${header.join(', ')})`);
        if (valueIndex >= header.length) throw invalid(where, 'the header has one column; a trace needs a time column and a value column');
        if (timeIndex === valueIndex) throw invalid(where, 'the time column and the value column are the same');
        // A first row whose time cell reads as a time and whose value cell reads as a number is data: without
        // this check it would silently become the header and its observation would be lost.
        const headTime = header[timeIndex];
        const headValue = header[valueIndex];
        if (headTime !== undefined && headValue !== undefined && headValue !== '' && parseTraceTime(headTime) !== undefined && Number.isFinite(Number(headValue))) {
          throw invalid(where, `the first row (${JSON.stringify(`${headTime},${headValue}`)}) is data, not a header; add a header row such as "timestamp,value"`);
        }
        continue;
      }
      const timeText = cells[timeIndex];
      const valueText = cells[valueIndex];
      if (timeText === undefined || valueText === undefined) throw invalid(where, `the row has ${cells.length} column(s); expected at least ${Math.max(timeIndex, valueIndex) + 1}`);
      const time = parseTraceTime(timeText);
      if (time === undefined) throw invalid(where, `${JSON.stringify(timeText)} is not an ISO 8601 time or Unix seconds`);
      if (time.seconds < MIN_SECONDS || time.seconds > MAX_SECONDS) {
        throw invalid(where, `${JSON.stringify(timeText)} is outside years 0000–9999 as Unix seconds${time.seconds > MAX_SECONDS ? ' (milliseconds or nanoseconds? the column must hold seconds)' : ''}`);
      }
      if (time.noOffset) localTimes = true;
      let value: number;
      if (valueText === '' || /^nan$/i.test(valueText)) {
        value = Number.NaN;
        missing++;
      } else {
        value = Number(valueText);
        if (!Number.isFinite(value)) throw invalid(where, `${JSON.stringify(valueText)} is not a finite number`);
      }
      timestamps.push(time.seconds);
      values.push(value);
    }
  } catch (error) {
    if (error instanceof GovError) throw error;
    // csv-parse reports its own line numbers (e.g. an unclosed quote).
    const line = (error as { lines?: number }).lines;
    throw new GovError('GOV_VALIDATION', `${path}${line === undefined ? '' : `:${line}`}: not a valid CSV (${(error as Error).message})`, { cause: error });
  }
  if (header === undefined) throw invalid(`${path}:1`, 'the file is empty; expected a header row and data rows');
  if (timestamps.length < 2) throw invalid(`${path}:2`, `a trace needs at least two data rows; found ${timestamps.length}`);
  if (missing === timestamps.length) throw invalid(`${path}:2`, 'no row has a numeric value');
  let grid;
  try {
    grid = resampleToGrid({ timestamps, values }, {
      ...(options.stepSeconds === undefined ? {} : { stepSeconds: options.stepSeconds }),
      ...(options.duplicates === undefined ? {} : { duplicates: options.duplicates }),
    });
  } catch (error) {
    if (error instanceof GovError) throw new GovError(error.code, `${path}: ${error.message}`, { details: error.details, cause: error });
    throw error;
  }
  const warnings = [...grid.warnings];
  if (localTimes) warnings.unshift('timestamps carry no UTC offset; they were read as UTC');
  return { timestamps: grid.timestamps, values: grid.values, stepSeconds: grid.stepSeconds, resampled: grid.resampled, warnings };
}
