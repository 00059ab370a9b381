import { ksTwoSample, psiFromCounts } from '../monitoring/index.js';
import type { ColumnSketch } from './profile/column-accumulator.js';
import { countInBins, quantileHistogram, sketchBuckets } from './profile/profile.js';

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
 * and a two-sample KS test on the two uniform samples (2,048 values each at most); drift is KS
 * p < 0.05. Categorical: PSI over the categories of both; drift is PSI ≥ 0.2. The statistics are
 * the monitoring module's.
 */
export function compareColumns(ref: ColumnSketch, cur: ColumnSketch): ColumnComparison | null {
  if (numeric(ref) && numeric(cur)) {
    if (ref.n === 0 || cur.n === 0) return null;
    const refBuckets = sketchBuckets(ref);
    const hist = quantileHistogram(refBuckets, ref.n, ref.min!, ref.max!);
    const psi = psiFromCounts(hist.counts, countInBins(sketchBuckets(cur), hist.edges));
    const ks = ksTwoSample(ref.reservoir, cur.reservoir);
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
