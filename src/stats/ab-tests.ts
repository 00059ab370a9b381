/**
 * Fixed-horizon A/B tests on per-arm aggregates. Arm A is the control, B the treatment; every
 * difference is B − A, and alternative 'greater' means "B is larger".
 */
import { InvalidParameterError } from '../errors/index.js';
import { normalCdf, normalQuantile, normalSf } from './normal.js';
import { studentTCdf, studentTQuantile, studentTSf } from './student-t.js';
import { checkProportionArm, checkSummary, type ProportionArm, type SampleSummary } from './summary.js';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface TestOptions {
  alternative?: Alternative;
  /** Confidence level of the interval for the difference, default 0.95. */
  confidenceLevel?: number;
}

export interface TwoProportionResult {
  rateA: number;
  rateB: number;
  /** rateB − rateA. */
  difference: number;
  /** Pooled-variance z statistic (the usual test of H0: rateA = rateB). */
  z: number;
  pValue: number;
  /** Unpooled standard error of the difference, used for the interval. */
  standardError: number;
  /** Wald interval for the difference (two-sided; for a one-sided test the matching half-line). */
  confidenceInterval: [number, number];
  confidenceLevel: number;
}

export interface WelchResult {
  meanA: number;
  meanB: number;
  /** meanB − meanA. */
  difference: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  pValue: number;
  standardError: number;
  confidenceInterval: [number, number];
  confidenceLevel: number;
}

function options(opts: TestOptions | undefined): { alternative: Alternative; level: number } {
  const alternative = opts?.alternative ?? 'two-sided';
  if (alternative !== 'two-sided' && alternative !== 'greater' && alternative !== 'less') {
    throw new InvalidParameterError(`alternative must be 'two-sided', 'greater' or 'less', got '${String(alternative)}'.`, 'alternative');
  }
  const level = opts?.confidenceLevel ?? 0.95;
  if (!(level > 0 && level < 1)) throw new InvalidParameterError(`confidenceLevel must lie strictly between 0 and 1, got ${level}.`, 'confidenceLevel');
  return { alternative, level };
}

function pFromZ(z: number, alternative: Alternative): number {
  if (alternative === 'greater') return normalSf(z);
  if (alternative === 'less') return normalCdf(z);
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

function interval(estimate: number, halfWidthUnit: number, critical: (p: number) => number, level: number, alternative: Alternative): [number, number] {
  if (alternative === 'two-sided') {
    const c = critical(1 - (1 - level) / 2);
    return [estimate - c * halfWidthUnit, estimate + c * halfWidthUnit];
  }
  const c = critical(level);
  return alternative === 'greater' ? [estimate - c * halfWidthUnit, Number.POSITIVE_INFINITY] : [Number.NEGATIVE_INFINITY, estimate + c * halfWidthUnit];
}

/**
 * Two-proportion z-test. The statistic uses the pooled rate under H0,
 * z = (p_B − p_A) / √(p̄(1−p̄)(1/n_A + 1/n_B)); the interval uses the unpooled Wald standard error
 * √(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B). When both arms are all-success or all-failure there is no
 * evidence of a difference: z = 0, p = 1.
 */
export function twoProportionZTest(a: ProportionArm, b: ProportionArm, opts?: TestOptions): TwoProportionResult {
  checkProportionArm(a, 'A');
  checkProportionArm(b, 'B');
  const { alternative, level } = options(opts);
  const rateA = a.successes / a.trials;
  const rateB = b.successes / b.trials;
  const difference = rateB - rateA;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  const z = pooledSe === 0 ? 0 : difference / pooledSe;
  const pValue = pooledSe === 0 ? 1 : pFromZ(z, alternative);
  const standardError = Math.sqrt((rateA * (1 - rateA)) / a.trials + (rateB * (1 - rateB)) / b.trials);
  return {
    rateA,
    rateB,
    difference,
    z,
    pValue,
    standardError,
    confidenceInterval: interval(difference, standardError, normalQuantile, level, alternative),
    confidenceLevel: level,
  };
}

/**
 * Welch's unequal-variance t-test from summaries: t = (m_B − m_A)/√(s²_A/n_A + s²_B/n_B) with
 * Welch–Satterthwaite df. Matches scipy.stats.ttest_ind(b, a, equal_var=False). Zero variance in
 * both arms: equal means give t = 0, p = 1; different means give t = ±∞, p = 0.
 */
export function welchTTest(a: SampleSummary, b: SampleSummary, opts?: TestOptions): WelchResult {
  checkSummary(a, 'A');
  checkSummary(b, 'B');
  const { alternative, level } = options(opts);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  const standardError = Math.sqrt(se2);
  const difference = b.mean - a.mean;
  const df = se2 === 0 ? Number.POSITIVE_INFINITY : (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  let t: number;
  let pValue: number;
  if (standardError === 0) {
    t = difference === 0 ? 0 : difference > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const noEvidence = difference === 0 || (alternative === 'greater' && difference < 0) || (alternative === 'less' && difference > 0);
    pValue = noEvidence ? 1 : 0;
  } else {
    t = difference / standardError;
    if (alternative === 'greater') pValue = studentTSf(t, df);
    else if (alternative === 'less') pValue = studentTCdf(t, df);
    else pValue = Math.min(1, 2 * studentTSf(Math.abs(t), df));
  }
  const critical = (p: number) => (Number.isFinite(df) ? studentTQuantile(p, df) : normalQuantile(p));
  return {
    meanA: a.mean,
    meanB: b.mean,
    difference,
    t,
    df,
    pValue,
    standardError,
    confidenceInterval: interval(difference, standardError, critical, level, alternative),
    confidenceLevel: level,
  };
}
