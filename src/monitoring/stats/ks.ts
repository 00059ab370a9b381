/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as scipy.stats.ks_2samp: D = max |F_ref − F_cur|
 * over the pooled points with right-continuous ECDFs; 'auto' is exact when max(n) ≤ 10,000,
 * otherwise asymptotic; the asymptotic p-value is kstwo.sf(D, round(n·m/(n+m))).
 */
import { InvalidParameterError } from '../../errors/index.js';
import { kolmogorovSf, ksTwoSampleExactSf, kstwoSf } from '../../stats/index.js';
import { finiteSorted } from './samples.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

/** Largest sample size for which 'auto' computes the exact p-value (SciPy's MAX_AUTO_N). */
export const KS_EXACT_MAX_N = 10_000;

export interface KsResult {
  statistic: number;
  pValue: number;
  /** The method that produced the p-value. */
  method: 'exact' | 'asymp';
  /** Where |F_ref − F_cur| is largest (SciPy's statistic_location). */
  location: number;
  /** +1 when F_ref > F_cur there, −1 otherwise (SciPy's statistic_sign). */
  sign: 1 | -1;
  nRef: number;
  nCur: number;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Effective sample size n·m/(n+m), computed in the order SciPy does. */
export function ksEffectiveN(nRef: number, nCur: number): number {
  const m = Math.max(nRef, nCur);
  const n = Math.min(nRef, nCur);
  return (m * n) / (m + n);
}

/** The limiting-series p-value Q_KS(√en·D), for comparison with the finite-n one. */
export function ksLimitPValue(statistic: number, nRef: number, nCur: number): number {
  return kolmogorovSf(statistic * Math.sqrt(ksEffectiveN(nRef, nCur)));
}

/** KS test on samples already sorted ascending and free of NaN (see finiteSorted). */
export function ksTwoSampleSorted(ref: ArrayLike<number>, cur: ArrayLike<number>, opts?: { method?: KsMethod }): KsResult {
  const n1 = ref.length;
  const n2 = cur.length;
  if (n1 === 0 || n2 === 0) throw new InvalidParameterError('The KS test needs at least one value in each sample.');
  // Walk the distinct values of both samples; i, j = counts ≤ the current value.
  let i = 0;
  let j = 0;
  let maxS = Number.NEGATIVE_INFINITY;
  let minS = Number.POSITIVE_INFINITY;
  // SciPy reports the first pooled point (reference points come first) where the extreme occurs.
  let maxFirst = Number.NaN;
  let maxInRef = Number.NaN;
  let minFirst = Number.NaN;
  let minInRef = Number.NaN;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && ref[i]! <= cur[j]!) ? ref[i]! : cur[j]!;
    const startI = i;
    while (i < n1 && ref[i]! === v) i++;
    while (j < n2 && cur[j]! === v) j++;
    const inRef = i > startI;
    const diff = i / n1 - j / n2;
    if (diff > maxS) {
      maxS = diff;
      maxFirst = v;
      maxInRef = inRef ? v : Number.NaN;
    } else if (diff === maxS && inRef && Number.isNaN(maxInRef)) {
      maxInRef = v;
    }
    if (diff < minS) {
      minS = diff;
      minFirst = v;
      minInRef = inRef ? v : Number.NaN;
    } else if (diff === minS && inRef && Number.isNaN(minInRef)) {
      minInRef = v;
    }
  }
  const minD = Math.min(Math.max(-minS, 0), 1);
  let statistic: number;
  let location: number;
  let sign: 1 | -1;
  if (minD > maxS) {
    statistic = minD;
    location = Number.isNaN(minInRef) ? minFirst : minInRef;
    sign = -1;
  } else {
    statistic = maxS;
    location = Number.isNaN(maxInRef) ? maxFirst : maxInRef;
    sign = 1;
  }
  const requested = opts?.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'asymp') {
    throw new InvalidParameterError(`KS method must be 'auto', 'exact' or 'asymp', got '${String(requested)}'.`, 'method');
  }
  let method: 'exact' | 'asymp' = requested === 'auto' ? (Math.max(n1, n2) <= KS_EXACT_MAX_N ? 'exact' : 'asymp') : requested;
  if (method === 'exact' && (n1 / gcd(n1, n2)) * n2 > 2 ** 31 - 1) method = 'asymp'; // lattice too large
  let pValue = Number.NaN;
  if (method === 'exact') {
    const exact = ksTwoSampleExactSf(n1, n2, statistic);
    if (exact.ok) {
      statistic = exact.statistic;
      pValue = exact.pValue;
    } else {
      method = 'asymp';
    }
  }
  if (method === 'asymp') pValue = kstwoSf(statistic, Math.max(1, roundHalfEven(ksEffectiveN(n1, n2))));
  return { statistic, pValue: Math.min(Math.max(pValue, 0), 1), method, location, sign, nRef: n1, nCur: n2 };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** KS test on raw samples; NaN and ±∞ are dropped first. */
export function ksTwoSample(ref: ArrayLike<number>, cur: ArrayLike<number>, opts?: { method?: KsMethod }): KsResult {
  return ksTwoSampleSorted(finiteSorted(ref), finiteSorted(cur), opts);
}
