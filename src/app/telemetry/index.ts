export { IngestService, type IngestResult, type IngestSeries, type Receiver } from './ingest.js';
export { TelemetryMaintenance } from './maintenance.js';
export { TelemetryMetrics } from './metrics.js';
export { WritePipeline } from './pipeline.js';
export { PullManager, type PullSchedule, type SourceStatus } from './pull.js';
export { TelemetryQuery, type QueriedSeries, type SeriesQuery, type SeriesQueryResult } from './query.js';
export { SeriesEntry, SeriesRegistry } from './registry.js';
export { ScrapeManager, instanceOf, type ScrapeTarget, type TargetStatus } from './scrape.js';
export { TelemetryService, type TelemetryDeps, type TelemetryLogger, type TelemetrySettings } from './service.js';
