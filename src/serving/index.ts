/** Serving protocols: MLflow scoring and Open Inference requests parsed into records, checked against a model's signature. */
export { checkRows, type Row, type Cell, type CheckOptions, type UnknownCategoryPolicy } from './rows.js';
export { parseScoringRequest, parseCsv } from './mlflow-scoring.js';
export { parseInferRequest, modelMetadata, datatypeOf, type InferTensor, type ParsedInferRequest } from './open-inference.js';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
export { slicePrediction, concatRows, type Prediction, type Predictor, type PredictorFactory, type OutputTensor } from './predictor.js';
export { ModelHost, type ModelHostOptions, type HostedModel, type HostedPrediction } from './model-host.js';
export { RUNTIMES } from './runtimes.js';
export { columnMatrixEncoder, matrixEncoderFor, type MatrixEncoder } from './matrix.js';
export { storeCatalog, remoteCatalog, proxyBundleSource, type ModelCatalog } from './catalog.js';
