/** The forecasting layer's public surface (issue #6, docs/forecasting.md). Pure. */
export * from './types.js';
export { forecastSeries, DEFAULT_MODELS, MIN_HISTORY, imputeExcluded, type ForecastOptions } from './ensemble.js';
export { detectAnomalies, type Anomaly, type AnomalyKind, type AnomalyReport, type DetectAnomaliesOptions } from './anomaly.js';
export { planningDemand, pointQuantile, type PlanningDemand, type PlanningDemandInput } from './planning.js';
export { detectPeriods } from './seasonality.js';
export { resampleToGrid, fillGaps, type RegularSeries, type ResampleOptions, type Aggregate } from './resample.js';
export { mase, smape, coverage, naiveScale, mae, quantile } from './metrics.js';
export { seasonalNaive, buildModels, coarsen, refine, type ForecastModel, type ModelContext, type ModelLimits } from './models.js';
