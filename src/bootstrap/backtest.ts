import type { Offering } from '../core/model/offering.js';
import { plan } from '../core/planner/plan.js';
import { FakeClock } from '../adapters/clock/fake.js';
import { createSimProvider, DEFAULT_STARTUP, longestDelaySeconds } from '../adapters/cloud/sim/index.js';
import { startupRange } from '../adapters/cloud/sim/startup.js';
import { readTraceCsv, type Trace } from '../adapters/trace/csv.js';
import type { BacktestInput } from '../app/loop/backtest.js';
import type { PlanFunction } from '../app/loop/loop.js';
import { createSolver } from './planner.js';
import { createEnsembleDemandForecaster } from '../app/forecast/demand-forecaster.js';
import { HeadroomForecaster, type DemandForecaster } from '../app/loop/forecaster.js';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import type { ModelName } from '../core/forecast/index.js';
import { loadForecastEngine } from './forecast.js';

/** The forecasters Governator's policy can run with in a backtest. */
export const BACKTEST_FORECASTERS = ['headroom', 'ensemble'] as const;
export type BacktestForecaster = (typeof BACKTEST_FORECASTERS)[number];

/**
 * Governator's forecaster for a backtest: `headroom` (the loop's growth-quantile forecaster, `loop.forecast_quantile`)
 * or `ensemble` (the forecasting ensemble `serve` uses, with the `[forecast]` settings; its back-ends load once).
 * The description names the settings, for the report header.
 */
export function backtestForecaster(kind: BacktestForecaster, config: Readonly<Config>): { make: () => DemandForecaster; description: string } {
  if (kind === 'headroom') {
    const quantile = config.loop.forecast_quantile;
    return { make: () => new HeadroomForecaster({ quantile }), description: `headroom forecaster, forecast quantile ${quantile}` };
  }
  const f = config.forecast;
  const models = f.models as ModelName[];
  let loading: ReturnType<typeof loadForecastEngine> | undefined;
  const engine = () => (loading ??= loadForecastEngine(models));
  return {
    make: () => createEnsembleDemandForecaster({
      engine, quantile: f.quantile, refitSeconds: parseDuration(f.refit_interval) / 1000, models,
      historyWindowSeconds: parseDuration(f.history_window) / 1000, origins: f.backtest_origins,
      anomalyDetection: f.anomaly_detection, anomalyAlgorithm: f.anomaly_algorithm,
    }),
    description: `ensemble forecaster (${models.join(', ')}), forecast quantile ${f.quantile}`,
  };
}

/**
 * What `governator backtest` runs on: per policy a fresh FakeClock and simulated cloud (the `sim` provider's
 * start-up delays, no random failures, spot interruptions off so every policy faces the same cloud), and the
 * planner on HiGHS.
 */
export function backtestEnvironment(seed = 1): Pick<BacktestInput, 'environment' | 'plan' | 'startupBoundSeconds'> {
  const solver = createSolver();
  const planFn: PlanFunction = (snapshot, options) => plan(snapshot, options, solver);
  return {
    plan: planFn,
    startupBoundSeconds: simStartupBoundSeconds,
    environment: (offerings: readonly Offering[], start: Date) => {
      const clock = new FakeClock(start);
      const cloud = createSimProvider({ offerings, clock, seed, spot: { enabled: false } });
      return { clock, cloud };
    },
  };
}

/**
 * The longest start-up delay the `sim` provider can draw for an offering with its default profile (the upper end
 * of its clamp, adapters/cloud/sim/random.ts): a GPU VM of the 2–7 min range may take up to 14 min. Hindsight
 * plans this far ahead (BacktestInput.startupBoundSeconds).
 */
export function simStartupBoundSeconds(offering: Offering): number {
  return longestDelaySeconds(startupRange(DEFAULT_STARTUP, offering));
}

/** Read a trace CSV (the format `governator forecast` reads), optionally on a coarser grid (mean per step). */
export function readTrace(path: string, options: { stepSeconds?: number; timeColumn?: string; valueColumn?: string } = {}): Promise<Trace> {
  return readTraceCsv(path, options);
}
