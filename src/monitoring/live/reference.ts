import type { ModelSignature } from '../../bundles/index.js';
import { InvalidParameterError } from '../../errors/index.js';
import type { LabelTask } from '../../predictions/index.js';
import { buildReferenceProfile, SeededRandom, type ColumnData, type ReferenceProfile } from '../sketches/index.js';
import { performanceOf, type PerformanceResult } from './performance.js';

/*
 * A model version's reference: what its served traffic is compared with. Built from rows (the
 * training dataset version's, or a sample set explicitly): the sketches module's profile of
 * every signature input (reference deciles and counts, category frequencies, a sample for KS and
 * Wasserstein), plus the profile of the model's own predictions on up to PREDICTED_ROWS of those
 * rows, so output drift has a reference too. When the sample names its target column, the
 * model's quality on it is kept as the baseline that concept drift is measured against.
 */

/** Size of the sample kept per numeric column for KS and Wasserstein. */
export const REFERENCE_SAMPLE_SIZE = 10_000;
/** Rows of the reference the model predicts to profile its outputs. */
export const PREDICTED_ROWS = 10_000;
/** Most rows read into a reference; larger sources are sampled uniformly. */
export const MAX_REFERENCE_ROWS = 1_000_000;
/** The name the prediction column has in windows, events and metrics. */
export const PREDICTION_COLUMN = '__prediction__';

export type MonitoredType = 'numeric' | 'categorical';

/** An input the monitor watches, with the type it is compared as. */
export interface MonitoredColumn {
  readonly name: string;
  readonly type: MonitoredType;
}

/** The stored reference of one model version. */
export interface ModelReference {
  readonly model: string;
  readonly version: number;
  /** Where it came from, e.g. `dataset credit_train@1` or `upload credit.csv (csv)`. */
  readonly source: string;
  readonly rows: number;
  readonly created_at: number;
  readonly created_by: string | null;
  /** Profiled inputs. */
  readonly profile: ReferenceProfile;
  /** Profile of the model's predictions on the reference rows (one column, PREDICTION_COLUMN); null when it could not predict them. */
  readonly predictions: ReferenceProfile | null;
  /** The model's quality on the reference rows, when the source named a target column. */
  readonly performance: PerformanceResult | null;
  /** Inputs left out, with the reason (no values in the reference). */
  readonly skipped: readonly { column: string; reason: string }[];
}

/** Signature inputs as monitored columns: numbers are numeric, strings and booleans categorical. */
export function monitoredColumns(signature: ModelSignature): MonitoredColumn[] {
  return signature.inputs.map((c) => ({ name: c.name, type: c.type === 'string' || c.type === 'boolean' ? 'categorical' : 'numeric' }));
}

/**
 * The value a prediction is monitored as: P(class 1) or the value for binary classifiers and
 * regressors (numeric), the most likely class for multiclass ones (categorical).
 */
export function predictionValue(task: LabelTask, output: unknown, classes?: readonly (string | number)[]): number | string | null {
  if (task === 'multiclass_classification') {
    if (Array.isArray(output)) {
      let best = -1;
      let bestP = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < output.length; i++) {
        const p = output[i];
        if (typeof p === 'number' && p > bestP) {
          bestP = p;
          best = i;
        }
      }
      if (best < 0) return null;
      return classes && classes[best] !== undefined ? String(classes[best]) : String(best);
    }
    return output === null || output === undefined ? null : String(output);
  }
  if (typeof output === 'number') return output;
  if (Array.isArray(output)) {
    if (output.length === 1 && typeof output[0] === 'number') return output[0];
    if (task === 'binary_classification' && output.length === 2 && typeof output[1] === 'number') return output[1];
    return null;
  }
  if (typeof output === 'string') return task === 'regression' ? Number(output) : output;
  return null;
}

/** The monitored type of a model's predictions. */
export function predictionType(task: LabelTask): MonitoredType {
  return task === 'multiclass_classification' ? 'categorical' : 'numeric';
}

/** A cell as a number (missing → NaN). */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number.NaN;
}

/** A cell as a category text (missing → null). */
function category(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return typeof v === 'string' ? v : String(v);
}

/** Uniform sample of up to `max` records from batches (all of them when there are fewer). */
export async function collectRecords(batches: AsyncIterable<readonly Record<string, unknown>[]> | Iterable<readonly Record<string, unknown>[]>, max = MAX_REFERENCE_ROWS, seed = 17): Promise<{ records: Record<string, unknown>[]; seen: number }> {
  const random = new SeededRandom(seed);
  const records: Record<string, unknown>[] = [];
  let seen = 0;
  for await (const batch of batches) {
    for (const r of batch) {
      seen++;
      if (records.length < max) records.push(r);
      else {
        const j = random.below(seen);
        if (j < max) records[j] = r;
      }
    }
  }
  return { records, seen };
}

export interface BuildReferenceInput {
  readonly model: string;
  readonly version: number;
  readonly signature: ModelSignature;
  readonly task: LabelTask;
  readonly classes?: readonly (string | number)[];
  readonly records: readonly Record<string, unknown>[];
  readonly source: string;
  readonly createdBy?: string | null;
  /** The column holding the true label, when the rows have one. */
  readonly target?: string;
  /** Predicts records (inputs only) with the model version; absent: no prediction reference. */
  readonly predict?: (records: Record<string, unknown>[]) => Promise<readonly unknown[]>;
  readonly now?: number;
  readonly sampleSize?: number;
}

/** Builds the reference of a model version from rows. */
export async function buildModelReference(input: BuildReferenceInput): Promise<ModelReference> {
  const { records, signature } = input;
  if (records.length === 0) throw new InvalidParameterError('The reference has no rows.', 'reference');
  const columns = monitoredColumns(signature);
  if (input.target !== undefined && !records.some((r) => input.target! in r)) {
    throw new InvalidParameterError(`The reference rows have no column '${input.target}' (the target named).`, 'target');
  }
  const present = columns.filter((c) => records.some((r) => c.name in r));
  if (present.length === 0) {
    throw new InvalidParameterError(`The reference rows have none of the model's inputs (${columns.map((c) => c.name).join(', ')}).`, 'reference');
  }
  const skipped: { column: string; reason: string }[] = columns.filter((c) => !present.includes(c)).map((c) => ({ column: c.name, reason: 'not in the reference rows' }));
  const data: ColumnData[] = [];
  for (const c of present) {
    const hasValue = records.some((r) => (c.type === 'numeric' ? Number.isFinite(numeric(r[c.name])) : category(r[c.name]) !== null));
    if (!hasValue) {
      skipped.push({ column: c.name, reason: 'no values in the reference rows' });
      continue;
    }
    data.push(
      c.type === 'numeric'
        ? { name: c.name, type: 'numeric', values: Float64Array.from(records, (r) => numeric(r[c.name])) }
        : { name: c.name, type: 'categorical', values: records.map((r) => category(r[c.name])) },
    );
  }
  const profile = buildReferenceProfile(data, { sampleSize: input.sampleSize ?? REFERENCE_SAMPLE_SIZE });

  let predictions: ReferenceProfile | null = null;
  let performance: PerformanceResult | null = null;
  if (input.predict) {
    // An even spread of the rows, so the predicted subset looks like the whole.
    const n = Math.min(PREDICTED_ROWS, records.length);
    const step = records.length / n;
    const picked = Array.from({ length: n }, (_, k) => records[Math.floor(k * step)]!);
    const outputs: unknown[] = [];
    const labels: unknown[] = [];
    for (let i = 0; i < picked.length; i += 1000) {
      const chunk = picked.slice(i, i + 1000);
      const inputs = chunk.map((r) => Object.fromEntries(columns.map((c) => [c.name, r[c.name] ?? null])));
      const got = await input.predict(inputs);
      outputs.push(...got);
      if (input.target !== undefined) labels.push(...chunk.map((r) => r[input.target!]));
    }
    const values = outputs.map((o) => predictionValue(input.task, o, input.classes));
    const type = predictionType(input.task);
    const column: ColumnData = type === 'numeric'
      ? { name: PREDICTION_COLUMN, type, values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : Number.NaN)) }
      : { name: PREDICTION_COLUMN, type, values: values.map((v) => (v === null ? null : String(v))) };
    try {
      predictions = buildReferenceProfile([column], { sampleSize: input.sampleSize ?? REFERENCE_SAMPLE_SIZE });
    } catch {
      predictions = null;
    }
    if (input.target !== undefined) performance = performanceOf(input.task, input.classes, outputs.map((output, i) => ({ output, label: labels[i] })));
  }
  return {
    model: input.model, version: input.version, source: input.source, rows: records.length, created_at: input.now ?? Date.now(), created_by: input.createdBy ?? null,
    profile, predictions, performance, skipped,
  };
}
