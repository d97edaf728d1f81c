import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { offeringProblem, type CatalogProblem } from '../../../core/catalog/catalog.js';
import type { Offering } from '../../../core/model/offering.js';

/**
 * What reading the price sources produces: offerings, bad rows (with file and line, left out), and counts of
 * rows left out per reason. Bad data (a price that is not a number, is zero or negative, a missing column,
 * an unknown GPU name …) is a problem, reported row by row; a row that is simply not an offering (a price
 * the source leaves empty, a size whose specs cannot be derived) is only counted.
 */
export class SourceCollector {
  readonly offerings: Offering[] = [];
  /** Where each offering came from, by id. */
  readonly origins = new Map<string, { readonly file: string; readonly line: number }>();
  readonly problems: CatalogProblem[] = [];
  /** Reason → rows left out. */
  readonly skipped = new Map<string, number>();
  /** Problems that make a whole source unusable (a file missing, a required column missing). */
  readonly fatal: CatalogProblem[] = [];

  /** Adds an offering read from `file:line`; one that fails the catalog's checks is a bad row instead. */
  add(offering: Offering, file: string, line: number): void {
    const problem = offeringProblem(offering);
    if (problem !== null) {
      this.bad(file, line, 'invalid offering', `${offering.id}: ${problem}`);
      return;
    }
    const earlier = this.origins.get(offering.id);
    if (earlier !== undefined) {
      this.bad(file, line, 'duplicate offering', `${offering.id} already read from ${earlier.file}:${earlier.line}`);
      return;
    }
    this.origins.set(offering.id, { file, line });
    this.offerings.push(offering);
  }

  /** A bad row: reported as `file:line: category: detail`, counted under `category`. */
  bad(file: string, line: number | null, category: string, detail: string): void {
    this.problems.push({ file, line, reason: `${category}: ${detail}` });
    this.count(category);
  }

  /** A row (or one price of a row) that is not an offering, counted under `reason`. */
  skip(reason: string, rows = 1): void {
    this.count(reason, rows);
  }

  private count(reason: string, rows = 1): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + rows);
  }
}

/** One data row: its 1-based line and its cells by column name. */
export interface CsvRow {
  readonly line: number;
  readonly cells: Readonly<Record<string, string>>;
}

/**
 * Reads `file` (relative to `dataDir`) as CSV with a header. A missing file or a header without one of
 * `required` is fatal for that file (recorded, no rows returned); a row with the wrong number of cells is a
 * bad row. Cells are trimmed.
 */
export function readCsv(dataDir: string, file: string, out: SourceCollector, options: { required: readonly string[]; delimiter?: string }): CsvRow[] {
  let text: string;
  try {
    text = readFileSync(join(dataDir, file), 'utf8');
  } catch (error) {
    out.fatal.push({ file, line: null, reason: `cannot be read: ${(error as Error).message}` });
    return [];
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, delimiter: options.delimiter ?? ',', bom: true }) as unknown as typeof records;
  } catch (error) {
    out.fatal.push({ file, line: null, reason: `is not valid CSV: ${(error as Error).message}` });
    return [];
  }
  const header = (records[0]?.record ?? []).map((h) => h.trim());
  const missing = options.required.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    out.fatal.push({ file, line: 1, reason: `missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (header: ${header.join(', ')})` });
    return [];
  }
  const rows: CsvRow[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== header.length) {
      out.bad(file, info.lines, 'wrong number of columns', `${record.length} cells, expected ${header.length}`);
      continue;
    }
    const cells: Record<string, string> = {};
    header.forEach((column, i) => { cells[column] = (record[i] ?? '').trim(); });
    rows.push({ line: info.lines, cells });
  }
  return rows;
}

/** A price cell: undefined when empty (the source has no such price), else the number, NaN when not one. */
export function priceCell(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  return /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
}

/** A spec cell (vCPUs, memory, GPU count): the number, or NaN when empty or not a number. */
export function numberCell(text: string | undefined): number {
  return text !== undefined && /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * Checks a price read from a source: undefined (empty cell) → counted as `absent`, returns null; NaN, zero,
 * negative → a bad row, returns null; else the price.
 */
export function checkPrice(out: SourceCollector, file: string, line: number, column: string, price: number | undefined, absent: string): number | null {
  if (price === undefined) {
    out.skip(absent);
    return null;
  }
  if (Number.isNaN(price)) {
    out.bad(file, line, 'price is not a number', column);
    return null;
  }
  if (!Number.isFinite(price) || price <= 0) {
    out.bad(file, line, 'price is zero or negative', `${column} = ${price}`);
    return null;
  }
  return price;
}
