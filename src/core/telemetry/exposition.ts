/**
 * Prometheus text exposition format (version 0.0.4) parser, pure, for the scraper (issue #5). Reference:
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * `# HELP` / `# TYPE` and other comments are skipped; each sample line is `name{l="v",…} value [timestamp_ms]`.
 * A line that does not parse is reported with its number and skipped: one bad line never loses the others.
 */

export interface ExpositionSample {
  readonly metric: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  /** Explicit timestamp (Unix ms), when the line had one. */
  readonly timestampMs: number | undefined;
}

export interface ExpositionParse {
  readonly samples: ExpositionSample[];
  readonly errors: Array<{ readonly line: number; readonly message: string }>;
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

function parseValue(text: string): number | undefined {
  switch (text) {
    case 'NaN': return Number.NaN;
    case '+Inf': case 'Inf': return Infinity;
    case '-Inf': return -Infinity;
    default: {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
      return Number(text);
    }
  }
}

function parseLine(line: string): ExpositionSample | string {
  let i = 0;
  if (!NAME_START.test(line[0] ?? '')) return 'expected a metric name';
  while (i < line.length && NAME_CHAR.test(line[i] as string)) i += 1;
  const metric = line.slice(0, i);
  const labels: Record<string, string> = {};
  while (line[i] === ' ' || line[i] === '\t') i += 1;
  if (line[i] === '{') {
    i += 1;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t' || line[i] === ',') i += 1;
      if (line[i] === '}') { i += 1; break; }
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i] as string)) i += 1;
      const name = line.slice(start, i);
      if (name === '') return `bad label name at column ${i + 1}`;
      while (line[i] === ' ') i += 1;
      if (line[i] !== '=') return `expected = after label ${name}`;
      i += 1;
      while (line[i] === ' ') i += 1;
      if (line[i] !== '"') return `expected a quoted value for label ${name}`;
      i += 1;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return `unterminated value for label ${name}`;
        i += 1;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i];
          i += 1;
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else value += c;
      }
      if (name in labels) return `label ${name} appears twice`;
      labels[name] = value;
    }
  }
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return 'expected a value after the series';
  const value = parseValue(rest[0] as string);
  if (value === undefined) return `${JSON.stringify(rest[0])} is not a number`;
  let timestampMs: number | undefined;
  if (rest.length === 2) {
    const ts = Number(rest[1]);
    if (!Number.isSafeInteger(ts)) return `${JSON.stringify(rest[1])} is not a timestamp in ms`;
    timestampMs = ts;
  }
  return { metric, labels, value, timestampMs };
}

export function parseExposition(text: string): ExpositionParse {
  const samples: ExpositionSample[] = [];
  const errors: Array<{ line: number; message: string }> = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n += 1) {
    const line = (lines[n] as string).replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') errors.push({ line: n + 1, message: parsed });
    else samples.push(parsed);
  }
  return { samples, errors };
}
