/**
 * First Wasserstein (earth mover's) distance between two samples, ∫ |F_ref − F_cur| dx, as
 * scipy.stats.wasserstein_distance; and Evidently's normed form, W₁ / max(std_ref, 0.001) with the
 * population standard deviation — drift measured in reference standard deviations.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { finiteSorted } from './samples.js';

/** W₁ of two sorted NaN-free samples in one merge pass over the pooled values. */
export function wassersteinSorted(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  const n1 = ref.length;
  const n2 = cur.length;
  if (n1 === 0 || n2 === 0) throw new InvalidParameterError('The Wasserstein distance needs at least one value in each sample.');
  let i = 0;
  let j = 0;
  let total = 0;
  let previous = Math.min(ref[0]!, cur[0]!);
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && ref[i]! <= cur[j]!) ? ref[i]! : cur[j]!;
    // Between the previous pooled value and v both ECDFs are constant at i/n1 and j/n2.
    total += Math.abs(i / n1 - j / n2) * (v - previous);
    while (i < n1 && ref[i]! === v) i++;
    while (j < n2 && cur[j]! === v) j++;
    previous = v;
  }
  return total;
}

export function wassersteinDistance(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  return wassersteinSorted(finiteSorted(ref), finiteSorted(cur));
}

/** Population standard deviation (ddof = 0), two-pass like numpy.std. */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** Floor of the normalising standard deviation (Evidently's), so constant references do not divide by 0. */
export const WASSERSTEIN_MIN_STD = 0.001;

export function normedWasserstein(distance: number, referenceStd: number): number {
  return distance / Math.max(referenceStd, WASSERSTEIN_MIN_STD);
}
