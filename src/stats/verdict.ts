/**
 * Turns a test result into a decision for an A/B deployment: a winner, no difference, or not
 * enough data yet. Works with fixed-horizon results (p-value and interval of twoProportionZTest /
 * welchTTest, judged once the planned sample size is reached) and with mSPRT results (always-valid
 * p-value and interval, judged at any look).
 */
import { InvalidParameterError } from '../errors/index.js';

export type VerdictKind = 'winner' | 'no_difference' | 'insufficient_data';

export interface VerdictInput {
  /** p-value of the test of "no difference" (always-valid for mSPRT). */
  pValue: number;
  /** Estimated B − A. */
  difference: number;
  /** Interval for B − A. */
  confidenceInterval: [number, number];
  nA: number;
  nB: number;
  /** Default 0.05. */
  alpha?: number;
  /** Below this many observations in either arm nothing is decided; default 30. */
  minPerArm?: number;
  /**
   * Planned per-arm sample size (from sampleSizeProportions / sampleSizeMeans, or the horizon of a
   * sequential test). Reaching it without significance means no difference.
   */
  plannedPerArm?: number;
  /** Smallest effect that matters: an interval inside (−m, m) means no difference. */
  minimumEffect?: number;
  /** Whether a larger outcome is better (accuracy, conversion); default true. */
  higherIsBetter?: boolean;
}

export interface Verdict {
  verdict: VerdictKind;
  /** The better arm when verdict is 'winner'. */
  winner: 'A' | 'B' | null;
  reason: string;
}

export function abVerdict(input: VerdictInput): Verdict {
  const alpha = input.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidParameterError(`alpha must lie strictly between 0 and 1, got ${alpha}.`, 'alpha');
  const minPerArm = input.minPerArm ?? 30;
  const higherIsBetter = input.higherIsBetter ?? true;
  const n = Math.min(input.nA, input.nB);
  if (!(n >= minPerArm)) {
    return { verdict: 'insufficient_data', winner: null, reason: `${n} observations in the smaller arm, at least ${minPerArm} needed` };
  }
  if (Number.isNaN(input.pValue)) {
    return { verdict: 'insufficient_data', winner: null, reason: 'the test could not be computed on these data' };
  }
  if (input.pValue <= alpha && input.difference !== 0) {
    const bBetter = input.difference > 0 === higherIsBetter;
    return {
      verdict: 'winner',
      winner: bBetter ? 'B' : 'A',
      reason: `p = ${input.pValue.toPrecision(3)} ≤ ${alpha}; B − A = ${input.difference.toPrecision(4)}`,
    };
  }
  const [lo, hi] = input.confidenceInterval;
  if (input.minimumEffect !== undefined) {
    const m = Math.abs(input.minimumEffect);
    if (lo > -m && hi < m) {
      return { verdict: 'no_difference', winner: null, reason: `the interval [${lo.toPrecision(3)}, ${hi.toPrecision(3)}] excludes effects of ±${m}` };
    }
  }
  if (input.plannedPerArm !== undefined && n >= input.plannedPerArm) {
    return { verdict: 'no_difference', winner: null, reason: `planned ${input.plannedPerArm} per arm reached with p = ${input.pValue.toPrecision(3)} > ${alpha}` };
  }
  return {
    verdict: 'insufficient_data',
    winner: null,
    reason:
      input.plannedPerArm !== undefined
        ? `p = ${input.pValue.toPrecision(3)} > ${alpha} with ${n} of ${input.plannedPerArm} planned per arm`
        : `p = ${input.pValue.toPrecision(3)} > ${alpha} and no planned sample size or minimum effect to conclude "no difference"`,
  };
}
