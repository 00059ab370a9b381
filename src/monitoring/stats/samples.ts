/** Preparing raw samples: dropping missing values, sorting, counting categories. */
import { sortFloat64 } from './sort.js';

/** A categorical value; null, undefined and '' are missing. */
export type CategoryValue = string | null | undefined;

/** The finite values of a sample, sorted ascending. NaN and ±∞ count as missing (Evidently drops both). */
export function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) out[n++] = x;
  }
  return sortFloat64(out.subarray(0, n));
}

/** Per-category counts, missing values skipped. */
export function countCategories(values: Iterable<CategoryValue>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) {
    if (v === null || v === undefined || v === '') continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** Code-point order, the order of Python's sorted() on str. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface AlignedCounts {
  /** Sorted union of the categories of both samples. */
  categories: string[];
  ref: number[];
  cur: number[];
}

/** Count vectors of both samples over the sorted union of their categories (0 where absent). */
export function alignCounts(ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): AlignedCounts {
  const categories = [...new Set([...ref.keys(), ...cur.keys()])].sort(compareStrings);
  return {
    categories,
    ref: categories.map((c) => ref.get(c) ?? 0),
    cur: categories.map((c) => cur.get(c) ?? 0),
  };
}

/** Number of elements of a sorted array that are < x. */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of a sorted array that are ≤ x. */
export function upperBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
