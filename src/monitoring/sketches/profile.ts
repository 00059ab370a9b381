/**
 * Reference profile: what monitoring keeps of a training dataset. Per numeric column the
 * reference deciles with the counts in their bins, the exact value counts when the column has few
 * distinct values, summary statistics and a sorted sample (a uniform reservoir, or every value
 * for offline reports); per categorical column the category frequencies. Built once; every
 * window is compared against it.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { countSortedByCutPoints, decileCutPoints } from '../stats/binning.js';
import { compareStrings, finiteSorted, type CategoryValue } from '../stats/samples.js';
import { SeededRandom } from './random.js';

export type ColumnType = 'numeric' | 'categorical';

/**
 * Up to this many distinct values (reference ∪ current) a numeric column is compared value by
 * value rather than on decile bins, as Evidently does for its histogram tests.
 */
export const MAX_DISTINCT_VALUES = 20;

/** Default size of the samples kept for KS and Wasserstein. */
export const DEFAULT_SAMPLE_SIZE = 10_000;

export interface NumericColumnProfile {
  type: 'numeric';
  column: string;
  /** Non-missing values. */
  count: number;
  /** Missing, NaN and infinite values. */
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof = 0), the scale of the normed Wasserstein distance. */
  std: number;
  /** Distinct values, ascending, when there are at most MAX_DISTINCT_VALUES of them; else null. */
  values: number[] | null;
  /** Counts of `values`, or null. */
  valueCounts: number[] | null;
  /** Distinct reference deciles: the bins (−∞, c₁], (c₁, c₂], …, (c_k, +∞). */
  cutPoints: number[];
  /** Reference counts per decile bin (cutPoints.length + 1). */
  binCounts: number[];
  /** Sorted sample of the reference values. */
  sample: Float64Array;
  /** True when `sample` holds every reference value. */
  sampleIsComplete: boolean;
}

export interface CategoricalColumnProfile {
  type: 'categorical';
  column: string;
  count: number;
  missing: number;
  /** Categories in code-point order, with their counts. */
  categories: string[];
  counts: number[];
}

export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

export interface ReferenceProfile {
  /** Rows of the reference dataset. */
  rows: number;
  columns: ColumnProfile[];
}

/** One column of a dataset held in memory. */
export type ColumnData =
  | { name: string; type: 'numeric'; values: ArrayLike<number> }
  | { name: string; type: 'categorical'; values: ArrayLike<CategoryValue> };

export interface ProfileOptions {
  /** Size of the kept sample per numeric column, or 'all' to keep every value; default 10,000. */
  sampleSize?: number | 'all';
  /** Seed of the sampling, default 1. */
  seed?: number;
}

function resolveSampleSize(size: number | 'all' | undefined): number {
  if (size === undefined) return DEFAULT_SAMPLE_SIZE;
  if (size === 'all') return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(size) || size < 1) throw new InvalidParameterError(`sampleSize must be a positive integer or 'all', got ${size}.`, 'sampleSize');
  return size;
}

/** k sorted values drawn uniformly without replacement from a sorted array (partial Fisher–Yates on indices). */
function sampleSorted(sorted: Float64Array, k: number, random: SeededRandom): Float64Array {
  const n = sorted.length;
  if (k >= n) return sorted;
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + random.below(n - i);
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
  const picked = index.subarray(0, k).sort();
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = sorted[picked[i]!]!;
  return out;
}

export function profileNumeric(column: string, values: ArrayLike<number>, opts?: ProfileOptions): NumericColumnProfile {
  const sorted = finiteSorted(values);
  const count = sorted.length;
  if (count === 0) throw new InvalidParameterError(`Column '${column}' has no numeric values in the reference data.`, column);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < count; i++) {
    const d = sorted[i]! - mean;
    ss += d * d;
  }
  // Distinct values: the sorted array makes them runs.
  const distinct: number[] = [];
  const distinctCounts: number[] = [];
  for (let i = 0; i < count && distinct.length <= MAX_DISTINCT_VALUES; ) {
    const v = sorted[i]!;
    let j = i + 1;
    while (j < count && sorted[j] === v) j++;
    distinct.push(v);
    distinctCounts.push(j - i);
    i = j;
  }
  const few = distinct.length <= MAX_DISTINCT_VALUES;
  const cutPoints = decileCutPoints(sorted);
  const size = resolveSampleSize(opts?.sampleSize);
  const sample = sampleSorted(sorted, size, new SeededRandom(opts?.seed ?? 1));
  return {
    type: 'numeric',
    column,
    count,
    missing: values.length - count,
    min: sorted[0]!,
    max: sorted[count - 1]!,
    mean,
    std: Math.sqrt(ss / count),
    values: few ? distinct : null,
    valueCounts: few ? distinctCounts : null,
    cutPoints,
    binCounts: countSortedByCutPoints(sorted, cutPoints),
    sample,
    sampleIsComplete: sample.length === count,
  };
}

export function profileCategorical(column: string, values: ArrayLike<CategoryValue>): CategoricalColumnProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '') missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const categories = [...counts.keys()].sort(compareStrings);
  if (categories.length === 0) throw new InvalidParameterError(`Column '${column}' has no values in the reference data.`, column);
  return {
    type: 'categorical',
    column,
    count: values.length - missing,
    missing,
    categories,
    counts: categories.map((c) => counts.get(c)!),
  };
}

export function profileColumn(data: ColumnData, opts?: ProfileOptions): ColumnProfile {
  if (data.type === 'numeric') return profileNumeric(data.name, data.values, opts);
  if (data.type === 'categorical') return profileCategorical(data.name, data.values);
  throw new InvalidParameterError(`Column '${(data as ColumnData).name}': type must be 'numeric' or 'categorical'.`, 'type');
}

/** Profiles every column (each numeric column sampled with its own seed derived from `seed`). */
export function buildReferenceProfile(columns: readonly ColumnData[], opts?: ProfileOptions): ReferenceProfile {
  const names = new Set<string>();
  let rows = 0;
  const profiles = columns.map((c, i) => {
    if (names.has(c.name)) throw new InvalidParameterError(`Column '${c.name}' appears twice.`, c.name);
    names.add(c.name);
    rows = Math.max(rows, c.values.length);
    return profileColumn(c, { ...opts, seed: (opts?.seed ?? 1) + i * 7919 });
  });
  return { rows, columns: profiles };
}

/** Plain JSON form of a profile (the sample as an array), for storing it. */
export function profileToJSON(profile: ReferenceProfile): unknown {
  return {
    rows: profile.rows,
    columns: profile.columns.map((c) => (c.type === 'numeric' ? { ...c, sample: Array.from(c.sample) } : c)),
  };
}

/** Reads a profile written by profileToJSON, checking its shape. */
export function profileFromJSON(json: unknown): ReferenceProfile {
  const bad = (what: string): never => {
    throw new InvalidParameterError(`Invalid reference profile: ${what}.`, 'profile');
  };
  if (typeof json !== 'object' || json === null) bad('not an object');
  const j = json as { rows?: unknown; columns?: unknown };
  if (typeof j.rows !== 'number' || !Array.isArray(j.columns)) bad('rows and columns are required');
  const columns = (j.columns as Record<string, unknown>[]).map((c, i): ColumnProfile => {
    if (typeof c !== 'object' || c === null || typeof c.column !== 'string') return bad(`column ${i} has no name`);
    if (c.type === 'categorical') {
      if (!Array.isArray(c.categories) || !Array.isArray(c.counts) || c.categories.length !== c.counts.length) bad(`column '${c.column}' needs categories and counts of equal length`);
      return c as unknown as CategoricalColumnProfile;
    }
    if (c.type === 'numeric') {
      if (!Array.isArray(c.cutPoints) || !Array.isArray(c.binCounts) || c.binCounts.length !== c.cutPoints.length + 1 || !Array.isArray(c.sample)) {
        bad(`column '${c.column}' needs cutPoints, binCounts (one more) and sample`);
      }
      return { ...(c as unknown as NumericColumnProfile), sample: Float64Array.from(c.sample as number[]) };
    }
    return bad(`column '${String(c.column)}' has an unknown type`);
  });
  return { rows: j.rows as number, columns };
}
