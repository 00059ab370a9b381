/**
 * Explanations of model outputs: exact Tree SHAP for tree ensembles (XGBoost and the built-in
 * trainer).
 */
export { TreeShapExplainer, type TreeShapOptions } from './tree-shap.js';
