// Forecast throughput benchmark (issue #6): fit + 24 h forecast at 5-min steps (288 steps) from 14 days of
// history (4,032 points), per model and for the default ensemble. Run after `npm run build`:
//
//   node bench/forecast.mjs                       # per model on one core, then the default ensemble on 2 workers
//   node bench/forecast.mjs --series 40 --workers 2 --models snaive_daily,ets,mstl,prophet,lstm
//
// "fit" includes everything forecastSeries does for that model set: seasonality detection, the rolling-origin
// backtest (automatic origins: 7 daily ones on these weekly series), interval calibration and the final fit.
// Series are synthetic (seeded): a daily cycle, a weekday/weekend difference, a slow trend and noise, each with
// its own level and phase.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { loadForecastEngine } from '../dist/adapters/forecast/index.js';
import { forecastSeries, DEFAULT_MODELS } from '../dist/core/forecast/ensemble.js';

const STEP = 300;
const HISTORY = 14 * 288;
const HORIZON = 288;

function makeSeries(index) {
  let seed = 1000 + index * 7919;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const level = 20 + 200 * rnd();
  const phase = rnd() * 288;
  const values = [];
  for (let i = 0; i < HISTORY; i++) {
    const day = Math.floor(i / 288) % 7;
    const daily = Math.sin((2 * Math.PI * (i + phase)) / 288);
    const weekend = day >= 5 ? -0.25 : 0;
    values.push(Math.max(0, level * (1 + 0.5 * daily + weekend + 0.0005 * (i / 288)) + level * 0.08 * (rnd() - 0.5) * 2));
  }
  return { startSeconds: 1767225600, stepSeconds: STEP, values };
}

async function run(models, from, count, weighting) {
  const engine = await loadForecastEngine(models);
  const started = performance.now();
  for (let i = from; i < from + count; i++) {
    await forecastSeries(makeSeries(i), engine, { horizon: HORIZON, models, ...(weighting ? { weighting } : {}) });
  }
  return performance.now() - started;
}

if (!isMainThread) {
  const { models, from, count } = workerData;
  parentPort.postMessage(await run(models, from, count));
} else {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const SERIES = Number(opt('series', '60'));
  const WORKERS = Number(opt('workers', '2'));
  const models = opt('models', 'snaive_daily,snaive_weekly,ets,mstl,prophet,lstm').split(',');
  console.log(`forecast bench: ${HISTORY} points of history (14 d at 5 min), ${HORIZON}-step horizon; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
  console.log('\nper model, one core (fit = detection + backtest from 7 daily origins + calibration + final fit):');
  console.log('model            ms/series   series/min/core');
  for (const model of models) {
    // Slow models get fewer series so the bench stays short.
    const count = model === 'prophet' || model === 'lstm' ? 3 : Math.min(SERIES, 20);
    await run([model], 0, 1, 'equal'); // warm-up: module load, JIT
    const ms = (await run([model], 1, count, 'equal')) / count;
    console.log(`${model.padEnd(16)} ${ms.toFixed(1).padStart(9)}   ${(60_000 / ms).toFixed(0).padStart(8)}`);
  }
  const ensemble = [...DEFAULT_MODELS];
  await run(ensemble, 0, 1);
  const single = (await run(ensemble, 1, Math.min(SERIES, 20))) / Math.min(SERIES, 20);
  console.log(`${'default ensemble'.padEnd(16)} ${single.toFixed(1).padStart(9)}   ${(60_000 / single).toFixed(0).padStart(8)}   (${ensemble.join(' + ')})`);
  const per = Math.ceil(SERIES / WORKERS);
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { models: ensemble, from: 100 + w * per, count: per } });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  const wall = performance.now() - started;
  const rate = (per * WORKERS) / (wall / 60_000);
  console.log(`\ndefault ensemble on ${WORKERS} worker threads: ${per * WORKERS} series in ${(wall / 1000).toFixed(1)} s = ${rate.toFixed(0)} series/min (target ≥ 1,000; includes module load per worker)`);
}
