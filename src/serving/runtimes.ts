import type { ModelFormat } from '../bundles/index.js';
import type { PredictorFactory } from './predictor.js';
import { onnxPredictor } from './adapters/onnx-predictor.js';
import { xgboostPredictor } from './adapters/xgboost-predictor.js';

/** The runtime of each bundle format. */
export const RUNTIMES: Partial<Record<ModelFormat, PredictorFactory>> = {
  onnx: onnxPredictor,
  xgboost: xgboostPredictor,
};
