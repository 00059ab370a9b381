import type { CategoryFrequencies, ColumnProfile, ColumnType, DatasetProfile, DatasetSchema, NumericHistogram, Quantiles } from '../types.js';
import { sampleCounts, type ColumnSketch } from './column-accumulator.js';
import { EXACT_NUMBER_LIMIT, HyperLogLog, LogHistogram, RESERVOIR_SIZE, Reservoir, bucketQuantile, hashNumber, hashBytes, type Bucket } from './sketches.js';

/** The stored, mergeable statistics of a table: what a profile is computed from. */
export interface DatasetSketch {
  readonly row_count: number;
  readonly columns: ColumnSketch[];
}

/** Values listed one by one in a profile's `categories`. */
export const TOP_CATEGORIES = 50;
/** Numeric columns with at most this many distinct values also get `categories`. */
export const NUMERIC_CATEGORY_LIMIT = 32;
/** Bins of a numeric histogram, at most. */
export const HISTOGRAM_BINS = 10;

const QUANTILES: [keyof Quantiles, number][] = [
  ['p01', 0.01], ['p05', 0.05], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p95', 0.95], ['p99', 0.99],
];

/** The schema a sketch implies (columns whose values were all missing are strings). */
export function schemaOfSketch(sketch: DatasetSketch): DatasetSchema {
  return { columns: sketch.columns.map((c) => ({ name: c.name, type: c.type ?? 'string' })) };
}

/** Buckets of a sketch column in value order. */
export function sketchBuckets(column: ColumnSketch): Bucket[] {
  const h = new LogHistogram();
  for (const [index, count] of column.buckets) h.addBucket(index, count);
  return h.buckets();
}

/**
 * Quantile-edged bins over bucketed counts: inner edges are bucket bounds, so counts are exact.
 * Edges start at the minimum and end just above the maximum.
 */
export function quantileHistogram(buckets: readonly Bucket[], total: number, min: number, max: number, bins = HISTOGRAM_BINS): NumericHistogram {
  if (total === 0 || buckets.length === 0) return { edges: [], counts: [] };
  const edges: number[] = [min];
  const counts: number[] = [];
  let before = 0;
  let binCount = 0;
  let target = 1;
  for (const b of buckets) {
    // Start a new bin at this bucket when the previous ones already hold the next quantile's share.
    if (binCount > 0 && before >= (target * total) / bins) {
      edges.push(b.lower);
      counts.push(binCount);
      binCount = 0;
      while (target < bins && before >= (target * total) / bins) target++;
    }
    binCount += b.count;
    before += b.count;
  }
  counts.push(binCount);
  const last = buckets[buckets.length - 1]!;
  edges.push(Number.isFinite(last.upper) && last.upper > max ? last.upper : nextUp(max));
  return { edges, counts };
}

/** Counts of values (given as buckets) in fixed bins [edges[i], edges[i+1]); values outside go to the end bins. */
export function countInBins(buckets: readonly Bucket[], edges: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  if (counts.length === 0) return counts;
  let bin = 0;
  for (const b of buckets) {
    while (bin < counts.length - 1 && b.lower >= edges[bin + 1]!) bin++;
    counts[bin]! += b.count;
  }
  return counts;
}

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] = b[0]! + (x > 0 ? 1n : -1n);
  return f[0]!;
}

/** numpy's default (linear) quantile of a multiset given as value-sorted counts. */
export function countsQuantile(sorted: readonly (readonly [number, number])[], total: number, q: number): number {
  const pos = q * (total - 1);
  const lo = Math.floor(pos);
  const at = (rank: number) => {
    let before = 0;
    for (const [v, c] of sorted) {
      if (rank < before + c) return v;
      before += c;
    }
    return sorted[sorted.length - 1]![0];
  };
  const a = at(lo);
  if (pos === lo) return a;
  return a + (at(lo + 1) - a) * (pos - lo);
}

/** The public statistics of one column from its sketch. */
export function columnProfile(c: ColumnSketch, rows: number): ColumnProfile {
  const type: ColumnType = c.type ?? 'string';
  const count = rows - c.missing;
  const base = { name: c.name, type, count, missing_count: c.missing, missing_share: rows === 0 ? 0 : c.missing / rows };
  if (type === 'integer' || type === 'float') {
    const exact = c.numbers !== null;
    const distinct = exact ? c.numbers!.length : HyperLogLog.fromBase64(c.hll!).estimate();
    const buckets = sketchBuckets(c);
    const min = c.min ?? NaN;
    const max = c.max ?? NaN;
    // Exact counts give exact quantiles (numpy's linear interpolation); else the buckets bound them within 0.4%.
    const sorted = exact ? c.numbers!.slice().sort((a, b) => a[0] - b[0]) : null;
    const quantiles = Object.fromEntries(
      QUANTILES.map(([k, q]) => [k, sorted ? countsQuantile(sorted, c.n, q) : bucketQuantile(buckets, c.n, q, min, max, type === 'integer')]),
    ) as unknown as Quantiles;
    const profile: ColumnProfile = {
      ...base,
      distinct_count: distinct,
      distinct_exact: exact,
      ...(c.n > 0 ? { min, max, mean: c.mean, std: c.n > 1 ? Math.sqrt(c.m2 / (c.n - 1)) : 0, quantiles, histogram: quantileHistogram(buckets, c.n, min, max) } : {}),
    };
    if (exact && c.numbers!.length <= NUMERIC_CATEGORY_LIMIT) {
      const values = c.numbers!.slice().sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([v, n]) => ({ value: String(v), count: n }));
      return { ...profile, categories: { values, other_count: 0, exact: true } };
    }
    return profile;
  }
  if (type === 'boolean') {
    const values = [
      { value: 'true', count: c.trues },
      { value: 'false', count: c.falses },
    ].filter((v) => v.count > 0).sort((a, b) => b.count - a.count);
    return { ...base, distinct_count: values.length, distinct_exact: true, categories: { values, other_count: 0, exact: true } };
  }
  const exact = c.hll === null;
  const distinct = exact ? c.categories.length : HyperLogLog.fromBase64(c.hll!).estimate();
  const listed = c.categories.slice(0, TOP_CATEGORIES);
  const listedCount = listed.reduce((s, [, n]) => s + n, 0);
  const categories: CategoryFrequencies = {
    values: listed.map(([value, n]) => ({ value, count: n })),
    other_count: count - listedCount,
    exact: c.category_overflow === 0,
  };
  return { ...base, distinct_count: distinct, distinct_exact: exact, categories };
}

/** The public profile of a table from its sketch. */
export function profileOfSketch(sketch: DatasetSketch): DatasetProfile {
  return { row_count: sketch.row_count, columns: sketch.columns.map((c) => columnProfile(c, sketch.row_count)) };
}

/** Wider of two inferred types, or null when the earlier values must be read again (numbers then text). */
export function widerType(a: ColumnType | null, b: ColumnType | null): { type: ColumnType | null; reread: boolean } {
  if (a === null || a === b) return { type: b, reread: false };
  if (b === null) return { type: a, reread: false };
  if ((a === 'integer' && b === 'float') || (a === 'float' && b === 'integer')) return { type: 'float', reread: false };
  return { type: 'string', reread: true };
}

/**
 * Sketch of the union of two tables with the same columns (by name; columns only one side has
 * count as missing on the other). Callers re-read a part first when `widerType` asks for it.
 */
export function mergeSketches(a: DatasetSketch, b: DatasetSketch): DatasetSketch {
  const names = [...a.columns.map((c) => c.name), ...b.columns.map((c) => c.name).filter((n) => !a.columns.some((c) => c.name === n))];
  const columns = names.map((name) => {
    const x = a.columns.find((c) => c.name === name) ?? emptyColumn(name, a.row_count);
    const y = b.columns.find((c) => c.name === name) ?? emptyColumn(name, b.row_count);
    return mergeColumns(x, y);
  });
  return { row_count: a.row_count + b.row_count, columns };
}

/** A column's sample: its reservoir, or a seeded sample of its exact counts. */
export function sampleOf(c: ColumnSketch, size = RESERVOIR_SIZE): number[] {
  return c.numbers !== null ? sampleCounts(c.numbers, c.n, size, 0x5eed) : c.reservoir;
}

function emptyColumn(name: string, rows: number): ColumnSketch {
  return {
    name, type: null, missing: rows, n: 0, min: null, max: null, mean: 0, m2: 0, buckets: [], reservoir: [], numbers: [],
    trues: 0, falses: 0, categories: [], category_overflow: 0, hll: null,
  };
}

function mergeColumns(x: ColumnSketch, y: ColumnSketch): ColumnSketch {
  const { type } = widerType(x.type, y.type);
  const n = x.n + y.n;
  const delta = y.mean - x.mean;
  const mean = n === 0 ? 0 : x.mean + (delta * y.n) / n;
  const m2 = n === 0 ? 0 : x.m2 + y.m2 + (delta * delta * x.n * y.n) / n;
  const h = new LogHistogram();
  for (const [i, c] of x.buckets) h.addBucket(i, c);
  for (const [i, c] of y.buckets) h.addBucket(i, c);

  // Exact number counts survive while both sides kept theirs and the union stays small.
  let numbers: [number, number][] | null = null;
  if (x.numbers !== null && y.numbers !== null) {
    const m = new Map<number, number>(x.numbers);
    for (const [v, c] of y.numbers) m.set(v, (m.get(v) ?? 0) + c);
    if (m.size <= EXACT_NUMBER_LIMIT) numbers = [...m.entries()];
  }
  const cats = new Map<string, number>(x.categories);
  for (const [v, c] of y.categories) cats.set(v, (cats.get(v) ?? 0) + c);
  const categories = [...cats.entries()].sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));

  let hll: string | null = null;
  const numbersLost = (x.n > 0 || y.n > 0) && numbers === null;
  const categoriesLost = x.hll !== null || y.hll !== null || (type === 'string' && cats.size > 10_000);
  if ((type === 'integer' || type === 'float') ? numbersLost : categoriesLost) {
    const merged = new HyperLogLog();
    for (const side of [x, y]) {
      if (side.hll !== null) merged.merge(HyperLogLog.fromBase64(side.hll));
      for (const [v] of side.numbers ?? []) merged.add(hashNumber(v));
      for (const [v] of side.categories) {
        const bytes = Buffer.from(v, 'utf8');
        merged.add(hashBytes(bytes, 0, bytes.length));
      }
    }
    hll = merged.toBase64();
  }
  return {
    name: x.name,
    type,
    missing: x.missing + y.missing,
    n,
    min: x.min === null ? y.min : y.min === null ? x.min : Math.min(x.min, y.min),
    max: x.max === null ? y.max : y.max === null ? x.max : Math.max(x.max, y.max),
    mean,
    m2,
    buckets: h.sparse(),
    // Exactly counted sides have no sample: one is drawn from their counts when the union is not exact.
    reservoir: numbers !== null ? [] : Reservoir.merge({ values: sampleOf(x), seen: x.n }, { values: sampleOf(y), seen: y.n }),
    numbers,
    trues: x.trues + y.trues,
    falses: x.falses + y.falses,
    categories,
    category_overflow: x.category_overflow + y.category_overflow,
    hll,
  };
}
