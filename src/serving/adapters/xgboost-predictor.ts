import type { LoadedBundle } from '../../bundles/index.js';
import { PuenteError } from '../../errors/index.js';
import { loadXgboostModel } from '../../runtimes/xgboost/index.js';
import { matrixEncoderFor } from '../matrix.js';
import type { OutputTensor, Prediction, Predictor } from '../predictor.js';
import type { Row } from '../rows.js';

/**
 * XGBoost bundles on the native evaluator. Outputs: `predictions` (what XGBoost's predict()
 * gives: P(class 1), class probabilities [N, K], the class index, or the value), and for
 * multiclass models `classes` (the most likely class per row).
 */
export async function xgboostPredictor(bundle: LoadedBundle): Promise<Predictor> {
  const model = loadXgboostModel(bundle.modelBytes, bundle.manifest.model_file);
  const encode = matrixEncoderFor(bundle.manifest);
  const width = encode([]).nCols;
  if (width !== model.numFeatures) {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `The XGBoost model takes ${model.numFeatures} features but the bundle's ${bundle.manifest.preprocessing ? 'preprocessing produces' : 'signature lists'} ${width}.`);
  }
  return {
    format: 'xgboost',
    platform: 'puente_xgboost',
    predict(rows: Row[]): Prediction {
      const { matrix } = encode(rows);
      const out = model.predict(matrix);
      const n = rows.length;
      const width = out.predictions.length / Math.max(n, 1);
      const outputs: OutputTensor[] = [
        { name: 'predictions', datatype: 'FP32', shape: width === 1 ? [n] : [n, width], data: Array.from(out.predictions) },
      ];
      if (out.classes) outputs.push({ name: 'classes', datatype: 'INT32', shape: [n], data: Array.from(out.classes) });
      const predictions: unknown[] = width === 1 || n === 0
        ? outputs[0]!.data
        : Array.from({ length: n }, (_, r) => Array.from(out.predictions.subarray(r * width, (r + 1) * width)));
      return { outputs, predictions };
    },
    close() {},
  };
}
