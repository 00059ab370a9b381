import { InvalidParameterError } from '../../errors/index.js';
import { buildReferenceProfile, windowFromColumns, type ColumnData, type ColumnProfile, type NumericColumnProfile, type ReferenceProfile } from '../sketches/index.js';
import { datasetDrift, finiteSorted, lowerBound, upperBound, type DriftColumnType, type StatTestName } from '../stats/index.js';
import type { Table, TableColumn } from './table.js';

/*
 * The offline drift report: a reference table against a current one, as Evidently's
 * DataDriftPreset does it — every column typed from the reference, a drift test per column
 * (chosen automatically or forced), the dataset drift share over the feature columns — plus the
 * data quality of the current data against the reference and histograms of both for the HTML.
 */

/** Margin by which the current missing share may exceed the reference's before it is an issue (as live windows). */
export const MISSING_SHARE_MARGIN = 0.05;
/** Share of values out of the reference range, or of unseen categories, tolerated before it is an issue. */
export const OUTLIER_SHARE_TOLERANCE = 0.01;
/** Bars of a numeric histogram between its 0.5% and 99.5% points. */
const HISTOGRAM_BINS = 20;
/** Categories drawn by name; the rest are summed as (other). */
const HISTOGRAM_CATEGORIES = 20;

export type ColumnRole = 'feature' | 'target';
export type QualityKind = 'missing' | 'out_of_range' | 'unseen_category' | 'type_error' | 'constant';

/** One column's drift, as `--json` prints it. */
export interface ReportColumn {
  readonly column: string;
  readonly type: DriftColumnType;
  readonly role: ColumnRole;
  readonly test: StatTestName;
  readonly statistic: number;
  /** null for distances. */
  readonly p_value: number | null;
  readonly threshold: number;
  readonly drifted: boolean;
}

/** Data quality of one column of the current data, against the reference. */
export interface ReportQuality {
  readonly column: string;
  readonly type: DriftColumnType;
  readonly missing_share: number;
  readonly reference_missing_share: number;
  /** Numeric: values below the reference minimum or above its maximum. */
  readonly out_of_range_share: number;
  /** Categorical: values of categories the reference does not have. */
  readonly unseen_share: number;
  /** The unseen categories, most frequent first (at most 20). */
  readonly unseen_values: string[];
  /** Numeric columns: text cells that are not numbers. */
  readonly type_errors: number;
  /** Every current value is the same while the reference varies. */
  readonly constant: boolean;
  readonly issues: QualityKind[];
}

/** The report (the JSON form). */
export interface DriftReport {
  readonly reference: { readonly source: string; readonly rows: number };
  readonly current: { readonly source: string; readonly rows: number };
  readonly columns: ReportColumn[];
  /** Drifted feature columns / evaluated feature columns (targets are reported, not counted). */
  readonly drift_share: number;
  readonly drifted_columns: number;
  readonly evaluated_columns: number;
  /** The share at which the dataset counts as drifted (Evidently's 0.5 unless set). */
  readonly drift_share_threshold: number;
  readonly dataset_drifted: boolean;
  /** Columns not tested, and why. */
  readonly skipped: { readonly column: string; readonly reason: string }[];
  readonly data_quality: ReportQuality[];
  /** Columns with at least one quality issue. */
  readonly quality_issues: number;
}

/** Reference and current shares on the same bins, for a chart. */
export interface ReportHistogram {
  readonly column: string;
  readonly type: DriftColumnType;
  /** Bin labels: a value, a range, a category, or `< x` / `> x` for the tails. */
  readonly labels: string[];
  readonly reference: number[];
  readonly current: number[];
  /** Bins holding values the reference never had (unseen categories). */
  readonly unseen: boolean[];
}

export interface ReportOptions {
  /** A test for every column it applies to. */
  readonly stattest?: StatTestName;
  readonly perColumnStattest?: Readonly<Record<string, StatTestName>>;
  /** Columns that are targets (or predictions): tested and reported, not counted in the drift share. */
  readonly targets?: readonly string[];
  readonly driftShare?: number;
}

/** A report and what its HTML form draws. */
export interface ReportResult {
  readonly report: DriftReport;
  readonly histograms: ReportHistogram[];
}

/** Numeric when the reference has numbers and no text, categorical when it has text. */
function typeOf(c: TableColumn): DriftColumnType | null {
  if (c.numberCount + c.textCount === 0) return null;
  return c.textCount === 0 ? 'numeric' : 'categorical';
}

/** Every cell as category text (numbers as JavaScript writes them), null when missing. */
function asCategories(c: TableColumn): (string | null)[] {
  const out = new Array<string | null>(c.numbers.length);
  const texts = c.dictionary;
  for (let i = 0; i < out.length; i++) {
    const n = c.numbers[i]!;
    if (n === n) out[i] = String(n);
    else out[i] = c.codes && c.codes[i]! >= 0 ? texts[c.codes[i]!]! : null;
  }
  return out;
}

const quantileOfSorted = (sorted: ArrayLike<number>, q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;

const formatEdge = (v: number): string => {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
};

/** Values of a sorted array in [lo, hi) (or [lo, hi] when `closed`): two binary searches. */
const countBetween = (sorted: Float64Array, lo: number, hi: number, closed = false) =>
  (closed ? upperBound(sorted, hi) : lowerBound(sorted, hi)) - lowerBound(sorted, lo);

/**
 * Bars of a numeric column from the sorted reference values (the profile keeps them all) and the
 * sorted current ones: one bar per value when there are few, else 20 equal bins between the 0.5%
 * and 99.5% points of both, with the tails beyond as bars of their own when they hold anything.
 * Counting is binary search on the sorted arrays: O(bins · log n).
 */
function numericHistogram(column: string, profile: NumericColumnProfile, refSorted: Float64Array, curSorted: Float64Array): ReportHistogram {
  const refN = refSorted.length;
  const curN = curSorted.length;
  const shares = (counts: number[], n: number) => counts.map((x) => (n > 0 ? x / n : 0));
  if (profile.values) {
    const distinct = new Set<number>(profile.values);
    for (let i = 0; i < curN && distinct.size <= 20; i = upperBound(curSorted, curSorted[i]!)) distinct.add(curSorted[i]!);
    if (distinct.size <= 20) {
      const values = [...distinct].sort((a, b) => a - b);
      const known = new Set(profile.values);
      return {
        column, type: 'numeric', labels: values.map(formatEdge),
        reference: shares(values.map((v) => countBetween(refSorted, v, v, true)), refN),
        current: shares(values.map((v) => countBetween(curSorted, v, v, true)), curN),
        unseen: values.map((v) => !known.has(v)),
      };
    }
  }
  let lo = quantileOfSorted(refSorted, 0.005);
  let hi = quantileOfSorted(refSorted, 0.995);
  if (curN > 0) {
    lo = Math.min(lo, quantileOfSorted(curSorted, 0.005));
    hi = Math.max(hi, quantileOfSorted(curSorted, 0.995));
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / HISTOGRAM_BINS;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width));
  const count = (sorted: Float64Array) => [
    lowerBound(sorted, lo),
    ...edges.slice(0, -1).map((e, i) => countBetween(sorted, e, edges[i + 1]!, i === HISTOGRAM_BINS - 1)),
    sorted.length - upperBound(sorted, hi),
  ];
  const r = count(refSorted);
  const c = count(curSorted);
  const labels = [`< ${formatEdge(lo)}`, ...edges.slice(0, -1).map((e, i) => `${formatEdge(e)} – ${formatEdge(edges[i + 1]!)}`), `> ${formatEdge(hi)}`];
  // Tails are drawn only when they hold something.
  const keep = labels.map((_, i) => (i > 0 && i <= HISTOGRAM_BINS) || r[i]! > 0 || c[i]! > 0);
  const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
  return {
    column, type: 'numeric', labels: pick(labels), reference: pick(shares(r, refN)), current: pick(shares(c, curN)), unseen: pick(labels.map(() => false)),
  };
}

function categoricalHistogram(column: string, refCounts: Map<string, number>, curCounts: Map<string, number>, refN: number, curN: number): ReportHistogram {
  const names = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
  const weight = (k: string) => (refCounts.get(k) ?? 0) / Math.max(refN, 1) + (curCounts.get(k) ?? 0) / Math.max(curN, 1);
  names.sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1));
  const shown = names.slice(0, HISTOGRAM_CATEGORIES);
  const rest = names.slice(HISTOGRAM_CATEGORIES);
  const share = (m: Map<string, number>, n: number, keys: string[]) => keys.reduce((s, k) => s + (m.get(k) ?? 0), 0) / Math.max(n, 1);
  const labels = [...shown, ...(rest.length > 0 ? [`(${rest.length} others)`] : [])];
  return {
    column, type: 'categorical', labels,
    reference: [...shown.map((k) => share(refCounts, refN, [k])), ...(rest.length > 0 ? [share(refCounts, refN, rest)] : [])],
    current: [...shown.map((k) => share(curCounts, curN, [k])), ...(rest.length > 0 ? [share(curCounts, curN, rest)] : [])],
    unseen: [...shown.map((k) => !refCounts.has(k)), ...(rest.length > 0 ? [rest.some((k) => !refCounts.has(k))] : [])],
  };
}

const countValues = (values: readonly (string | null)[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const v of values) if (v !== null) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
};

/**
 * Compares `current` with `reference`. Throws a 400 naming the column when an override names a
 * column the reference lacks or a test that does not apply to the column's type.
 */
export function buildDriftReport(reference: Table, current: Table, options: ReportOptions = {}): ReportResult {
  const share = options.driftShare ?? 0.5;
  if (!(share > 0 && share <= 1)) throw new InvalidParameterError(`The drift share must lie in (0, 1], got ${share}.`, 'drift_share');
  const targets = new Set(options.targets ?? []);
  const refByName = new Map(reference.columns.map((c) => [c.name, c]));
  const curByName = new Map(current.columns.map((c) => [c.name, c]));
  for (const t of targets) if (!refByName.has(t)) throw new InvalidParameterError(`Target column '${t}' is not in the reference data.`, 'target');
  for (const c of Object.keys(options.perColumnStattest ?? {})) {
    if (!refByName.has(c)) throw new InvalidParameterError(`--stattest names column '${c}', which is not in the reference data.`, 'stattest');
  }

  const skipped: { column: string; reason: string }[] = [];
  const profiled: { ref: TableColumn; cur: TableColumn; type: DriftColumnType }[] = [];
  for (const ref of reference.columns) {
    const type = typeOf(ref);
    const cur = curByName.get(ref.name);
    if (type === null) skipped.push({ column: ref.name, reason: 'no values in the reference data' });
    else if (!cur) skipped.push({ column: ref.name, reason: 'not in the current data' });
    else if (cur.numberCount + cur.textCount === 0) skipped.push({ column: ref.name, reason: 'no values in the current data' });
    else profiled.push({ ref, cur, type });
  }
  for (const cur of current.columns) if (!refByName.has(cur.name)) skipped.push({ column: cur.name, reason: 'not in the reference data' });

  // Categorical columns become text arrays once; numeric ones stay typed arrays.
  const refValues = profiled.map((p) => (p.type === 'numeric' ? p.ref.numbers : asCategories(p.ref)));
  const curValues = profiled.map((p) => (p.type === 'numeric' ? p.cur.numbers : asCategories(p.cur)));
  const columnData: ColumnData[] = profiled.map((p, i) =>
    p.type === 'numeric' ? { name: p.ref.name, type: 'numeric', values: refValues[i] as Float64Array } : { name: p.ref.name, type: 'categorical', values: refValues[i] as (string | null)[] });
  const profile: ReferenceProfile = buildReferenceProfile(columnData, { sampleSize: 'all' });
  const window = windowFromColumns(profile, profiled.map((p, i) => ({ name: p.ref.name, values: curValues[i]! })));
  const drift = datasetDrift(profile, window, { stattest: options.stattest, perColumnStattest: options.perColumnStattest as Record<string, StatTestName> | undefined });
  const byColumn = new Map(drift.columns.map((d) => [d.column, d]));

  const columns: ReportColumn[] = [];
  for (const p of profiled) {
    const d = byColumn.get(p.ref.name);
    if (!d) continue;
    columns.push({ column: d.column, type: d.type, role: targets.has(d.column) ? 'target' : 'feature', test: d.test, statistic: d.statistic, p_value: d.p_value, threshold: d.threshold, drifted: d.drifted });
  }
  for (const s of drift.skipped) skipped.push(s);
  const features = columns.filter((c) => c.role === 'feature');
  const drifted = features.filter((c) => c.drifted).length;
  const driftShare = features.length > 0 ? drifted / features.length : 0;

  const quality: ReportQuality[] = [];
  const histograms: ReportHistogram[] = [];
  profiled.forEach((p, i) => {
    const columnProfile = profile.columns[i]! as ColumnProfile;
    const curRows = current.rows;
    const refMissing = reference.rows > 0 ? p.ref.missingCount / reference.rows : 0;
    let missing = p.cur.missingCount;
    let typeErrors = 0;
    let outOfRange = 0;
    let unseen = 0;
    let unseenValues: string[] = [];
    let constant = false;
    if (columnProfile.type === 'numeric') {
      typeErrors = p.cur.textCount;
      const sorted = finiteSorted(p.cur.numbers);
      outOfRange = lowerBound(sorted, columnProfile.min) + (sorted.length - upperBound(sorted, columnProfile.max));
      constant = sorted.length >= 2 && sorted[0] === sorted[sorted.length - 1] && columnProfile.max > columnProfile.min;
      // The profile keeps every reference value, sorted (sampleSize 'all').
      histograms.push(numericHistogram(p.ref.name, columnProfile, columnProfile.sample, sorted));
    } else {
      const values = curValues[i] as (string | null)[];
      const refCounts = new Map(columnProfile.categories.map((c, k) => [c, columnProfile.counts[k]!]));
      const curCounts = countValues(values);
      const unseenCounts = [...curCounts].filter(([k]) => !refCounts.has(k)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      unseen = unseenCounts.reduce((s, [, n]) => s + n, 0);
      unseenValues = unseenCounts.slice(0, 20).map(([k]) => k);
      constant = p.cur.numberCount + p.cur.textCount >= 2 && curCounts.size === 1 && columnProfile.categories.length > 1;
      histograms.push(categoricalHistogram(p.ref.name, refCounts, curCounts, columnProfile.count, p.cur.numberCount + p.cur.textCount));
    }
    missing = Math.max(0, missing);
    const s = (n: number) => (curRows > 0 ? n / curRows : 0);
    const issues: QualityKind[] = [];
    if (curRows > 0 && s(missing) > refMissing + MISSING_SHARE_MARGIN) issues.push('missing');
    if (s(outOfRange) > OUTLIER_SHARE_TOLERANCE) issues.push('out_of_range');
    if (s(unseen) > OUTLIER_SHARE_TOLERANCE) issues.push('unseen_category');
    if (typeErrors > 0) issues.push('type_error');
    if (constant) issues.push('constant');
    quality.push({
      column: p.ref.name, type: p.type, missing_share: s(missing), reference_missing_share: refMissing, out_of_range_share: s(outOfRange),
      unseen_share: s(unseen), unseen_values: unseenValues, type_errors: typeErrors, constant, issues,
    });
  });

  return {
    report: {
      reference: { source: reference.source, rows: reference.rows },
      current: { source: current.source, rows: current.rows },
      columns,
      drift_share: driftShare,
      drifted_columns: drifted,
      evaluated_columns: features.length,
      drift_share_threshold: share,
      dataset_drifted: features.length > 0 && driftShare >= share,
      skipped,
      data_quality: quality,
      quality_issues: quality.filter((q) => q.issues.length > 0).length,
    },
    histograms,
  };
}
