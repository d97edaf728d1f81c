/**
 * Series identity, pure (issue #5). A series is a metric name plus a set of labels; two samples belong to the
 * same series exactly when both are equal. Its canonical key is the Prometheus text form with labels sorted by
 * name (`node_load1{instance="a:9100",job="node"}`): stable across processes and restarts, so it can be hashed
 * into the `series.fingerprint` the store keeps unique. Hashing is passed in (the core does no crypto).
 */

export type Labels = Readonly<Record<string, string>>;

/** A series as callers name it. */
export interface SeriesDescriptor {
  readonly metric: string;
  /** Label name → value; never `__name__`, never an empty value (Prometheus treats empty as absent). */
  readonly labels: Labels;
}

/** Prometheus' metric-name and label-name grammars (https://prometheus.io/docs/concepts/data_model/). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Limits on one series' labels (telemetry.max_labels …). */
export interface LabelLimits {
  /** Labels per series, `__name__` not counted. */
  readonly maxLabels: number;
  /** Characters in a metric or label name. */
  readonly maxNameLength: number;
  /** Characters in a label value. */
  readonly maxValueLength: number;
}

export const DEFAULT_LABEL_LIMITS: LabelLimits = { maxLabels: 64, maxNameLength: 256, maxValueLength: 2048 };

/** Why a series is refused. `invalid_series`: a name breaks the grammar or a label repeats; `label_limits`: too many or too long. */
export type SeriesProblemReason = 'invalid_series' | 'label_limits';

export interface SeriesProblem {
  readonly reason: SeriesProblemReason;
  readonly message: string;
}

/** A checked series with its canonical key. */
export interface IdentifiedSeries extends SeriesDescriptor {
  readonly key: string;
}

function escapeValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** The canonical key of an already-normalised series (labels need not be sorted: they are sorted here). */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return metric;
  let out = `${metric}{`;
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i] as string;
    out += `${i === 0 ? '' : ','}${name}="${escapeValue(labels[name] as string)}"`;
  }
  return `${out}}`;
}

/**
 * Check and normalise a series given as name/value pairs, Prometheus style: the metric name is the pair named
 * `__name__` (or `metric` when given), empty values are dropped, other names starting with `__` are reserved
 * and refused, a repeated name is refused. Returns the series with sorted labels and its key, or the problem.
 */
export function identifySeries(
  pairs: Iterable<readonly [string, string]>, limits: LabelLimits, metric?: string,
): IdentifiedSeries | SeriesProblem {
  let name = metric;
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [label, value] of pairs) {
    if (seen.has(label)) return { reason: 'invalid_series', message: `label ${JSON.stringify(label)} appears twice` };
    seen.add(label);
    if (label === '__name__') {
      if (name !== undefined && name !== value) return { reason: 'invalid_series', message: 'two metric names' };
      name = value;
      continue;
    }
    if (value === '') continue;
    entries.push([label, value]);
  }
  if (name === undefined || name === '') return { reason: 'invalid_series', message: 'the series has no metric name (__name__)' };
  if (name.length > limits.maxNameLength) {
    return { reason: 'label_limits', message: `metric name longer than ${limits.maxNameLength} characters` };
  }
  if (!METRIC_NAME.test(name)) return { reason: 'invalid_series', message: `${JSON.stringify(name.slice(0, 80))} is not a valid metric name` };
  if (entries.length > limits.maxLabels) {
    return { reason: 'label_limits', message: `${name} has ${entries.length} labels, more than ${limits.maxLabels}` };
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const labels: Record<string, string> = {};
  for (const [label, value] of entries) {
    if (label.length > limits.maxNameLength) return { reason: 'label_limits', message: `a label name of ${name} is longer than ${limits.maxNameLength} characters` };
    if (!LABEL_NAME.test(label) || label.startsWith('__')) {
      return { reason: 'invalid_series', message: `${JSON.stringify(label.slice(0, 80))} is not a valid label name${label.startsWith('__') ? ' (names starting with __ are reserved)' : ''}` };
    }
    if (value.length > limits.maxValueLength) {
      return { reason: 'label_limits', message: `label ${label} of ${name} is longer than ${limits.maxValueLength} characters` };
    }
    // PostgreSQL text and jsonb cannot hold U+0000: such a series would fail every write of its batch and
    // stall the pipeline behind it, so it is refused here, at the edge.
    if (value.includes('\u0000')) {
      return { reason: 'invalid_series', message: `label ${label} of ${name} contains a NUL character` };
    }
    labels[label] = value;
  }
  return { metric: name, labels, key: seriesKey(name, labels) };
}

export function isSeriesProblem(value: IdentifiedSeries | SeriesProblem): value is SeriesProblem {
  return 'reason' in value;
}

/** True when every label of `matcher` is present in `labels` with the same value (exact match). */
export function labelsMatch(labels: Labels, matcher: Labels): boolean {
  for (const [name, value] of Object.entries(matcher)) if (labels[name] !== value) return false;
  return true;
}

/**
 * Parse the `labels` query parameter: a JSON object (`{"job":"node"}`) or comma-separated `name=value` pairs
 * (`job=node,instance=a:9100`; a value cannot then contain a comma: use the JSON form). Returns the labels,
 * or a message saying what is wrong.
 */
export function parseLabelMatcher(text: string): Labels | string {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return 'labels is not valid JSON';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'labels must be a JSON object';
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') return `label ${name} must be a string`;
      if (!LABEL_NAME.test(name)) return `${JSON.stringify(name)} is not a valid label name`;
      out[name] = value;
    }
    return out;
  }
  const out: Record<string, string> = {};
  for (const part of trimmed.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `${JSON.stringify(part)} is not name=value`;
    const name = part.slice(0, eq).trim();
    if (!LABEL_NAME.test(name)) return `${JSON.stringify(name)} is not a valid label name`;
    out[name] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}
