import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { GovError } from '../../core/errors.js';
import type { ForecastResult, ModelName } from '../../core/forecast/types.js';
import { printJson, printTable } from '../output.js';

interface ForecastCliOptions {
  trace: string;
  horizon: string;
  json?: boolean;
  timeColumn?: string;
  valueColumn?: string;
  models?: string;
  history?: string;
}

/** The most steps one forecast may have (≈ 347 days at 5-min steps): more is a mistyped unit, not a plan. */
export const MAX_HORIZON_STEPS = 100_000;
/** 9999-12-31T23:59:59Z: the last time an ISO 8601 `t` can name. */
const MAX_ISO_SECONDS = 253_402_300_799;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in `24h`, `90m`, `2d`, `1w` or a plain number of seconds; GOV_VALIDATION naming the flag otherwise. */
export function parseHorizon(flag: string, text: string): number {
  const m = /^(\d+)(s|m|h|d|w)?$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] as number) : Number.NaN;
  if (!(Number.isSafeInteger(seconds) && seconds > 0)) {
    throw new GovError('GOV_VALIDATION', `${flag} ${JSON.stringify(text)} is not a positive duration (e.g. 24h, 90m, 2d)`, { details: { field: flag } });
  }
  return seconds;
}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const num = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

/** The `--json` document: model, weights and one point per step with its 50/90/99% intervals. */
export function forecastJson(result: ForecastResult): unknown {
  return {
    model: result.model,
    weights: result.weights,
    points: result.points.map((p) => ({ t: iso(p.t), mean: p.mean, lo50: p.lo50, hi50: p.hi50, lo90: p.lo90, hi90: p.hi90, lo99: p.lo99, hi99: p.hi99 })),
    periods: result.periods,
    stepSeconds: result.stepSeconds,
    accuracy: result.accuracy,
    window: { from: iso(result.window.from), to: iso(result.window.to), points: result.window.points },
    fallback: result.fallback,
    notes: result.notes,
  };
}

function printHuman(file: string, result: ForecastResult): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Forecast for ${file}: ${result.points.length} steps of ${result.stepSeconds} s from ${result.window.points} points of history`);
  out(`Model: ${result.model}${result.fallback ? ' (fallback)' : ''}; seasonal periods: ${result.periods.length === 0 ? 'none detected' : result.periods.map((p) => `${p} steps (${(p * result.stepSeconds / 3600).toFixed(1)} h)`).join(', ')}`);
  const weights = Object.entries(result.weights).map(([m, w]) => `${m} ${(w ?? 0).toFixed(2)}`).join(', ');
  out(`Weights: ${weights}`);
  const acc = Object.entries(result.accuracy);
  if (acc.length > 0) {
    out();
    out('Backtest on the trace\'s own history:');
    printTable(['MODEL', 'MASE', 'sMAPE %', 'POINTS'], acc.map(([m, a]) => [m, num(a.mase), a.smape.toFixed(1), String(a.points)]));
  }
  out();
  // At most ~24 rows: every k-th step.
  const every = Math.max(1, Math.ceil(result.points.length / 24));
  printTable(['TIME', 'MEAN', '50%', '90%', '99%'], result.points.filter((_, i) => i % every === 0 || i === result.points.length - 1).map((p) => [
    iso(p.t), num(p.mean), `${num(p.lo50)}–${num(p.hi50)}`, `${num(p.lo90)}–${num(p.hi90)}`, `${num(p.lo99)}–${num(p.hi99)}`,
  ]));
  if (result.notes.length > 0) {
    out();
    out('Notes:');
    for (const note of result.notes) out(`  - ${note}`);
  }
}

export function registerForecast(program: Command): void {
  program
    .command('forecast')
    .description('forecast a CSV series with the backtest-weighted ensemble, with 50/90/99% intervals (docs/forecasting.md)')
    .requiredOption('--trace <file>', 'trace CSV: a header row, a time column (ISO 8601 or Unix seconds) and a value column')
    .option('--horizon <duration>', 'how far ahead: 24h, 90m, 2d …', '24h')
    .option('--json', 'print { "model", "weights", "points": [ { "t", "mean", "lo50", "hi50", "lo90", "hi90", "lo99", "hi99" } ] }')
    .option('--time-column <name>', 'header of the timestamp column (default: the first)')
    .option('--value-column <name>', 'header of the value column (default: the second)')
    .option('--models <list>', 'comma-separated candidates: snaive_daily,snaive_weekly,ets,mstl,prophet,lstm (default: the [forecast] models)')
    .option('--history <duration>', 'use at most this much recent history, e.g. 14d (default: the [forecast] history window)')
    .action(async (opts: ForecastCliOptions, cmd: Command) => {
      const [{ loadForecastEngine, readTraceCsv }, { forecastSeries }, { MODEL_NAMES }, { loadCommandConfig }, progress] = await Promise.all([
        import('../../bootstrap/forecast.js'), import('../../core/forecast/ensemble.js'), import('../../core/forecast/types.js'),
        import('../context.js'), import('cli-progress'),
      ]);
      const horizonSeconds = parseHorizon('--horizon', opts.horizon);
      const config = loadCommandConfig(cmd).config.forecast;
      let models: ModelName[] = [...config.models] as ModelName[];
      if (opts.models !== undefined) {
        const asked = opts.models.split(',').map((m) => m.trim()).filter((m) => m !== '');
        const unknown = asked.filter((m) => !(MODEL_NAMES as readonly string[]).includes(m) || m === 'naive');
        if (asked.length === 0 || unknown.length > 0) {
          throw new GovError('GOV_VALIDATION', `--models: unknown ${unknown.join(', ') || '(empty list)'}; choose from ${MODEL_NAMES.filter((m) => m !== 'naive').join(', ')}`, { details: { field: '--models' } });
        }
        models = asked as ModelName[];
      }
      const historySeconds = opts.history === undefined ? parseDuration(config.history_window) / 1000 : parseHorizon('--history', opts.history);
      const trace = await readTraceCsv(opts.trace, {
        ...(opts.timeColumn === undefined ? {} : { timeColumn: opts.timeColumn }),
        ...(opts.valueColumn === undefined ? {} : { valueColumn: opts.valueColumn }),
      });
      for (const warning of trace.warnings) process.stderr.write(`warning: ${warning}\n`);
      const keep = Math.max(1, Math.floor(historySeconds / trace.stepSeconds));
      const from = Math.max(0, trace.values.length - keep);
      if (from > 0) process.stderr.write(`note: using the last ${keep} of ${trace.values.length} points (history window ${historySeconds} s)\n`);
      // The horizon in whole steps of the trace, at least one. Bounded: every step is a point in memory and on
      // stdout, and the last one must still have an ISO 8601 time.
      const horizon = Math.max(1, Math.round(horizonSeconds / trace.stepSeconds));
      if (horizon > MAX_HORIZON_STEPS) {
        throw new GovError('GOV_VALIDATION', `--horizon ${JSON.stringify(opts.horizon)} is ${horizon} steps of ${trace.stepSeconds} s; at most ${MAX_HORIZON_STEPS} steps can be forecast`, { details: { field: '--horizon', steps: horizon, max: MAX_HORIZON_STEPS } });
      }
      const lastSeconds = trace.timestamps[trace.timestamps.length - 1] ?? 0;
      if (lastSeconds + horizon * trace.stepSeconds > MAX_ISO_SECONDS) {
        throw new GovError('GOV_VALIDATION', `--horizon ${JSON.stringify(opts.horizon)} reaches past the year 9999`, { details: { field: '--horizon' } });
      }
      const engine = await loadForecastEngine(models);
      const bar = new progress.SingleBar({
        stream: process.stderr, format: 'forecast {label} [{bar}] {value}/{total} fits', hideCursor: true, clearOnComplete: true,
      }, progress.Presets.shades_classic);
      let started = false;
      const result = await forecastSeries({ startSeconds: trace.timestamps[from] ?? 0, stepSeconds: trace.stepSeconds, values: trace.values.slice(from) }, engine, {
        horizon, models, origins: config.backtest_origins,
        onProgress: ({ done, total, label }) => {
          // Only a TTY gets the bar; scripts reading stderr get the warnings alone.
          if (!process.stderr.isTTY) return;
          if (!started) { bar.start(total, 0, { label }); started = true; }
          bar.update(done, { label });
        },
      });
      if (started) bar.stop();
      if (opts.json) printJson(forecastJson(result));
      else printHuman(opts.trace, result);
    });
}
