/**
 * Histogram binning with numpy's exact arithmetic, so that values lying on a bin edge land in
 * the same bin as in the golden SciPy/numpy computations:
 * - reference-quantile cut points (numpy.quantile, 'linear' = Hyndman & Fan type 7) with bins
 *   (−∞, c₁], (c₁, c₂], …, (c_k, +∞);
 * - equal-width edges (numpy.linspace) with numpy.histogram's [eᵢ, eᵢ₊₁) bins, the last closed.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { lowerBound, upperBound } from './samples.js';

/** The quantile probabilities of the PSI bins (reference deciles). */
export const DECILES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** numpy.quantile(sorted, q) with the default 'linear' method, including numpy's lerp rounding. */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new InvalidParameterError('A quantile needs at least one value.');
  if (!(q >= 0 && q <= 1)) throw new InvalidParameterError(`A quantile probability must lie in [0, 1], got ${q}.`);
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1]!;
  const previous = Math.floor(virtual);
  const gamma = virtual - previous;
  const a = sorted[previous]!;
  const b = sorted[previous + 1]!;
  const diff = b - a;
  // numpy interpolates from the nearer end: b − diff·(1 − γ) when γ ≥ ½.
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Distinct reference deciles, ascending (numpy.unique of numpy.quantile(ref, DECILES)). */
export function decileCutPoints(sortedRef: ArrayLike<number>): number[] {
  const cuts = DECILES.map((q) => quantileLinear(sortedRef, q)).sort((x, y) => x - y);
  return cuts.filter((c, i) => i === 0 || c !== cuts[i - 1]);
}

/** Bin of x for cut points c: the number of cut points < x (numpy.searchsorted side='left'). */
export function cutPointBin(cuts: ArrayLike<number>, x: number): number {
  return lowerBound(cuts, x);
}

/** Counts per (−∞, c₁], …, (c_k, +∞) bin of an unsorted sample. */
export function countByCutPoints(values: ArrayLike<number>, cuts: ArrayLike<number>): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[lowerBound(cuts, values[i]!)]!++;
  return counts;
}

/** The same counts for a sorted sample, by one binary search per cut point. */
export function countSortedByCutPoints(sorted: ArrayLike<number>, cuts: ArrayLike<number>): number[] {
  const counts: number[] = [];
  let previous = 0;
  for (let k = 0; k < cuts.length; k++) {
    const end = upperBound(sorted, cuts[k]!); // values ≤ c_k
    counts.push(end - previous);
    previous = end;
  }
  counts.push(sorted.length - previous);
  return counts;
}

/** numpy.linspace(lo, hi, bins + 1): eᵢ = i·step + lo, the last edge exactly hi. */
export function equalWidthEdges(lo: number, hi: number, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new InvalidParameterError(`The number of bins must be a positive integer, got ${bins}.`);
  const step = (hi - lo) / bins;
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(step === 0 ? lo + (i / bins) * (hi - lo) : i * step + lo);
  edges.push(hi);
  return edges;
}

/** Counts per numpy.histogram bin ([eᵢ, eᵢ₊₁), the last one closed) of an unsorted sample; values outside are ignored. */
export function countByEdges(values: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  const inner = Array.from({ length: bins - 1 }, (_, k) => edges[k + 1]!);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x >= lo && x <= hi)) continue;
    counts[upperBound(inner, x)]!++; // inner edges ≤ x
  }
  return counts;
}

/** The same counts for a sorted sample. */
export function countSortedByEdges(sorted: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  const bins = edges.length - 1;
  const counts: number[] = [];
  let start = lowerBound(sorted, edges[0]!);
  for (let k = 1; k < bins; k++) {
    const end = lowerBound(sorted, edges[k]!);
    counts.push(end - start);
    start = end;
  }
  counts.push(upperBound(sorted, edges[bins]!) - start);
  return counts;
}
