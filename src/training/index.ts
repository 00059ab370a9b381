/**
 * Built-in trainers, so a model can be trained without Python: histogram gradient-boosted trees
 * written as XGBoost JSON (served by the native evaluator) and logistic regression in a small
 * format of our own; plus the metrics to judge them. Both are reproducible: the same data and
 * options give the same bytes.
 */
import { InvalidParameterError } from '../errors/index.js';
import { trainGbdt, type GbdtOptions, type GbdtResult } from './gbdt.js';
import { trainLogistic, type LogisticOptions, type LogisticResult } from './logistic.js';

export {
  trainGbdt,
  stringifyXgboostModel,
  formatFloat32,
  type GbdtObjective,
  type GbdtOptions,
  type GbdtResult,
  type XgboostModelJson,
  type XgboostTreeJson,
} from './gbdt.js';
export {
  trainLogistic,
  predictLogistic,
  readLogisticModel,
  LOGISTIC_MODEL_KIND,
  type LogisticOptions,
  type LogisticModelJson,
  type LogisticResult,
} from './logistic.js';
export { rocAuc, logLoss, accuracy, rmse, r2 } from './metrics.js';
export { createRng, type Rng } from './random.js';

interface TrainingData {
  /** Row-major N × nFeatures, NaN = missing. */
  X: Float32Array;
  y: Float32Array;
  nFeatures: number;
}

export type TrainModelRequest =
  | ({ kind: 'gbdt' } & TrainingData & GbdtOptions)
  | ({ kind: 'logreg' } & TrainingData & LogisticOptions);

export type TrainModelResult = ({ kind: 'gbdt' } & GbdtResult) | ({ kind: 'logreg' } & LogisticResult);

/** Trains either model kind from one request object. */
export function trainModel(request: TrainModelRequest): TrainModelResult {
  if (request === null || typeof request !== 'object') throw new InvalidParameterError('The training request must be an object.', 'request');
  switch (request.kind) {
    case 'gbdt': {
      const { kind: _kind, X, y, nFeatures, ...options } = request;
      return { kind: 'gbdt', ...trainGbdt(X, y, nFeatures, options) };
    }
    case 'logreg': {
      const { kind: _kind, X, y, nFeatures, ...options } = request;
      return { kind: 'logreg', ...trainLogistic(X, y, nFeatures, options) };
    }
    default:
      throw new InvalidParameterError(`kind must be 'gbdt' or 'logreg', got '${String((request as { kind?: unknown }).kind)}'.`, 'kind');
  }
}
export { logisticAsXgboost } from './logistic-xgboost.js';
