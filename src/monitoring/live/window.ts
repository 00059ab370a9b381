import type { LabelTask } from '../../predictions/index.js';
import {
  DatasetWindow, OTHER_CATEGORY, numericValue,
  type CategoricalColumnProfile, type CategoricalWindowSketch, type NumericColumnProfile, type NumericWindowSketch, type ReferenceProfile,
} from '../sketches/index.js';
import { columnDrift, datasetDrift, type DatasetDriftResult, type DriftResult } from '../stats/index.js';
import { PREDICTION_COLUMN, predictionValue, type ModelReference, type MonitoredColumn, type MonitoredType } from './reference.js';
import type { DriftSettings } from './settings.js';

/*
 * One monitoring window of one deployment version: per input a window sketch on the reference
 * bins (plus its reservoir) and data-quality counters, the same for the predictions. Adding a row
 * costs O(inputs) and the memory is fixed by the reservoir size and the category caps, whatever
 * the traffic. Closing it yields a report: drift per input and for predictions, the dataset drift
 * share, data quality, and the bin counts of reference and window side by side.
 */

export const QUALITY_KINDS = ['missing', 'out_of_range', 'unseen_category', 'type_error', 'constant'] as const;
export type QualityKind = (typeof QUALITY_KINDS)[number];

/** Margin by which the window's missing share may exceed the reference's before it is an issue. */
export const MISSING_SHARE_MARGIN = 0.05;
/** Share of rows out of the reference range, or of unseen categories, tolerated before it is an issue. */
export const OUTLIER_SHARE_TOLERANCE = 0.01;
/** Unseen categories listed by value in a report. */
const LISTED_UNSEEN = 20;

/** Data quality of one input in one window. */
export interface QualityColumn {
  readonly column: string;
  readonly type: MonitoredType;
  readonly missing: number;
  readonly missing_share: number;
  /** The reference's missing share (null without a reference). */
  readonly reference_missing_share: number | null;
  /** Values below the reference minimum or above its maximum (numeric inputs). */
  readonly out_of_range: number;
  readonly out_of_range_share: number;
  /** Values of categories the reference does not have (categorical inputs). */
  readonly unseen_categories: number;
  readonly unseen_share: number;
  /** The unseen categories, most frequent first (at most 20). */
  readonly unseen_values: string[];
  /** Values of the wrong type: text that is not a number for a numeric input, a list or object for a categorical one. */
  readonly type_errors: number;
  /** Every value in the window was the same (and the reference varies). */
  readonly constant: boolean;
  /** The kinds above their tolerance. */
  readonly issues: QualityKind[];
}

/** Reference and window counts on the same bins, for charts. */
export interface ColumnHistogram {
  readonly column: string;
  readonly type: MonitoredType;
  /** Numeric: the reference decile cut points (bins (−∞, c₁], …, (c_k, +∞)). */
  readonly cut_points?: number[];
  /** Categorical: category names (unseen ones after the reference's). */
  readonly categories?: string[];
  readonly reference: number[];
  readonly current: number[];
}

/** What a closed (or still open) window says. */
export interface WindowReport {
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly window_start: number;
  readonly window_end: number;
  readonly open: boolean;
  readonly rows: number;
  /** Where the reference came from, or null when the version has none (then only missing values are counted). */
  readonly reference: string | null;
  readonly drift: DatasetDriftResult | null;
  readonly prediction_drift: DriftResult | null;
  readonly quality: { readonly columns: QualityColumn[]; readonly issues: number };
  readonly histograms: ColumnHistogram[];
}

interface NumericTrack {
  readonly kind: 'numeric';
  readonly name: string;
  readonly sketch: NumericWindowSketch | null;
  readonly min: number;
  readonly max: number;
  missing: number;
  typeErrors: number;
  outOfRange: number;
  count: number;
  first: number;
  varied: boolean;
}

interface CategoricalTrack {
  readonly kind: 'categorical';
  readonly name: string;
  readonly sketch: CategoricalWindowSketch | null;
  readonly known: ReadonlySet<string> | null;
  missing: number;
  typeErrors: number;
  unseen: number;
  count: number;
  first: string | null;
  varied: boolean;
}

type Track = NumericTrack | CategoricalTrack;

function numericTrack(name: string, sketch: NumericWindowSketch | null): NumericTrack {
  const p = sketch?.profile;
  return {
    kind: 'numeric', name, sketch, min: p ? p.min : Number.NEGATIVE_INFINITY, max: p ? p.max : Number.POSITIVE_INFINITY,
    missing: 0, typeErrors: 0, outOfRange: 0, count: 0, first: Number.NaN, varied: false,
  };
}

function categoricalTrack(name: string, sketch: CategoricalWindowSketch | null): CategoricalTrack {
  return {
    kind: 'categorical', name, sketch, known: sketch ? new Set(sketch.profile.categories) : null,
    missing: 0, typeErrors: 0, unseen: 0, count: 0, first: null, varied: false,
  };
}

function addNumeric(t: NumericTrack, value: unknown): void {
  // A boolean in a numeric input is a type error here (the sketch alone would read it as 1/0).
  const x = typeof value === 'boolean' ? null : numericValue(value);
  if (x === null) {
    t.typeErrors++;
    return;
  }
  if (!Number.isFinite(x)) {
    t.missing++;
    return;
  }
  if (t.count === 0) t.first = x;
  else if (x !== t.first) t.varied = true;
  t.count++;
  if (x < t.min || x > t.max) t.outOfRange++;
  t.sketch?.add(x);
}

function addCategorical(t: CategoricalTrack, value: unknown): void {
  if (value === null || value === undefined || value === '') {
    t.missing++;
    return;
  }
  let key: string;
  if (typeof value === 'string') key = value;
  else if (typeof value === 'number' || typeof value === 'boolean') key = String(value);
  else {
    t.typeErrors++;
    return;
  }
  if (t.count === 0) t.first = key;
  else if (!t.varied && key !== t.first) t.varied = true;
  t.count++;
  if (t.known && !t.known.has(key)) t.unseen++;
  t.sketch?.add(key);
}

function add(t: Track, value: unknown): void {
  if (t.kind === 'numeric') addNumeric(t, value);
  else addCategorical(t, value);
}

/** Missing share of a reference column profile. */
function referenceMissingShare(p: NumericColumnProfile | CategoricalColumnProfile): number {
  const total = p.count + p.missing;
  return total > 0 ? p.missing / total : 0;
}

function quality(t: Track, rows: number, reference: NumericColumnProfile | CategoricalColumnProfile | null): QualityColumn {
  const share = (n: number) => (rows > 0 ? n / rows : 0);
  const refMissing = reference ? referenceMissingShare(reference) : null;
  const referenceVaries = reference
    ? reference.type === 'numeric' ? reference.max > reference.min : reference.categories.length > 1
    : true;
  const constant = t.count >= 2 && !t.varied && referenceVaries;
  let unseenValues: string[] = [];
  if (t.kind === 'categorical' && t.sketch && t.unseen > 0) {
    const counts = t.sketch.counts;
    unseenValues = t.sketch.unseenCategories()
      .sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1))
      .slice(0, LISTED_UNSEEN)
      .map((v) => (v === OTHER_CATEGORY ? '(other)' : v));
  }
  const q = {
    column: t.name,
    type: t.kind,
    missing: t.missing,
    missing_share: share(t.missing),
    reference_missing_share: refMissing,
    out_of_range: t.kind === 'numeric' ? t.outOfRange : 0,
    out_of_range_share: t.kind === 'numeric' ? share(t.outOfRange) : 0,
    unseen_categories: t.kind === 'categorical' ? t.unseen : 0,
    unseen_share: t.kind === 'categorical' ? share(t.unseen) : 0,
    unseen_values: unseenValues,
    type_errors: t.typeErrors,
    constant,
  };
  const issues: QualityKind[] = [];
  if (rows > 0 && q.missing_share > (refMissing ?? 0) + MISSING_SHARE_MARGIN) issues.push('missing');
  if (q.out_of_range_share > OUTLIER_SHARE_TOLERANCE) issues.push('out_of_range');
  if (q.unseen_share > OUTLIER_SHARE_TOLERANCE) issues.push('unseen_category');
  if (q.type_errors > 0) issues.push('type_error');
  if (constant) issues.push('constant');
  return { ...q, issues };
}

function histogram(t: Track): ColumnHistogram | null {
  if (!t.sketch) return null;
  if (t.kind === 'numeric') {
    const s = t.sketch as NumericWindowSketch;
    return { column: t.name, type: 'numeric', cut_points: s.profile.cutPoints, reference: s.profile.binCounts, current: [...s.binCounts] };
  }
  const s = t.sketch as CategoricalWindowSketch;
  const categories = [...s.profile.categories, ...s.unseenCategories()];
  const refCounts = new Map(s.profile.categories.map((c, i) => [c, s.profile.counts[i]!]));
  return {
    column: t.name, type: 'categorical', categories: categories.map((c) => (c === OTHER_CATEGORY ? '(other)' : c)),
    reference: categories.map((c) => refCounts.get(c) ?? 0), current: categories.map((c) => s.counts.get(c) ?? 0),
  };
}

export interface LiveWindowInit {
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly start: number;
  readonly end: number;
  readonly task: LabelTask;
  readonly classes?: readonly (string | number)[];
  /** Inputs of the signature (monitored even without a reference, for missing values). */
  readonly columns: readonly MonitoredColumn[];
  readonly reference: ModelReference | null;
  /** Reservoir size per numeric input (KS and Wasserstein read it). */
  readonly sampleSize: number;
  readonly seed?: number;
}

/** The accumulating state of one window. */
export class LiveWindow {
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly start: number;
  readonly end: number;
  rows = 0;
  readonly #init: LiveWindowInit;
  readonly #inputs: DatasetWindow | null;
  readonly #outputs: DatasetWindow | null;
  readonly #tracks: Track[];
  readonly #prediction: Track | null;

  constructor(init: LiveWindowInit) {
    this.#init = init;
    this.deployment = init.deployment;
    this.model = init.model;
    this.version = init.version;
    this.start = init.start;
    this.end = init.end;
    const ref = init.reference;
    const opts = { sampleSize: init.sampleSize, seed: init.seed ?? (init.start / 1000) >>> 0 };
    this.#inputs = ref ? new DatasetWindow(ref.profile, opts) : null;
    this.#outputs = ref?.predictions ? new DatasetWindow(ref.predictions, opts) : null;
    this.#tracks = init.columns.map((c) => {
      const sketch = this.#inputs?.columns.get(c.name) ?? null;
      // A reference profile decides the type an input is compared as.
      if (sketch?.type === 'numeric') return numericTrack(c.name, sketch);
      if (sketch?.type === 'categorical') return categoricalTrack(c.name, sketch);
      return c.type === 'numeric' ? numericTrack(c.name, null) : categoricalTrack(c.name, null);
    });
    const out = this.#outputs?.columns.get(PREDICTION_COLUMN) ?? null;
    this.#prediction = out ? (out.type === 'numeric' ? numericTrack(PREDICTION_COLUMN, out) : categoricalTrack(PREDICTION_COLUMN, out)) : null;
  }

  /** Adds one served row and its prediction: O(inputs). */
  add(input: Readonly<Record<string, unknown>>, prediction: unknown): void {
    this.rows++;
    const tracks = this.#tracks;
    for (let i = 0; i < tracks.length; i++) add(tracks[i]!, input[tracks[i]!.name]);
    if (this.#prediction) add(this.#prediction, predictionValue(this.#init.task, prediction, this.#init.classes));
  }

  /** The report of the window as it stands (it may keep filling). */
  report(settings: DriftSettings, open: boolean): WindowReport {
    const ref = this.#init.reference;
    let drift: DatasetDriftResult | null = null;
    let predictionDrift: DriftResult | null = null;
    if (ref && this.#inputs) {
      this.#inputs.rows = this.rows;
      if (this.rows > 0) {
        drift = datasetDrift(ref.profile, this.#inputs, {
          ...(settings.stattest ? { stattest: settings.stattest } : {}),
          ...(settings.per_column_stattest ? { perColumnStattest: knownOnly(settings.per_column_stattest, ref.profile) } : {}),
          ...(settings.threshold !== undefined ? { threshold: settings.threshold } : {}),
          ...(settings.per_column_threshold ? { perColumnThreshold: knownOnly(settings.per_column_threshold, ref.profile) } : {}),
          ...(settings.drift_share !== undefined ? { driftShare: settings.drift_share } : {}),
        });
      }
    }
    if (ref?.predictions && this.#outputs && this.#prediction) {
      const sketch = this.#outputs.column(PREDICTION_COLUMN);
      if (sketch.count > 0) {
        predictionDrift = columnDrift(ref.predictions.columns[0]!, sketch, {
          ...(settings.prediction_stattest ? { test: settings.prediction_stattest } : {}),
          ...(settings.prediction_threshold !== undefined ? { threshold: settings.prediction_threshold } : {}),
        });
      }
    }
    const profiles = new Map(ref?.profile.columns.map((c) => [c.column, c]) ?? []);
    const columns = this.#tracks.map((t) => quality(t, this.rows, profiles.get(t.name) ?? null));
    const histograms = [...this.#tracks, ...(this.#prediction ? [this.#prediction] : [])].map(histogram).filter((h): h is ColumnHistogram => h !== null);
    return {
      deployment: this.deployment, model: this.model, version: this.version, window_start: this.start, window_end: this.end, open, rows: this.rows,
      reference: ref?.source ?? null, drift, prediction_drift: predictionDrift,
      quality: { columns, issues: columns.reduce((n, c) => n + c.issues.length, 0) },
      histograms,
    };
  }
}

/** Settings that name inputs this reference does not have are ignored for it (another version may have them). */
function knownOnly<T>(byColumn: Readonly<Record<string, T>>, profile: ReferenceProfile): Record<string, T> {
  const known = new Set(profile.columns.map((c) => c.column));
  return Object.fromEntries(Object.entries(byColumn).filter(([k]) => known.has(k)));
}
