/** XGBoost tree models (JSON and UBJSON files) evaluated natively: loading, compiled trees, bit-exact prediction. */
export {
  loadXgboostModel,
  detectModelFormat,
  type XgboostModel,
  type XgboostModelFormat,
  type XgboostModelOptions,
  type XgboostPredictOptions,
  type XgboostPrediction,
} from './model.js';
export type { XgboostRows } from './rows.js';
export type { XgboostForest } from './forest.js';
export { SUPPORTED_OBJECTIVES, type OutputTransform } from './objectives.js';
export { decodeUbjson, UbjsonError, type UbjsonValue, type UbjsonTypedArray, type UbjsonDecodeOptions } from './ubjson.js';
