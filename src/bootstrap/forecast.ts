/**
 * Wiring for forecasting (issue #6): the one place that hands the augurs/TensorFlow back-ends and the trace
 * reader to the CLI and the service. Commands import this lazily, so other commands never load WebAssembly.
 */
export { loadForecastEngine } from '../adapters/forecast/index.js';
export { readTraceCsv, type Trace, type ReadTraceOptions } from '../adapters/trace/csv.js';
