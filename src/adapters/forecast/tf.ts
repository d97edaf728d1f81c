/**
 * Loads TensorFlow.js for the LSTM model (issue #6) with the pure-JS CPU backend — no native add-on, so it runs
 * wherever Node does — and returns the {@link ForecastEngine} `lstm` function. Loading is lazy and cached: the
 * default ensemble does not use the LSTM, so most processes never pay for it.
 */
import type * as TF from '@tensorflow/tfjs';
import { GovError } from '../../core/errors.js';
import { lstmForecast } from '../../core/forecast/lstm.js';
import type { ForecastEngine } from '../../core/forecast/types.js';

let loading: Promise<typeof TF> | undefined;

async function load(): Promise<typeof TF> {
  try {
    const tf = (await import('@tensorflow/tfjs')) as typeof TF;
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  } catch (error) {
    throw new GovError('GOV_INTERNAL', `cannot load TensorFlow.js for the LSTM model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The LSTM back-end: trains a small seeded network per call (see src/core/forecast/lstm.ts for its bounds). */
export async function loadLstmEngine(): Promise<Pick<ForecastEngine, 'lstm'>> {
  loading ??= load();
  const tf = await loading;
  return { lstm: (y, horizon, options) => lstmForecast(tf, y, horizon, options) };
}
