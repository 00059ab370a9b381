import { ksLimitPValue, ksTwoSample, psiFromCounts } from '../monitoring/index.js';
import type { ColumnSketch } from './profile/column-accumulator.js';
import { countInBins, quantileHistogram, sampleOf, sketchBuckets } from './profile/profile.js';

/** PSI at or above this is a shift worth a look (the usual rule of thumb). */
export const PSI_DRIFT = 0.2;
/** KS p-values below this reject "same distribution". */
export const KS_ALPHA = 0.05;

/** How far a column moved from a reference. */
export interface ColumnComparison {
  readonly psi: number;
  readonly ks_statistic?: number;
  readonly ks_p_value?: number;
  readonly drifted: boolean;
}

const numeric = (c: ColumnSketch) => c.type === 'integer' || c.type === 'float';

/**
 * Compares a column with its reference from their sketches. Numeric: PSI over the reference's
 * quantile bins (the current counts come from its log buckets, so they are exact at those edges)
 * and a two-sample KS test (on all values for columns with few distinct values, else on uniform
 * samples of 2,048); drift is KS p < 0.05. Categorical: PSI over the categories of both; drift is PSI ≥ 0.2. The statistics are
 * the monitoring module's.
 */
export function compareColumns(ref: ColumnSketch, cur: ColumnSketch): ColumnComparison | null {
  if (numeric(ref) && numeric(cur)) {
    if (ref.n === 0 || cur.n === 0) return null;
    const refBuckets = sketchBuckets(ref);
    const hist = quantileHistogram(refBuckets, ref.n, ref.min!, ref.max!);
    const psi = psiFromCounts(hist.counts, countInBins(sketchBuckets(cur), hist.edges));
    const ks = ksOf(ref, cur);
    return { psi, ks_statistic: ks.statistic, ks_p_value: ks.pValue, drifted: ks.pValue < KS_ALPHA };
  }
  const refCounts = categoryCounts(ref);
  const curCounts = categoryCounts(cur);
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
  if (keys.length === 0) return null;
  const r = keys.map((k) => refCounts.get(k) ?? 0);
  const c = keys.map((k) => curCounts.get(k) ?? 0);
  if (r.every((x) => x === 0) || c.every((x) => x === 0)) return null;
  const psi = psiFromCounts(r, c);
  return { psi, drifted: psi >= PSI_DRIFT };
}

/** Rows up to which exact counts are expanded into the full samples (SciPy's exact KS range). */
const FULL_SAMPLE = 10_000;

/**
 * Two-sample KS. Columns counted exactly are compared on all their values (expanded while small,
 * else by their exact distribution functions with the asymptotic p-value); others on samples.
 */
function ksOf(ref: ColumnSketch, cur: ColumnSketch): { statistic: number; pValue: number } {
  if (ref.numbers !== null && cur.numbers !== null) {
    if (ref.n <= FULL_SAMPLE && cur.n <= FULL_SAMPLE) return ksTwoSample(sampleOf(ref, FULL_SAMPLE), sampleOf(cur, FULL_SAMPLE));
    const statistic = ksFromCounts(ref.numbers, ref.n, cur.numbers, cur.n);
    return { statistic, pValue: ksLimitPValue(statistic, ref.n, cur.n) };
  }
  return ksTwoSample(sampleOf(ref), sampleOf(cur));
}

/** The largest gap between two distribution functions given as counts of values. */
function ksFromCounts(a: readonly (readonly [number, number])[], na: number, b: readonly (readonly [number, number])[], nb: number): number {
  const x = a.slice().sort((p, q) => p[0] - q[0]);
  const y = b.slice().sort((p, q) => p[0] - q[0]);
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let d = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]![0] <= y[j]![0]) ? x[i]![0] : y[j]![0];
    while (i < x.length && x[i]![0] === v) fa += x[i++]![1];
    while (j < y.length && y[j]![0] === v) fb += y[j++]![1];
    d = Math.max(d, Math.abs(fa / na - fb / nb));
  }
  return d;
}

/** Counts per category: strings and booleans as they are, numbers by their exact counts. */
function categoryCounts(c: ColumnSketch): Map<string, number> {
  const m = new Map<string, number>();
  if (c.type === 'boolean') {
    if (c.trues) m.set('true', c.trues);
    if (c.falses) m.set('false', c.falses);
  } else if (numeric(c)) {
    for (const [v, n] of c.numbers ?? []) m.set(String(v), n);
  } else for (const [v, n] of c.categories) m.set(v, n);
  return m;
}
