/**
 * Fitted preprocessing for model bundles: specs of steps (impute, scale, one-hot, ordinal,
 * bucketize, passthrough), fitting them on training rows, and one compiled transform from raw
 * rows to the model's float32 matrix, used alike at training and at serving.
 */
export { fitPipeline } from './fit.js';
export { FittedPipeline, type TransformResult } from './pipeline.js';
export { pipelineFromFeaturesSpec } from './features-spec.js';
export { parsePipelineSpec, parseFittedPipeline } from './spec.js';
export { PreprocessingInputError, isMissing } from './values.js';
export {
  PIPELINE_FORMAT, IMPUTE_STRATEGIES, STEP_TYPES,
  type Row, type CategoryValue, type MissingPolicy, type ImputeStrategy, type StepType,
  type PipelineSpec, type StepSpec, type ImputeSpec, type StandardScaleSpec, type MinMaxScaleSpec,
  type OneHotSpec, type OrdinalSpec, type BucketizeSpec, type PassthroughSpec,
  type FittedPipelineJSON, type FittedStep, type FittedImpute, type FittedStandardScale, type FittedMinMaxScale,
  type FittedOneHot, type FittedOrdinal, type FittedBucketize, type FittedPassthrough,
} from './types.js';
