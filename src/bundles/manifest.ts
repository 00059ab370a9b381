import { InvalidParameterError } from '../errors/index.js';

/** The manifest file of a bundle, beside the model file. */
export const MANIFEST_FILE = 'puente.json';

export const MODEL_FORMATS = ['onnx', 'xgboost'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

export const TASKS = ['binary_classification', 'multiclass_classification', 'regression'] as const;
export type ModelTask = (typeof TASKS)[number];

/** Column types, as MLflow's signatures name them. */
export const COLUMN_TYPES = ['double', 'float', 'long', 'integer', 'boolean', 'string'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** One named input column: its type and, when known, its categories or range. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Values a categorical column takes (the unknown-category policy decides about others). */
  readonly categories?: readonly string[];
  /** Inclusive [min, max] seen in training (used for out-of-range checks, never to refuse). */
  readonly range?: readonly [number, number];
  /** May be missing (null / absent / NaN). Default true: models here handle missing values. */
  readonly nullable?: boolean;
}

/** A tensor input or output: element type and shape (-1 or null for a free dimension). */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly (number | null)[];
}

/**
 * What a model takes and gives. A model takes named columns (`inputs`, one tensor of shape [N]
 * per column in the Open Inference Protocol) and, when its runtime wants one matrix, says so in
 * `input_tensor` (the columns are then stacked in `inputs` order, after preprocessing).
 */
export interface ModelSignature {
  readonly inputs: readonly ColumnSpec[];
  readonly input_tensor?: TensorSpec;
  readonly outputs: readonly TensorSpec[];
}

/** The dataset version a model was trained on (lineage, and the reference for drift). */
export interface DatasetRef {
  readonly name: string;
  readonly version: string;
  readonly digest?: string;
}

/** `puente.json`: everything needed to serve the model the way it was trained, and to verify it. */
export interface BundleManifest {
  readonly format_version: 1;
  readonly format: ModelFormat;
  readonly task: ModelTask;
  /** Path of the model file within the bundle. */
  readonly model_file: string;
  readonly signature: ModelSignature;
  /** Fitted preprocessing pipeline (src/preprocessing JSON), applied before the model; null: none. */
  readonly preprocessing: unknown;
  /** Class labels in output order, for classifiers. */
  readonly classes?: readonly (string | number)[];
  readonly input_example?: readonly Record<string, unknown>[];
  readonly training_dataset?: DatasetRef | null;
  readonly metrics?: Readonly<Record<string, number>>;
  /** sha256 (hex) of every file of the bundle except the manifest itself. */
  readonly files: Readonly<Record<string, string>>;
  readonly created_at?: number;
  readonly created_by?: string;
}

/** Checks a parsed `puente.json`; the error names the first field that is wrong. */
export function parseManifest(value: unknown, source = MANIFEST_FILE): BundleManifest {
  const m = object(value, source);
  const bad = (field: string, what: string) => new InvalidParameterError(`${source}: '${field}' ${what}.`, field);
  if (m.format_version !== 1) throw bad('format_version', 'must be 1');
  if (!MODEL_FORMATS.includes(m.format as ModelFormat)) throw bad('format', `must be one of ${MODEL_FORMATS.join(', ')}`);
  if (!TASKS.includes(m.task as ModelTask)) throw bad('task', `must be one of ${TASKS.join(', ')}`);
  if (typeof m.model_file !== 'string' || m.model_file === '') throw bad('model_file', 'must name the model file');
  const files = object(m.files, `${source} files`);
  for (const [path, hash] of Object.entries(files)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw bad(`files.${path}`, 'must be a sha256 in hex');
  }
  if (!(m.model_file in files)) throw bad('files', `must list the model file '${m.model_file}'`);
  parseSignature(m.signature, `${source} signature`);
  if (m.classes !== undefined && !Array.isArray(m.classes)) throw bad('classes', 'must be a list');
  if (m.metrics !== undefined) {
    for (const [k, v] of Object.entries(object(m.metrics, `${source} metrics`))) if (typeof v !== 'number') throw bad(`metrics.${k}`, 'must be a number');
  }
  return m as unknown as BundleManifest;
}

/** Checks a signature object. */
export function parseSignature(value: unknown, source: string): ModelSignature {
  const s = object(value, source);
  if (!Array.isArray(s.inputs)) throw new InvalidParameterError(`${source}: 'inputs' must be a list of columns.`, 'inputs');
  const names = new Set<string>();
  s.inputs.forEach((c: unknown, i: number) => {
    const col = object(c, `${source} inputs[${i}]`);
    if (typeof col.name !== 'string' || col.name === '') throw new InvalidParameterError(`${source}: inputs[${i}] needs a name.`, 'inputs');
    if (names.has(col.name)) throw new InvalidParameterError(`${source}: input column '${col.name}' is listed twice.`, 'inputs');
    names.add(col.name);
    if (!COLUMN_TYPES.includes(col.type as ColumnType)) {
      throw new InvalidParameterError(`${source}: input '${col.name}' has type '${String(col.type)}'; expected one of ${COLUMN_TYPES.join(', ')}.`, 'inputs');
    }
  });
  if (!Array.isArray(s.outputs)) throw new InvalidParameterError(`${source}: 'outputs' must be a list.`, 'outputs');
  return s as unknown as ModelSignature;
}

function object(value: unknown, what: string): Record<string, any> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError(`${what} must be a JSON object.`, what);
  return value as Record<string, any>;
}
