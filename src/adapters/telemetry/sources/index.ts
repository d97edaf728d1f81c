export { createPrometheusSource, type PrometheusSourceOptions } from './prometheus.js';
export { createDatadogSource, type DatadogSourceOptions } from './datadog.js';
export { createNewRelicSource, type NewRelicSourceOptions } from './newrelic.js';
export { createGoogleAnalyticsSource, localDate, zonedToUtc, type GoogleAnalyticsSourceOptions } from './google-analytics.js';
