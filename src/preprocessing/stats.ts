import { compareCategories } from './values.js';
import type { CategoryValue } from './types.js';

// Fitting statistics over the non-missing values of one column. Callers drop missing values
// first and never pass an empty list.

export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return sum / xs.length;
}

/** Middle value of the sorted list; the mean of the two middle values when the count is even. */
export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/**
 * Mean and population standard deviation (divides by n, as sklearn's StandardScaler). A column
 * whose values are all equal gets std 0 exactly: rounding in the mean must not turn a constant
 * into a tiny spread that would blow values up when divided by it.
 */
export function meanAndStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) return { mean: min, std: 0 };
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - m;
    ss += d * d;
  }
  return { mean: m, std: Math.sqrt(ss / xs.length) };
}

/** The p-quantile (0 <= p <= 1) with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return frac === 0 ? a : a + (b - a) * frac;
}

/**
 * Inner boundaries of `nBins` bins. Edges are computed from the minimum to the maximum; equal
 * edges collapse (a heavily repeated value makes fewer bins, as in sklearn's KBinsDiscretizer),
 * then the outer two are dropped because every value lies between them anyway.
 */
export function binBoundaries(sorted: ArrayLike<number>, nBins: number, strategy: 'quantile' | 'uniform'): number[] {
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) {
    const e = i === 0 ? min : i === nBins ? max
      : strategy === 'quantile' ? quantile(sorted, i / nBins) : min + ((max - min) * i) / nBins;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges.slice(1, -1);
}

/** The most frequent value; ties go to the smallest (as sklearn's SimpleImputer). */
export function mostFrequent(values: readonly CategoryValue[]): CategoryValue {
  const counts = new Map<CategoryValue, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: CategoryValue | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount || (c === bestCount && compareCategories(v, best!) < 0)) {
      best = v;
      bestCount = c;
    }
  }
  return best!;
}

/** Distinct values, sorted. */
export function sortedDistinct(values: readonly CategoryValue[]): CategoryValue[] {
  return [...new Set(values)].sort(compareCategories);
}

/** Index of the first boundary greater than x = the number of boundaries <= x. */
export function bucketIndex(boundaries: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
