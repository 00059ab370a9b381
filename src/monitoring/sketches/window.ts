/**
 * Current-window sketches: per column, counts on the reference bins plus a fixed-size reservoir,
 * updated in O(1) per value with memory that does not grow with traffic. Unseen categories are
 * kept individually up to a cap, then pooled, so a flood of new values cannot grow the sketch.
 */
import { InvalidParameterError } from '../../errors/index.js';
import { lowerBound } from '../stats/samples.js';
import type { CategoricalColumnProfile, ColumnProfile, NumericColumnProfile, ReferenceProfile } from './profile.js';
import { DEFAULT_SAMPLE_SIZE, MAX_DISTINCT_VALUES } from './profile.js';
import { Reservoir } from './reservoir.js';

/** Distinct unseen categories a window tracks before pooling the rest under OTHER_CATEGORY. */
export const MAX_NEW_CATEGORIES = 1000;
/** Pool of unseen categories beyond MAX_NEW_CATEGORIES (a string no CSV cell can hold). */
export const OTHER_CATEGORY = '\u0000other';

export interface WindowOptions {
  /** Reservoir size, or 'all' to keep every value (offline reports); default 10,000. */
  sampleSize?: number | 'all';
  seed?: number;
}

function capacity(size: number | 'all' | undefined): number {
  if (size === undefined) return DEFAULT_SAMPLE_SIZE;
  if (size === 'all') return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(size) || size < 1) throw new InvalidParameterError(`sampleSize must be a positive integer or 'all', got ${size}.`, 'sampleSize');
  return size;
}

/**
 * A value of a numeric column as a number: numbers as they are, numeric strings parsed, booleans
 * as 1/0; null, undefined and '' give NaN (missing); anything else gives null (not a number).
 */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined || value === '') return Number.NaN;
  if (typeof value === 'string') {
    const x = Number(value);
    return Number.isNaN(x) ? null : x;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** Numeric column: decile-bin counts, per-value counts for low-cardinality columns, a reservoir. */
export class NumericWindowSketch {
  readonly type = 'numeric' as const;
  count = 0;
  missing = 0;
  /** Values that were neither numbers nor numeric strings. */
  invalid = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private mean_ = 0;
  private m2 = 0;
  readonly binCounts: number[];
  /** Counts per reference value (profile.values), or null for high-cardinality columns. */
  readonly valueCounts: number[] | null;
  /** Counts of values absent from the reference, tracked while the union stays small. */
  readonly newValues = new Map<number, number>();
  private newValuesOverflow = false;
  private readonly valueIndex: Map<number, number> | null;
  readonly reservoir: Reservoir;

  constructor(
    readonly profile: NumericColumnProfile,
    opts?: WindowOptions,
  ) {
    this.binCounts = new Array<number>(profile.cutPoints.length + 1).fill(0);
    this.valueCounts = profile.values ? new Array<number>(profile.values.length).fill(0) : null;
    this.valueIndex = profile.values ? new Map(profile.values.map((v, i) => [v, i])) : null;
    this.reservoir = new Reservoir(capacity(opts?.sampleSize), opts?.seed ?? 1);
  }

  get column(): string {
    return this.profile.column;
  }

  /** Numbers are used as they are; numeric strings are parsed; null, undefined, '', NaN and ±∞ are missing. */
  add(value: unknown): void {
    const x = numericValue(value);
    if (x === null) {
      this.invalid++;
      return;
    }
    if (!Number.isFinite(x)) {
      this.missing++;
      return;
    }
    this.count++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const d = x - this.mean_;
    this.mean_ += d / this.count;
    this.m2 += d * (x - this.mean_);
    this.binCounts[lowerBound(this.profile.cutPoints, x)]!++;
    if (this.valueIndex) {
      const k = this.valueIndex.get(x);
      if (k !== undefined) this.valueCounts![k]!++;
      else if (this.newValues.has(x)) this.newValues.set(x, this.newValues.get(x)! + 1);
      else if (this.newValues.size <= MAX_DISTINCT_VALUES) this.newValues.set(x, 1);
      else this.newValuesOverflow = true;
    }
    this.reservoir.add(x);
  }

  get mean(): number {
    return this.count > 0 ? this.mean_ : Number.NaN;
  }

  /** Population standard deviation of the window. */
  get std(): number {
    return this.count > 0 ? Math.sqrt(this.m2 / this.count) : Number.NaN;
  }

  /**
   * Distinct values of reference ∪ window: exact while it is at most MAX_DISTINCT_VALUES + 1,
   * otherwise a lower bound above that (all that test selection needs).
   */
  get distinctInUnion(): number {
    if (!this.profile.values) return MAX_DISTINCT_VALUES + 1;
    return this.profile.values.length + this.newValues.size + (this.newValuesOverflow ? 1 : 0);
  }

  /** Whether per-value counts describe the union exactly (few distinct values on both sides). */
  get perValueExact(): boolean {
    return this.profile.values !== null && !this.newValuesOverflow && this.distinctInUnion <= MAX_DISTINCT_VALUES;
  }

  /** Sorted sample of the window (every value when sampleSize is 'all'). */
  sortedSample(): Float64Array {
    return this.reservoir.sorted();
  }
}

/** Categorical column: counts per category, unseen ones capped. */
export class CategoricalWindowSketch {
  readonly type = 'categorical' as const;
  count = 0;
  missing = 0;
  readonly counts = new Map<string, number>();
  private readonly known: Set<string>;
  private newCategories = 0;

  constructor(readonly profile: CategoricalColumnProfile) {
    this.known = new Set(profile.categories);
  }

  get column(): string {
    return this.profile.column;
  }

  /** Strings are categories; numbers and booleans are compared as their text; null, undefined and '' are missing. */
  add(value: unknown): void {
    if (value === null || value === undefined || value === '') {
      this.missing++;
      return;
    }
    let key = typeof value === 'string' ? value : String(value);
    this.count++;
    const current = this.counts.get(key);
    if (current !== undefined) {
      this.counts.set(key, current + 1);
      return;
    }
    if (!this.known.has(key)) {
      if (this.newCategories >= MAX_NEW_CATEGORIES) key = OTHER_CATEGORY;
      else this.newCategories++;
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Categories seen in the window that the reference does not have. */
  unseenCategories(): string[] {
    return [...this.counts.keys()].filter((k) => !this.known.has(k));
  }
}

export type WindowSketch = NumericWindowSketch | CategoricalWindowSketch;

export function createWindowSketch(profile: ColumnProfile, opts?: WindowOptions): WindowSketch {
  return profile.type === 'numeric' ? new NumericWindowSketch(profile, opts) : new CategoricalWindowSketch(profile);
}

/** One sketch per profiled column; rows are records keyed by column name. */
export class DatasetWindow {
  readonly columns = new Map<string, WindowSketch>();
  rows = 0;

  constructor(
    readonly profile: ReferenceProfile,
    opts?: WindowOptions,
  ) {
    profile.columns.forEach((c, i) => this.columns.set(c.column, createWindowSketch(c, { ...opts, seed: (opts?.seed ?? 1) + i * 7919 })));
  }

  /** O(number of profiled columns); columns absent from the row count as missing. */
  addRow(row: Readonly<Record<string, unknown>>): void {
    this.rows++;
    for (const [name, sketch] of this.columns) sketch.add(row[name]);
  }

  column(name: string): WindowSketch {
    const s = this.columns.get(name);
    if (!s) throw new InvalidParameterError(`Column '${name}' is not in the reference profile.`, name);
    return s;
  }
}

/** A window holding every value of in-memory current data (for reports on files). */
export function windowFromColumns(profile: ReferenceProfile, columns: readonly { name: string; values: ArrayLike<unknown> }[], opts?: WindowOptions): DatasetWindow {
  const window = new DatasetWindow(profile, { sampleSize: 'all', ...opts });
  let rows = 0;
  for (const c of columns) {
    const sketch = window.columns.get(c.name);
    if (!sketch) continue; // not profiled: not monitored
    const values = c.values;
    for (let i = 0; i < values.length; i++) sketch.add(values[i]);
    rows = Math.max(rows, values.length);
  }
  for (const [name, sketch] of window.columns) {
    if (!columns.some((c) => c.name === name)) sketch.missing += rows;
  }
  window.rows = rows;
  return window;
}
