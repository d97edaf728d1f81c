/**
 * A small LSTM forecaster (issue #6) for short-term patterns the statistical models miss. TensorFlow.js is
 * injected (the adapter loads it with the pure-JS CPU backend), so this file stays free of I/O and global
 * set-up; initialisers are seeded and batches unshuffled, so a fit is reproducible.
 *
 * Inputs per step: the standardised value, the standardised value one season earlier (the seasonal anchor the
 * network corrects) and the season phase as sin/cos. One LSTM layer of `units` cells and a dense output predict
 * the next standardised value; the horizon is forecast recursively. Training is bounded by construction: at
 * most `maxSamples` windows × `epochs` — the caller (models.ts) also fits on a coarsened series.
 */
import type * as TF from '@tensorflow/tfjs';

export interface LstmOptions {
  /** Season length in steps (0: none). */
  readonly period: number;
  readonly seed: number;
  /** Window length. Default 24. */
  readonly window?: number;
  /** LSTM cells. Default 16. */
  readonly units?: number;
  /** Training epochs. Default 8. */
  readonly epochs?: number;
  /** Most recent training windows used. Default 1,500. */
  readonly maxSamples?: number;
}

/** Forecast `horizon` steps with a freshly trained LSTM. Needs history ≥ window + period + 10. */
export async function lstmForecast(tf: typeof TF, history: readonly number[], horizon: number, options: LstmOptions): Promise<number[]> {
  const window = options.window ?? 24;
  const period = options.period > 1 && options.period * 2 < history.length ? options.period : 0;
  const n = history.length;
  let mean = 0;
  for (const v of history) mean += v;
  mean /= n;
  let sd = 0;
  for (const v of history) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / n) || 1;
  const series = history.map((v) => (v - mean) / sd);
  const start = Math.max(window, period);
  if (n - start < 10) throw new Error(`lstm needs at least ${start + 10} points, has ${n}`);
  const features = (s: readonly number[], t: number): number[] => {
    const phase = period > 0 ? (2 * Math.PI * (t % period)) / period : 0;
    return [s[t] as number, period > 0 ? (s[t - period] as number) ?? 0 : 0, Math.sin(phase), Math.cos(phase)];
  };
  // Window ending at step t - 1 predicts step t; the seasonal anchor for step t rides along on its last row.
  const windowAt = (s: readonly number[], t: number): number[][] => {
    const rows: number[][] = [];
    for (let k = t - window; k < t; k++) rows.push(features(s, k));
    const last = rows[rows.length - 1] as number[];
    last[1] = period > 0 ? (s[t - period] as number) : (last[1] as number);
    return rows;
  };
  const maxSamples = options.maxSamples ?? 1500;
  const first = Math.max(start, n - maxSamples);
  const xs: number[][][] = [];
  const ys: number[][] = [];
  for (let t = first; t < n; t++) { xs.push(windowAt(series, t)); ys.push([series[t] as number]); }
  const model = tf.sequential();
  model.add(tf.layers.lstm({
    units: options.units ?? 16, inputShape: [window, 4],
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: options.seed + 1 }),
  }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 2 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const x = tf.tensor3d(xs);
  const y = tf.tensor2d(ys);
  try {
    await model.fit(x, y, { epochs: options.epochs ?? 8, batchSize: 64, shuffle: false, verbose: 0 });
    const extended = [...series];
    const out: number[] = [];
    for (let h = 0; h < horizon; h++) {
      const t = n + h;
      const input = tf.tensor3d([windowAt(extended, t)]);
      const prediction = model.predict(input) as TF.Tensor;
      const value = (await prediction.data())[0] as number;
      input.dispose();
      prediction.dispose();
      extended.push(value);
      out.push(value * sd + mean);
    }
    return out;
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}
