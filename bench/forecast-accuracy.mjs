// Forecast accuracy benchmark (issue #6): rolling-origin evaluation on real traces from ../shared/data/workloads.
// Run after `npm run build`:
//
//   node bench/forecast-accuracy.mjs                          # default models, every trace
//   node bench/forecast-accuracy.mjs --models snaive_daily,snaive_weekly,ets,mstl,prophet,lstm --trace nasa-5min
//   node bench/forecast-accuracy.mjs --origins 6 --json
//   node bench/forecast-accuracy.mjs --no-anomalies                 # the ensemble without anomaly screening
//   node bench/forecast-accuracy.mjs --screen-singles               # single models get the screened history too
//
// For each trace and each origin, every model alone and the default ensemble are fitted on the history before
// the origin (14 days, --history-days) and forecast the horizon; MASE (scaled by the in-sample seasonal-naive error,
// the same scale for every model), sMAPE and the share of actual values inside the 90% interval are averaged
// over origins. Nothing after the origin is seen by the models, so coverage here is out-of-sample.
// The ensemble row runs the production path (src/app/forecast/demand-forecaster.ts): the history is screened for
// anomalies first and flagged spikes, dips and outages are excluded from fitting (unless the detector flags more
// than a tenth of it). Single-model rows see the raw history (--screen-singles: the screened one, to compare
// like with like); --no-anomalies gives the ensemble raw history too.
//
// Traces:
//   nasa-5min, nasa-1min  NASA KSC HTTP requests, Jul–Aug 1995 (requests per step). Origins at midnight on days
//                         with 14 clean days before them (the log has no rows Jul 28 – Aug 1 and an outage
//                         Aug 1–3), 24 h horizon.
//   alibaba               Alibaba GenAI gateway QPS (generative requests) summed over containers per ~57 s
//                         sample, resampled to 1 min; 22 h long, so 1 h horizons from origins after 12 h.
//   planetlab             PlanetLab VM CPU % at 5 min, 40 VM-days picked with a fixed seed; 1 h horizons from
//                         origins in the second half of each day.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readTraceCsv } from '../dist/adapters/trace/csv.js';
import { loadForecastEngine } from '../dist/adapters/forecast/index.js';
import { forecastSeries, DEFAULT_MODELS } from '../dist/core/forecast/ensemble.js';
import { detectAnomalies } from '../dist/core/forecast/anomaly.js';
import { mase, smape, coverage, naiveScale } from '../dist/core/forecast/metrics.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MODELS = opt('models', DEFAULT_MODELS.join(',')).split(',');
const ONLY = opt('trace', undefined);
const MAX_ORIGINS = Number(opt('origins', '8'));
const JSON_OUT = args.includes('--json');
const HISTORY_DAYS = Number(opt('history-days', '14'));
const BACKTEST_ORIGINS = Number(opt('backtest-origins', '0'));
const SCREEN = !args.includes('--no-anomalies');
const SCREEN_SINGLES = args.includes('--screen-singles');
const DATA = '../shared/data/workloads';

function need(path) {
  if (!existsSync(path)) {
    console.error(`missing ${path}: the traces live in ../shared/data (see its README)`);
    process.exit(process.env.CI === 'true' ? 1 : 0);
  }
  return path;
}

function spread(list, count) {
  if (list.length <= count) return list;
  return Array.from({ length: count }, (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))]);
}

async function nasa(step) {
  const trace = await readTraceCsv(need(`${DATA}/nasa_http_1995/nasa_requests_per_minute.csv`), { valueColumn: 'requests', stepSeconds: step });
  // Rows are minutes; at a 5-min step the reader averages them, so scale back to requests per step.
  const values = trace.values.map((v) => v * (step / 60));
  const day = 86_400 / step;
  const t0 = trace.timestamps[0];
  const bad = [Date.UTC(1995, 6, 28, 13) / 1000, Date.UTC(1995, 7, 3, 6) / 1000];
  const origins = [];
  for (let i = HISTORY_DAYS * day; i + day <= values.length; i += day) {
    const from = t0 + (i - HISTORY_DAYS * day) * step;
    const to = t0 + (i + day) * step;
    if (to <= bad[0] || from >= bad[1]) origins.push(i);
  }
  return { name: `nasa-${step / 60}min`, values, stepSeconds: step, start: t0, cases: spread(origins, MAX_ORIGINS).map((o) => ({ from: o - HISTORY_DAYS * day, origin: o, horizon: day })), diurnal: true };
}

function alibaba() {
  const text = readFileSync(need(`${DATA}/alibaba_genai_serving_2026/qps.csv`), 'utf8').trim().split('\n').slice(1);
  const sums = new Map();
  for (const line of text) {
    const [t, v, , type] = line.split(',');
    if (type !== 'Generative Requests' || v === '') continue;
    const minute = Math.floor(Number(t) / 60) * 60;
    sums.set(minute, (sums.get(minute) ?? 0) + Number(v));
  }
  const keys = [...sums.keys()].sort((a, b) => a - b);
  const start = keys[0];
  const n = (keys[keys.length - 1] - start) / 60 + 1;
  const values = new Array(n).fill(NaN);
  for (const k of keys) values[(k - start) / 60] = sums.get(k);
  // Minutes without a sample: carry the previous value (the gateway reports about once a minute).
  for (let i = 1; i < n; i++) if (!Number.isFinite(values[i])) values[i] = values[i - 1];
  const origins = [];
  for (let o = 720; o + 60 <= n; o += 60) origins.push(o);
  return { name: 'alibaba', values, stepSeconds: 60, start, cases: spread(origins, MAX_ORIGINS).map((o) => ({ from: 0, origin: o, horizon: 60 })), diurnal: false };
}

function planetlab() {
  const lines = readFileSync(need(`${DATA}/planetlab_cpu_2011/planetlab_cpu_util_5min_wide.csv`), 'utf8').trim().split('\n').slice(1);
  let seed = 42;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const picked = [];
  while (picked.length < 40) {
    const cells = lines[Math.floor(rnd() * lines.length)].split(',');
    const values = cells.slice(2).map(Number);
    // Idle VMs (flat 0–1%) make every model look perfect or infinitely bad; keep ones that do something.
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    if (values.length === 288 && values.every(Number.isFinite) && mean >= 5) picked.push(values);
  }
  const cases = [];
  picked.forEach((values, k) => { for (const o of [156, 192, 228]) cases.push({ series: k, from: 0, origin: o, horizon: 12 }); });
  return { name: 'planetlab', picked, stepSeconds: 300, start: 0, cases, diurnal: false };
}

const engine = await loadForecastEngine(MODELS);
const traces = [];
for (const make of [() => nasa(300), () => nasa(60), alibaba, planetlab]) {
  const t = await make();
  if (!ONLY || ONLY === t.name) traces.push(t);
}

const results = [];
for (const trace of traces) {
  const started = performance.now();
  const names = [...MODELS, 'ensemble'];
  const acc = Object.fromEntries(names.map((m) => [m, { mase: [], smape: [], cover: [] }]));
  const weights = {};
  for (const c of trace.cases) {
    const values = trace.picked ? trace.picked[c.series] : trace.values;
    const history = values.slice(c.from, c.origin);
    const actual = values.slice(c.origin, c.origin + c.horizon);
    const series = { startSeconds: trace.start + c.from * trace.stepSeconds, stepSeconds: trace.stepSeconds, values: history };
    const periods = undefined;
    const scale = naiveScale(history, trace.diurnal ? 86_400 / trace.stepSeconds : 1);
    // As the loop's forecaster does: screen for anomalies (needs 2 × 16 points), exclude at most a tenth.
    let exclude = [];
    if (SCREEN && history.length >= 32 && history.every(Number.isFinite)) {
      const report = detectAnomalies(history, engine, { stepSeconds: trace.stepSeconds });
      if (report.excluded.length <= history.length * 0.1) exclude = report.excluded;
    }
    for (const name of names) {
      const models = name === 'ensemble' ? MODELS : [name];
      let r;
      try {
        r = await forecastSeries(series, engine, { ...(name === 'ensemble' || SCREEN_SINGLES ? { exclude } : {}), horizon: c.horizon, models, origins: BACKTEST_ORIGINS, ...(name === 'ensemble' ? {} : { weighting: 'equal' }), ...(periods ? { periods } : {}) });
      } catch (error) {
        console.error(`${trace.name} ${name}: ${error.message}`);
        continue;
      }
      // A single model that could not run on this history falls back to naive: do not count that as the model.
      if (name !== 'ensemble' && r.weights[name] !== 1) continue;
      const mean = r.points.map((p) => p.mean);
      acc[name].mase.push(mase(actual, mean, scale));
      acc[name].smape.push(smape(actual, mean));
      acc[name].cover.push(coverage(actual, r.points.map((p) => p.lo90), r.points.map((p) => p.hi90)));
      if (name === 'ensemble') for (const [m, w] of Object.entries(r.weights)) weights[m] = (weights[m] ?? 0) + w / trace.cases.length;
    }
  }
  const avg = (a) => (a.length === 0 ? null : a.reduce((x, y) => x + y, 0) / a.length);
  const row = { trace: trace.name, cases: trace.cases.length, seconds: (performance.now() - started) / 1000, weights, models: {} };
  for (const name of names) row.models[name] = { mase: avg(acc[name].mase), smape: avg(acc[name].smape), coverage90: avg(acc[name].cover), n: acc[name].mase.length };
  results.push(row);
  if (!JSON_OUT) {
    console.log(`\n${trace.name}: ${trace.cases.length} origins, ${row.seconds.toFixed(1)} s`);
    console.log('model          MASE    sMAPE%  cover90  n');
    for (const name of names) {
      const m = row.models[name];
      if (m.mase === null) { console.log(`${name.padEnd(14)} (not applicable)`); continue; }
      console.log(`${name.padEnd(14)} ${m.mase.toFixed(3).padStart(6)}  ${m.smape.toFixed(1).padStart(6)}  ${(m.coverage90 * 100).toFixed(1).padStart(6)}%  ${m.n}`);
    }
    const single = names.filter((n) => n !== 'ensemble' && row.models[n].mase !== null && row.models[n].n === row.models.ensemble.n);
    const best = single.sort((a, b) => row.models[a].mase - row.models[b].mase)[0];
    const sn = ['snaive_daily', 'snaive_weekly'].filter((n) => row.models[n]?.mase != null).sort((a, b) => row.models[a].mase - row.models[b].mase)[0];
    console.log(`mean ensemble weights: ${Object.entries(weights).map(([m, w]) => `${m} ${w.toFixed(2)}`).join(', ')}`);
    if (best) console.log(`best single: ${best} (${row.models[best].mase.toFixed(3)}); ensemble/best = ${(row.models.ensemble.mase / row.models[best].mase).toFixed(3)}`);
    if (sn && trace.diurnal) console.log(`ensemble/seasonal naive (${sn}) = ${(row.models.ensemble.mase / row.models[sn].mase).toFixed(3)}`);
  }
}
if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
