/**
 * The forecasting back-ends in one call: augurs (ETS, MSTL, Prophet, seasons, outlier, changepoint) and, when
 * asked for, TensorFlow.js for the LSTM. This is the only place the process loads WebAssembly and TensorFlow for
 * forecasting; src/core/forecast receives the resulting {@link ForecastEngine}.
 */
import type { ForecastEngine, ModelName } from '../../core/forecast/types.js';
import { loadAugursEngine } from './augurs.js';
import { loadLstmEngine } from './tf.js';

export { loadAugursEngine } from './augurs.js';
export { loadLstmEngine } from './tf.js';

/** An engine able to run `models` (Prophet and the LSTM are loaded only when listed). */
export async function loadForecastEngine(models: readonly ModelName[]): Promise<ForecastEngine> {
  const augurs = await loadAugursEngine({ prophet: models.includes('prophet') });
  if (!models.includes('lstm')) return augurs;
  return { ...augurs, ...(await loadLstmEngine()) };
}
