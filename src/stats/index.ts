/** Statistics: distributions, Kolmogorov–Smirnov distributions, A/B tests, power, mSPRT. Pure functions, no I/O. */
export { logGamma, logBeta, gammaP, gammaQ, betaInc, betaIncComplement, logFactorialOverPower } from './special.js';
export { erf, erfc, normalPdf, normalCdf, normalSf, normalQuantile } from './normal.js';
export { studentTPdf, studentTCdf, studentTSf, studentTQuantile } from './student-t.js';
export { chiSquareCdf, chiSquareSf } from './chi-square.js';
export { kolmogorovCdf, kolmogorovSf, smirnovSf, kstwoCdf, kstwoSf, ksTwoSampleExactSf, type ExactTwoSampleResult } from './kolmogorov.js';
export { summarize, summaryFromSums, combineSummaries, type SampleSummary, type ProportionArm } from './summary.js';
export { twoProportionZTest, welchTTest, type Alternative, type TestOptions, type TwoProportionResult, type WelchResult } from './ab-tests.js';
export {
  sampleSizeProportions,
  sampleSizeMeans,
  powerProportions,
  powerMeans,
  type PlanOptions,
  type SampleSizePlan,
  type ProportionPlanInput,
  type ProportionPowerInput,
  type MeanPlanInput,
  type MeanPowerInput,
} from './power.js';
export { msprtUpdate, msprtProportions, msprtMeans, type MsprtOptions, type MsprtResult } from './msprt.js';
export { abVerdict, type Verdict, type VerdictInput, type VerdictKind } from './verdict.js';
