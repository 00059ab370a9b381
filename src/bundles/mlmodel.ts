import { parse as parseYaml } from 'yaml';
import { InvalidParameterError, PuenteError } from '../errors/index.js';
import type { ColumnSpec, ColumnType, ModelFormat, ModelSignature, TensorSpec } from './manifest.js';

/** The file MLflow writes beside a logged model. */
export const MLMODEL_FILE = 'MLmodel';

/** What an MLmodel file says Puente needs: the runtime, the model file and the signature. */
export interface MlmodelInfo {
  readonly format: ModelFormat;
  readonly model_file: string;
  readonly signature: ModelSignature | null;
  /** The estimator class MLflow recorded (e.g. xgboost.sklearn.XGBClassifier), when any. */
  readonly model_class: string | null;
  readonly input_example_file: string | null;
}

/** Flavors whose model files are Python pickles: loading them would run arbitrary code. */
const PICKLE_FLAVORS = ['sklearn', 'python_function', 'lightgbm', 'catboost', 'statsmodels', 'pytorch', 'keras', 'tensorflow', 'spark', 'h2o', 'prophet'];

/**
 * Reads an MLflow `MLmodel` file. The `xgboost` and `onnx` flavors are served natively; any
 * other flavor is refused with the way to an ONNX model, since its files are pickles or need a
 * framework Puente does not embed.
 */
export function readMlmodel(text: string): MlmodelInfo {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InvalidParameterError(`MLmodel is not valid YAML: ${(err as Error).message}`, 'MLmodel');
  }
  const flavors = (doc as { flavors?: Record<string, Record<string, unknown>> } | null)?.flavors;
  if (!flavors || typeof flavors !== 'object') throw new InvalidParameterError('MLmodel has no flavors section.', 'MLmodel');
  const signature = readSignature((doc as { signature?: unknown }).signature);
  const example = (doc as { saved_input_example_info?: { artifact_path?: string } }).saved_input_example_info?.artifact_path ?? null;

  const xgb = flavors.xgboost;
  if (xgb) {
    const data = String(xgb.data ?? '');
    const formatName = String(xgb.model_format ?? data.split('.').pop() ?? '');
    if (formatName === 'xgb' || formatName === 'deprecated') {
      throw new PuenteError(
        'INVALID_PARAMETER_VALUE',
        `This MLmodel stores the XGBoost model in XGBoost's legacy binary format (${data}), which Puente does not read. ` +
          'Log it again with mlflow.xgboost.log_model(..., model_format="ubj") (the default) or "json".',
      );
    }
    return { format: 'xgboost', model_file: data, signature, model_class: typeof xgb.model_class === 'string' ? xgb.model_class : null, input_example_file: example };
  }
  const onnx = flavors.onnx;
  if (onnx) return { format: 'onnx', model_file: String(onnx.data ?? 'model.onnx'), signature, model_class: null, input_example_file: example };

  const names = Object.keys(flavors);
  const picklish = names.filter((n) => PICKLE_FLAVORS.includes(n));
  throw new PuenteError(
    'INVALID_PARAMETER_VALUE',
    `This model's MLmodel flavors (${names.join(', ')}) are not served: ${picklish.length > 0 ? 'they load Python pickles, which can run arbitrary code' : 'Puente has no runtime for them'}. ` +
      'Convert the model to ONNX (skl2onnx, onnxmltools, torch.onnx) and log it with mlflow.onnx.log_model, or log XGBoost models with mlflow.xgboost.log_model.',
  );
}

const MLFLOW_TYPES: Record<string, ColumnType> = { double: 'double', float: 'float', long: 'long', integer: 'integer', boolean: 'boolean', string: 'string' };

/** MLflow's signature (JSON strings of column or tensor specs) as ours; null when absent. */
function readSignature(value: unknown): ModelSignature | null {
  if (!value || typeof value !== 'object') return null;
  const sig = value as { inputs?: string; outputs?: string };
  const parse = (text: string | undefined, part: string): Record<string, unknown>[] => {
    if (!text) return [];
    try {
      const list = JSON.parse(text);
      if (!Array.isArray(list)) throw new Error('not a list');
      return list;
    } catch (err) {
      throw new InvalidParameterError(`MLmodel signature ${part} are not a JSON list: ${(err as Error).message}`, 'signature');
    }
  };
  const inputs = parse(sig.inputs, 'inputs');
  const outputs = parse(sig.outputs, 'outputs');
  const tensor = (spec: Record<string, unknown>, i: number, part: string): TensorSpec => {
    const t = (spec['tensor-spec'] ?? {}) as { dtype?: string; shape?: number[] };
    return { name: String(spec.name ?? (part === 'inputs' ? 'input' : `output_${i}`)), dtype: String(t.dtype ?? 'float32'), shape: (t.shape ?? []).map((d) => (d < 0 ? null : d)) };
  };
  if (inputs.length > 0 && inputs.every((c) => c.type === 'tensor')) {
    if (inputs.length !== 1) throw new InvalidParameterError('MLmodel signature has several input tensors; Puente serves models with one matrix input or named columns.', 'signature');
    const input = tensor(inputs[0]!, 0, 'inputs');
    const width = input.shape[input.shape.length - 1];
    // Without column names, the matrix columns are called f0, f1, ...
    const columns: ColumnSpec[] = typeof width === 'number' ? Array.from({ length: width }, (_, i) => ({ name: `f${i}`, type: 'double' })) : [];
    return { inputs: columns, input_tensor: input, outputs: outputs.map((o, i) => tensor(o, i, 'outputs')) };
  }
  const columns: ColumnSpec[] = inputs.map((c, i) => {
    const type = MLFLOW_TYPES[String(c.type)];
    if (!type) throw new InvalidParameterError(`MLmodel signature input ${String(c.name ?? i)} has type '${String(c.type)}', which Puente does not serve.`, 'signature');
    return { name: String(c.name ?? `f${i}`), type, nullable: c.required === false ? true : undefined };
  });
  return {
    inputs: columns,
    outputs: outputs.map((o, i) => (o.type === 'tensor' ? tensor(o, i, 'outputs') : { name: String(o.name ?? `output_${i}`), dtype: String(o.type), shape: [null] })),
  };
}
