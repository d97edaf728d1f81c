/**
 * Wiring for forecasting (issue #6): the one place that hands the augurs/TensorFlow back-ends and the trace
 * reader to the CLI and the service. Commands import this lazily, so other commands never load WebAssembly.
 */
import type { Config } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import type { ModelName } from '../core/forecast/types.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { EventBus } from '../app/events.js';
import { loadForecastEngine } from '../adapters/forecast/index.js';
import { createForecastService, type ForecastService, type ForecastServiceLogger } from '../app/forecast/service.js';

export { loadForecastEngine } from '../adapters/forecast/index.js';
export { readTraceCsv, type Trace, type ReadTraceOptions } from '../adapters/trace/csv.js';

export interface ForecastServiceDeps {
  /** The `[forecast]` section. */
  readonly config: Readonly<Config['forecast']>;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger?: ForecastServiceLogger;
  /** Publishes `forecast` and `anomaly` events (GET /api/v1/stream). */
  readonly events?: EventBus;
}

/**
 * The ForecastService from config: the control loop's DemandForecaster on the backtest-weighted ensemble, recording
 * every fit, forecast, anomaly and accuracy score in `store.forecasts` (what GET /api/v1/forecasts/{pool} and
 * GET /api/v1/anomalies serve). The back-ends load lazily, on the first fit.
 */
export function createConfiguredForecastService(deps: ForecastServiceDeps): ForecastService {
  const { config } = deps;
  const models = config.models as ModelName[];
  return createForecastService({
    repository: deps.store.forecasts,
    clock: deps.clock,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.events ? { events: deps.events } : {}),
    // Loaded on the first fit (WebAssembly); a failure shows as a naive forecast with the reason, and the next fit retries.
    engine: () => loadForecastEngine(models),
    quantile: config.quantile,
    refitSeconds: parseDuration(config.refit_interval) / 1000,
    maxFitsPerIteration: config.max_fits_per_iteration,
    models,
    historyWindowSeconds: parseDuration(config.history_window) / 1000,
    origins: config.backtest_origins,
    anomalyDetection: config.anomaly_detection,
    anomalyAlgorithm: config.anomaly_algorithm,
  });
}
