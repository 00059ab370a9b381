/**
 * Histogram distances and tests: PSI, Jensen–Shannon distance, Hellinger distance, chi-square
 * test of homogeneity, and the two-proportion z-test Evidently uses for binary columns. All take
 * count (or probability) vectors over the same bins, so they work for raw samples and sketches.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { chiSquareSf, normalSf } from '../../stats/index.js';
import { sum } from './samples.js';

/** Share that replaces an empty bin in PSI (no renormalisation afterwards). */
export const PSI_EMPTY_SHARE = 1e-4;

function checkPair(p: ArrayLike<number>, q: ArrayLike<number>, what: string): void {
  if (p.length !== q.length) throw new InvalidParameterError(`${what}: both histograms need the same bins (${p.length} vs ${q.length}).`);
  if (p.length === 0) throw new InvalidParameterError(`${what}: the histograms have no bins.`);
}

/**
 * Population stability index Σ (c − r)·ln(c/r) over bin shares; a share of exactly 0 becomes
 * 1e-4 on either side. Takes counts (or shares) of reference and current.
 */
export function psiFromCounts(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  checkPair(ref, cur, 'PSI');
  const nr = sum(ref);
  const nc = sum(cur);
  if (!(nr > 0) || !(nc > 0)) throw new InvalidParameterError('PSI needs at least one value in each sample.');
  let psi = 0;
  for (let i = 0; i < ref.length; i++) {
    let r = ref[i]! / nr;
    let c = cur[i]! / nc;
    if (r === 0) r = PSI_EMPTY_SHARE;
    if (c === 0) c = PSI_EMPTY_SHARE;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** x·ln(x/y) with 0·ln 0 = 0 (scipy.special.rel_entr). */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/**
 * Jensen–Shannon distance √JSD between two histograms (counts are normalised first), as
 * scipy.spatial.distance.jensenshannon. Natural log by default (range [0, √ln 2 ≈ 0.833], as
 * Evidently uses it); base 2 gives [0, 1].
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base: number = Math.E): number {
  checkPair(p, q, 'Jensen–Shannon');
  const sp = sum(p);
  const sq = sum(q);
  if (!(sp > 0) || !(sq > 0)) throw new InvalidParameterError('Jensen–Shannon needs a non-empty histogram on each side.');
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    left += relEntr(a, m);
    right += relEntr(b, m);
  }
  let js = left + right;
  if (base !== Math.E) js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/** Hellinger distance √(1 − Σ√(pᵢqᵢ)) between two histograms (normalised first), in [0, 1]. */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, 'Hellinger');
  const sp = sum(p);
  const sq = sum(q);
  if (!(sp > 0) || !(sq > 0)) throw new InvalidParameterError('Hellinger needs a non-empty histogram on each side.');
  let bc = 0;
  for (let i = 0; i < p.length; i++) bc += Math.sqrt((p[i]! / sp) * (q[i]! / sq));
  return Math.sqrt(1 - Math.min(Math.max(bc, 0), 1));
}

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
  /** Yates' continuity correction is used only for 2 × 2 tables (dof = 1). */
  correctionApplied: boolean;
}

/**
 * Chi-square test of homogeneity of the 2 × K table [reference counts; current counts], as
 * scipy.stats.chi2_contingency: expected = row total × column total / grand total, dof = K − 1,
 * Yates' correction (|O − E| reduced by min(½, |O − E|)) when dof = 1 unless turned off.
 * Bins empty on both sides are left out (they carry no information and would divide by zero).
 */
export function chiSquareContingency(ref: ArrayLike<number>, cur: ArrayLike<number>, opts?: { correction?: boolean }): ChiSquareResult {
  checkPair(ref, cur, 'chi-square');
  const keep: number[] = [];
  for (let i = 0; i < ref.length; i++) if (ref[i]! + cur[i]! > 0) keep.push(i);
  const nr = sum(ref);
  const nc = sum(cur);
  if (!(nr > 0) || !(nc > 0)) throw new InvalidParameterError('The chi-square test needs at least one value in each sample.');
  const dof = keep.length - 1;
  if (dof <= 0) return { statistic: 0, pValue: 1, dof: Math.max(dof, 0), correctionApplied: false };
  const total = nr + nc;
  const correct = dof === 1 && (opts?.correction ?? true);
  let statistic = 0;
  for (const [row, counts] of [
    [nr, ref],
    [nc, cur],
  ] as const) {
    for (const i of keep) {
      const expected = (row * (ref[i]! + cur[i]!)) / total;
      let observed = counts[i]!;
      if (correct) {
        const diff = expected - observed;
        observed += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      const d = observed - expected;
      statistic += (d * d) / expected;
    }
  }
  return { statistic, pValue: chiSquareSf(statistic, dof), dof, correctionApplied: correct };
}

export interface ZTestResult {
  /** z = (p_ref − p_cur)/√(P(1−P)(1/n_ref + 1/n_cur)), p = share of values other than the first category. */
  statistic: number;
  pValue: number;
}

/**
 * Evidently's z-test for a (mostly binary) column: the first category of the sorted union against
 * all others, two-sided. Both samples constant at the same value: p = 1.
 */
export function zTestFirstCategory(ref: ArrayLike<number>, cur: ArrayLike<number>): ZTestResult {
  checkPair(ref, cur, 'z-test');
  const n1 = sum(ref);
  const n2 = sum(cur);
  if (!(n1 > 0) || !(n2 > 0)) throw new InvalidParameterError('The z-test needs at least one value in each sample.');
  // The first category that occurs at all (bins empty on both sides are not categories here).
  let first = 0;
  while (ref[first]! + cur[first]! === 0) first++;
  const p1 = (n1 - ref[first]!) / n1;
  const p2 = (n2 - cur[first]!) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0 || Number.isNaN(se)) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / se;
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}
