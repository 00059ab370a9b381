/**
 * The histogram statistics on raw samples, with the binning of the golden definitions (and of
 * the reference profiles): reference deciles for numeric PSI, 20 equal-width bins over the pooled
 * range for numeric Jensen–Shannon, one bin per category (sorted union) for categorical columns.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { countSortedByCutPoints, countSortedByEdges, decileCutPoints, equalWidthEdges } from './binning.js';
import { chiSquareContingency, jensenShannonDistance, psiFromCounts, type ChiSquareResult } from './distances.js';
import { alignCounts, countCategories, finiteSorted, type CategoryValue } from './samples.js';

export interface NumericPsiResult {
  value: number;
  cutPoints: number[];
  refCounts: number[];
  curCounts: number[];
}

/** PSI of sorted NaN-free samples on the reference deciles. */
export function psiNumericSorted(ref: ArrayLike<number>, cur: ArrayLike<number>): NumericPsiResult {
  if (ref.length === 0 || cur.length === 0) throw new InvalidParameterError('PSI needs at least one value in each sample.');
  const cutPoints = decileCutPoints(ref);
  const refCounts = countSortedByCutPoints(ref, cutPoints);
  const curCounts = countSortedByCutPoints(cur, cutPoints);
  return { value: psiFromCounts(refCounts, curCounts), cutPoints, refCounts, curCounts };
}

export function psiNumeric(ref: ArrayLike<number>, cur: ArrayLike<number>): NumericPsiResult {
  return psiNumericSorted(finiteSorted(ref), finiteSorted(cur));
}

export interface EqualWidthHistograms {
  lo: number;
  hi: number;
  edges: number[];
  refCounts: number[];
  curCounts: number[];
}

/** Histograms of both sorted samples on `bins` equal-width bins over min..max of the pooled values. */
export function equalWidthHistogramsSorted(ref: ArrayLike<number>, cur: ArrayLike<number>, bins = 20): EqualWidthHistograms {
  if (ref.length === 0 || cur.length === 0) throw new InvalidParameterError('Histograms need at least one value in each sample.');
  const lo = Math.min(ref[0]!, cur[0]!);
  const hi = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!);
  if (lo === hi) {
    // numpy puts every value in the last (closed) bin when all edges coincide.
    const refCounts = new Array<number>(bins).fill(0);
    const curCounts = new Array<number>(bins).fill(0);
    refCounts[bins - 1] = ref.length;
    curCounts[bins - 1] = cur.length;
    return { lo, hi, edges: equalWidthEdges(lo, hi, bins), refCounts, curCounts };
  }
  const edges = equalWidthEdges(lo, hi, bins);
  return { lo, hi, edges, refCounts: countSortedByEdges(ref, edges), curCounts: countSortedByEdges(cur, edges) };
}

export interface NumericJsResult extends EqualWidthHistograms {
  distance: number;
}

/** Jensen–Shannon distance of two numeric samples on equal-width bins (natural log unless `base`). */
export function jensenShannonNumericSorted(ref: ArrayLike<number>, cur: ArrayLike<number>, opts?: { bins?: number; base?: number }): NumericJsResult {
  const h = equalWidthHistogramsSorted(ref, cur, opts?.bins ?? 20);
  return { ...h, distance: jensenShannonDistance(h.refCounts, h.curCounts, opts?.base) };
}

export function jensenShannonNumeric(ref: ArrayLike<number>, cur: ArrayLike<number>, opts?: { bins?: number; base?: number }): NumericJsResult {
  return jensenShannonNumericSorted(finiteSorted(ref), finiteSorted(cur), opts);
}

export interface CategoricalComparison {
  categories: string[];
  refCounts: number[];
  curCounts: number[];
  psi: number;
  /** Natural log. */
  jensenShannon: number;
  chiSquare: ChiSquareResult;
}

/** PSI, Jensen–Shannon and chi-square of two categorical samples over the sorted union of categories. */
export function compareCategorical(ref: Iterable<CategoryValue> | ReadonlyMap<string, number>, cur: Iterable<CategoryValue> | ReadonlyMap<string, number>): CategoricalComparison {
  const r = ref instanceof Map ? ref : countCategories(ref as Iterable<CategoryValue>);
  const c = cur instanceof Map ? cur : countCategories(cur as Iterable<CategoryValue>);
  const a = alignCounts(r, c);
  return {
    categories: a.categories,
    refCounts: a.ref,
    curCounts: a.cur,
    psi: psiFromCounts(a.ref, a.cur),
    jensenShannon: jensenShannonDistance(a.ref, a.cur),
    chiSquare: chiSquareContingency(a.ref, a.cur),
  };
}

/**
 * Shift of a model's prediction distribution between two versions (the canary guardrail):
 * Jensen–Shannon distance with the natural log. Numeric predictions (scores, regression values)
 * are binned on `bins` equal-width bins over the pooled range; labels are compared per class.
 */
export function predictionShift(stable: ArrayLike<number> | Iterable<CategoryValue>, canary: ArrayLike<number> | Iterable<CategoryValue>, opts?: { bins?: number }): number {
  const numeric = (x: unknown): x is ArrayLike<number> =>
    x instanceof Float64Array || x instanceof Float32Array || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
  if (numeric(stable) && numeric(canary)) return jensenShannonNumeric(stable, canary, { bins: opts?.bins ?? 20 }).distance;
  if (numeric(stable) !== numeric(canary)) throw new InvalidParameterError('Both prediction samples must be numeric, or both labels.');
  const a = alignCounts(countCategories(stable as Iterable<CategoryValue>), countCategories(canary as Iterable<CategoryValue>));
  return jensenShannonDistance(a.ref, a.cur);
}
