/**
 * Explanations of model outputs: exact Tree SHAP for tree ensembles (XGBoost and the built-in
 * trainer), Kernel SHAP and permutation SHAP for any model, permutation importance, global
 * summaries, and the explanation of rows sent to a served model version.
 */
export { TreeShapExplainer, type TreeShapOptions } from './tree-shap.js';
export { kernelShap, chooseCoalitions, autoSamples, applyLink, type KernelShapOptions, type RowAttribution, type Link } from './kernel-shap.js';
export { permutationShap, permutationImportance, type PermutationShapOptions, type PermutationImportanceOptions, type ColumnImportance } from './permutation.js';
export { matrixCoalitions, recordCoalitions, type CoalitionModel, type MatrixPredict, type RecordPredict } from './coalitions.js';
export { kmeansSummary, type KmeansSummary, type KmeansOptions } from './kmeans.js';
export { sampleRecords, summarizeRecords, type WeightedRecords } from './background.js';
export { meanAbsolute, rankFeatures } from './summary.js';
export { inputColumnsOf, type InputColumns } from './input-columns.js';
export {
  explainHosted, EXPLAIN_METHODS, MAX_EXPLAIN_ROWS, DEFAULT_BACKGROUND_ROWS,
  type ExplainMethod, type ExplainOptions, type BundleOpener, type Explanation, type ExplainedRow, type PerOutput,
} from './hosted.js';
export type { ExplainParams, ImportanceParams, ImportanceResult } from './api-types.js';
