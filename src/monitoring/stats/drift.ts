/**
 * Drift of a current window against a reference profile, per column and for the dataset.
 *
 * Bins: PSI uses the reference deciles (the golden definition); Jensen–Shannon, Hellinger,
 * chi-square and z use one bin per value when reference ∪ current has at most 20 distinct values
 * (Evidently's rule; always for categorical columns), else the reference deciles — so they come
 * from the sketches' counts in O(bins). KS and Wasserstein compare the reference sample with the
 * window's sample: exact when both hold every value, estimates from the reservoirs otherwise.
 * `chisquare` is the test of homogeneity of the 2 × K table (as golden/drift.json and Alibi
 * Detect), not Evidently's goodness-of-fit, so categories new in the current data give a finite
 * statistic.
 */
import { InvalidParameterError } from '../../errors/index.js';
import type { ColumnProfile, NumericColumnProfile, ReferenceProfile, ColumnData, ProfileOptions } from '../sketches/profile.js';
import { buildReferenceProfile } from '../sketches/profile.js';
import { DatasetWindow, windowFromColumns, type CategoricalWindowSketch, type NumericWindowSketch, type WindowOptions, type WindowSketch } from '../sketches/window.js';
import { chiSquareContingency, hellingerDistance, jensenShannonDistance, psiFromCounts, zTestFirstCategory } from './distances.js';
import { ksTwoSampleSorted } from './ks.js';
import { compareStrings } from './samples.js';
import { chooseStatTest, isDrift, parseStatTestName, STAT_TESTS, type DriftColumnType, type StatTestName, type StatTestOverrides } from './stattests.js';
import { normedWasserstein, wassersteinSorted } from './wasserstein.js';

export interface DriftResult {
  column: string;
  type: DriftColumnType;
  test: StatTestName;
  /** D for ks, χ² for chisquare, z for z, the distance for the others. */
  statistic: number;
  /** p-value of ks, chisquare and z; null for distances. */
  p_value: number | null;
  threshold: number;
  drifted: boolean;
}

export interface DriftOptions extends StatTestOverrides {
  /** Threshold for every column (default: each test's own). */
  threshold?: number;
  perColumnThreshold?: Record<string, number>;
  /** Dataset drift when the share of drifted columns is ≥ this; default 0.5 (Evidently). */
  driftShare?: number;
  /** Only these columns (default: every profiled column). */
  columns?: string[];
}

export interface DatasetDriftResult {
  columns: DriftResult[];
  /** Drifted columns / evaluated columns. */
  drift_share: number;
  dataset_drifted: boolean;
  /** Columns that could not be evaluated (no values in the current window). */
  skipped: { column: string; reason: string }[];
}

interface Histograms {
  ref: number[];
  cur: number[];
}

function numericHistograms(profile: NumericColumnProfile, window: NumericWindowSketch, perValue: boolean): Histograms {
  if (!perValue || !window.perValueExact) return { ref: profile.binCounts, cur: window.binCounts };
  const refValues = profile.values!;
  const union = [...refValues, ...window.newValues.keys()].sort((a, b) => a - b);
  const refIndex = new Map(refValues.map((v, i) => [v, i]));
  return {
    ref: union.map((v) => {
      const k = refIndex.get(v);
      return k === undefined ? 0 : profile.valueCounts![k]!;
    }),
    cur: union.map((v) => {
      const k = refIndex.get(v);
      return k === undefined ? window.newValues.get(v)! : window.valueCounts![k]!;
    }),
  };
}

function categoricalHistograms(window: CategoricalWindowSketch): Histograms {
  const p = window.profile;
  const refCounts = new Map(p.categories.map((c, i) => [c, p.counts[i]!]));
  const union = [...new Set([...p.categories, ...window.counts.keys()])].sort(compareStrings);
  return { ref: union.map((c) => refCounts.get(c) ?? 0), cur: union.map((c) => window.counts.get(c) ?? 0) };
}

function distinctInUnion(window: WindowSketch): number {
  if (window.type === 'numeric') return window.distinctInUnion;
  return window.profile.categories.length + window.unseenCategories().length;
}

function checkThreshold(t: number, column: string): number {
  if (!Number.isFinite(t) || t < 0) throw new InvalidParameterError(`Column '${column}': the drift threshold must be a finite number ≥ 0, got ${t}.`, 'threshold');
  return t;
}

/** Drift of one column. `test` forces a test; by default it is chosen automatically. */
export function columnDrift(profile: ColumnProfile, window: WindowSketch, opts?: { test?: StatTestName; threshold?: number }): DriftResult {
  if (window.profile !== profile) throw new InvalidParameterError(`The window of column '${window.column}' was not made from this profile.`);
  const column = profile.column;
  if (window.count === 0) throw new InvalidParameterError(`Column '${column}' has no values in the current window.`, column);
  const test = opts?.test ?? chooseStatTest(profile.type, profile.count, distinctInUnion(window));
  const info = STAT_TESTS[test];
  if (!info) throw new InvalidParameterError(`Unknown drift test '${String(test)}'.`, 'stattest');
  if (!info.columnTypes.includes(profile.type)) {
    throw new InvalidParameterError(`Drift test '${test}' applies to ${info.columnTypes.join(' and ')} columns; '${column}' is ${profile.type}.`, column);
  }
  const threshold = checkThreshold(opts?.threshold ?? info.defaultThreshold, column);
  let statistic: number;
  let pValue: number | null = null;
  if (test === 'ks' || test === 'wasserstein') {
    const p = profile as NumericColumnProfile;
    const w = window as NumericWindowSketch;
    const cur = w.sortedSample();
    if (test === 'ks') {
      const r = ksTwoSampleSorted(p.sample, cur);
      statistic = r.statistic;
      pValue = r.pValue;
    } else {
      statistic = normedWasserstein(wassersteinSorted(p.sample, cur), p.std);
    }
  } else {
    const h =
      window.type === 'numeric'
        ? numericHistograms(profile as NumericColumnProfile, window, test !== 'psi')
        : categoricalHistograms(window);
    if (test === 'psi') statistic = psiFromCounts(h.ref, h.cur);
    else if (test === 'jensenshannon') statistic = jensenShannonDistance(h.ref, h.cur);
    else if (test === 'hellinger') statistic = hellingerDistance(h.ref, h.cur);
    else if (test === 'chisquare') {
      const r = chiSquareContingency(h.ref, h.cur);
      statistic = r.statistic;
      pValue = r.pValue;
    } else {
      const r = zTestFirstCategory(h.ref, h.cur);
      statistic = r.statistic;
      pValue = r.pValue;
    }
  }
  return {
    column,
    type: profile.type,
    test,
    statistic,
    p_value: pValue,
    threshold,
    drifted: isDrift(test, pValue ?? statistic, threshold),
  };
}

/** Drift of every profiled column and the dataset-level share (Evidently's DataDriftPreset). */
export function datasetDrift(profile: ReferenceProfile, window: DatasetWindow, opts?: DriftOptions): DatasetDriftResult {
  if (window.profile !== profile) throw new InvalidParameterError('The window was not made from this reference profile.');
  const share = opts?.driftShare ?? 0.5;
  if (!(share >= 0 && share <= 1)) throw new InvalidParameterError(`driftShare must lie in [0, 1], got ${share}.`, 'driftShare');
  const known = new Set(profile.columns.map((c) => c.column));
  for (const name of [...(opts?.columns ?? []), ...Object.keys(opts?.perColumnStattest ?? {}), ...Object.keys(opts?.perColumnThreshold ?? {})]) {
    if (!known.has(name)) throw new InvalidParameterError(`Column '${name}' is not in the reference profile.`, name);
  }
  const global = opts?.stattest !== undefined ? parseStatTestName(opts.stattest) : undefined;
  const wanted = opts?.columns ? new Set(opts.columns) : null;
  const results: DriftResult[] = [];
  const skipped: { column: string; reason: string }[] = [];
  for (const p of profile.columns) {
    if (wanted && !wanted.has(p.column)) continue;
    const w = window.column(p.column);
    if (w.count === 0) {
      skipped.push({ column: p.column, reason: 'no values in the current data' });
      continue;
    }
    const perColumn = opts?.perColumnStattest?.[p.column];
    let test: StatTestName | undefined = perColumn !== undefined ? parseStatTestName(perColumn, p.column) : undefined;
    // A test for all columns applies where the column type allows it; the others keep the automatic choice.
    if (test === undefined && global !== undefined && STAT_TESTS[global].columnTypes.includes(p.type)) test = global;
    results.push(columnDrift(p, w, { test, threshold: opts?.perColumnThreshold?.[p.column] ?? opts?.threshold }));
  }
  const drifted = results.filter((r) => r.drifted).length;
  const driftShare = results.length > 0 ? drifted / results.length : 0;
  return { columns: results, drift_share: driftShare, dataset_drifted: results.length > 0 && driftShare >= share, skipped };
}

/**
 * The same on in-memory data: the reference profile and the window keep every value, so KS and
 * Wasserstein are exact. Pass a prebuilt profile (sampleSize 'all') to reuse it across reports.
 */
export function datasetDriftOnSamples(
  reference: readonly ColumnData[] | ReferenceProfile,
  current: readonly { name: string; values: ArrayLike<unknown> }[],
  opts?: DriftOptions & { window?: WindowOptions; profile?: ProfileOptions },
): DatasetDriftResult {
  const profile = Array.isArray(reference)
    ? buildReferenceProfile(reference as readonly ColumnData[], { sampleSize: 'all', ...opts?.profile })
    : (reference as ReferenceProfile);
  return datasetDrift(profile, windowFromColumns(profile, current, opts?.window), opts);
}
