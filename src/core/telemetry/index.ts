export * from './series.js';
export * from './sample.js';
export * from './rollup.js';
export * from './exposition.js';
export * from './nodes.js';
export * from './time.js';
