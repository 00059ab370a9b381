/** Monitoring: drift statistics on samples and on sketches. */
export * from './stats/index.js';
export * from './sketches/index.js';
export * from './alerts/index.js';
export * from './report/index.js';
export * from './live/index.js';
