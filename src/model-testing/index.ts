/**
 * Model tests before release: checks declared in YAML (performance thresholds, robustness to
 * noise, missing, out-of-range and unseen values, invariance and directional expectations,
 * performance per slice, a stress test with the built-in load generator), run against any
 * model that predicts records, reported as JUnit XML and markdown.
 */
export { computeMetric, defaultMetric, higherIsBetter, readLabels, METRIC_NAMES, type MetricOptions } from './metrics.js';
export {
  parseTestSpec, SpecError, PERTURBATIONS, DIRECTIONS,
  type TestSpec, type Bound, type RobustnessCheck, type InvarianceCheck, type DirectionalCheck, type SliceCheck, type StressSpec, type Change, type Perturbation, type Direction,
} from './spec.js';
export { perturb, changeVariants, type ChangeVariant } from './perturb.js';
export { runModelTests, SUITES, type ModelUnderTest, type CheckResult, type TestRun, type RunOptions, type Suite } from './runner.js';
export { runLoad, percentile, summarizeLatencies, type LoadOptions, type LoadResult, type LatencySummary } from './load-generator.js';
export { junitXml, markdownReport } from './report.js';
