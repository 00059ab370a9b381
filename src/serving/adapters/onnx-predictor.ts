import type { LoadedBundle } from '../../bundles/index.js';
import { PuenteError } from '../../errors/index.js';
import { matrixEncoderFor } from '../matrix.js';
import type { OutputTensor, Prediction, Predictor } from '../predictor.js';
import type { Row } from '../rows.js';

const DATATYPES: Record<string, string> = {
  float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', int8: 'INT8', uint8: 'UINT8', bool: 'BOOL', string: 'BYTES', float16: 'FP16',
};

/**
 * ONNX bundles on onnxruntime: rows become the model's one float32 matrix input. Every output is
 * returned as a tensor; the MLflow-style prediction per row is the positive-class probability
 * for a binary classifier, the class probabilities for a multiclass one, else the first output.
 */
export async function onnxPredictor(bundle: LoadedBundle): Promise<Predictor> {
  const { loadOnnxModel, matrixInput, toJsonArray } = await import('../../runtimes/onnx/index.js');
  const model = await loadOnnxModel(bundle.modelBytes, { intraOpThreads: 1, name: bundle.manifest.model_file });
  const input = matrixInput(model);
  if (!input) {
    await model.close();
    throw new PuenteError('NOT_IMPLEMENTED', `This ONNX model's inputs (${model.inputs.map((i) => i.name).join(', ')}) are not one float32 [N, F] matrix, which is what Puente serves today.`);
  }
  const encode = matrixEncoderFor(bundle.manifest);
  const width = encode([]).nCols;
  if (input.nCols !== null && input.nCols !== width) {
    await model.close();
    throw new PuenteError('INVALID_PARAMETER_VALUE', `The ONNX model takes ${input.nCols} features but the bundle's signature lists ${width} columns.`);
  }
  const probabilities = model.outputs.find((o) => /prob/i.test(o.name) && o.shape.length === 2);
  return {
    format: 'onnx',
    platform: 'onnx_onnxv1',
    async predict(rows: Row[]): Promise<Prediction> {
      const { matrix, nCols } = encode(rows);
      const result = await model.run({ [input.name]: { data: matrix, dims: [rows.length, nCols] } });
      const outputs: OutputTensor[] = Object.entries(result).map(([name, t]) => ({
        name,
        datatype: DATATYPES[t.type] ?? t.type.toUpperCase(),
        shape: [...t.dims],
        data: toJsonArray(t.data, t.type) as number[] | string[],
      }));
      return { outputs, predictions: perRow(outputs, probabilities?.name, bundle.manifest.task, rows.length) };
    },
    close: () => model.close(),
  };
}

function perRow(outputs: OutputTensor[], probabilityName: string | undefined, task: string, n: number): unknown[] {
  const chosen = outputs.find((o) => o.name === probabilityName) ?? outputs[0];
  if (!chosen) return [];
  const width = chosen.shape.slice(1).reduce((a, b) => a * b, 1);
  if (width === 1) return chosen.data.slice(0, n);
  const rows = Array.from({ length: n }, (_, r) => chosen.data.slice(r * width, (r + 1) * width));
  return chosen.name === probabilityName && task === 'binary_classification' && width === 2 ? rows.map((p) => p[1]) : rows;
}
