/** Drift statistics on samples and histograms. */
export { sortFloat64 } from './sort.js';
export { finiteSorted, countCategories, alignCounts, compareStrings, lowerBound, upperBound, type CategoryValue, type AlignedCounts } from './samples.js';
export { ksTwoSample, ksTwoSampleSorted, ksEffectiveN, ksLimitPValue, KS_EXACT_MAX_N, type KsMethod, type KsResult } from './ks.js';
export { wassersteinDistance, wassersteinSorted, populationStd, normedWasserstein, WASSERSTEIN_MIN_STD } from './wasserstein.js';
export {
  DECILES,
  quantileLinear,
  decileCutPoints,
  cutPointBin,
  countByCutPoints,
  countSortedByCutPoints,
  equalWidthEdges,
  countByEdges,
  countSortedByEdges,
} from './binning.js';
export {
  PSI_EMPTY_SHARE,
  psiFromCounts,
  jensenShannonDistance,
  hellingerDistance,
  chiSquareContingency,
  zTestFirstCategory,
  type ChiSquareResult,
  type ZTestResult,
} from './distances.js';
export {
  psiNumeric,
  psiNumericSorted,
  jensenShannonNumeric,
  jensenShannonNumericSorted,
  equalWidthHistogramsSorted,
  compareCategorical,
  predictionShift,
  type NumericPsiResult,
  type NumericJsResult,
  type EqualWidthHistograms,
  type CategoricalComparison,
} from './on-samples.js';
export {
  STAT_TESTS,
  STAT_TEST_NAMES,
  SMALL_REFERENCE_MAX,
  isStatTestName,
  parseStatTestName,
  chooseStatTest,
  isDrift,
  parseStattestOverrides,
  type StatTestName,
  type StatTestInfo,
  type StatTestOverrides,
  type DriftColumnType,
} from './stattests.js';
export { columnDrift, datasetDrift, datasetDriftOnSamples, type DriftResult, type DriftOptions, type DatasetDriftResult } from './drift.js';
