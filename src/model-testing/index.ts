/** Model tests before release: metrics, checks declared in YAML, a load generator, and reports (JUnit XML, markdown). */
export { computeMetric, defaultMetric, higherIsBetter, readLabels, METRIC_NAMES, type MetricOptions } from './metrics.js';
