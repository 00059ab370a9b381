import type { BundleManifest } from '../bundles/index.js';
import { PuenteError } from '../errors/index.js';
import { FittedPipeline, type FittedPipelineJSON } from '../preprocessing/index.js';

/**
 * Which input column each column of a model's matrix comes from. Explanations are reported per
 * input column (what a caller sends), so the contributions of the matrix columns one input
 * column becomes (its one-hot indicators, say) are added up.
 */
export interface InputColumns {
  /** Input columns, in the signature's order. */
  readonly names: readonly string[];
  /** The model's matrix columns, in order. */
  readonly matrixNames: readonly string[];
  /** For each matrix column, the index in `names` of the input column it is computed from. */
  readonly ofMatrixColumn: Int32Array;
}

/**
 * The input column of every matrix column of a bundle: traced through its preprocessing steps
 * (each step reads one column per feature it makes), or, without preprocessing, the signature's
 * columns one to one.
 */
export function inputColumnsOf(manifest: BundleManifest): InputColumns {
  const names = manifest.signature.inputs.map((c) => c.name);
  if (manifest.preprocessing === null || manifest.preprocessing === undefined) {
    return { names, matrixNames: names, ofMatrixColumn: Int32Array.from(names, (_, i) => i) };
  }
  const pipeline = FittedPipeline.fromJSON(manifest.preprocessing);
  const json = pipeline.toJSON() as FittedPipelineJSON;
  // The input column a name currently stands for; steps that rewrite a column in place keep it.
  const origin = new Map<string, string>();
  const source = (column: string) => origin.get(column) ?? column;
  for (const step of json.steps) {
    switch (step.type) {
      case 'impute':
      case 'standard_scale':
      case 'min_max_scale':
      case 'passthrough':
        for (const c of step.columns) origin.set(c, source(c));
        break;
      case 'one_hot':
        for (const value of step.categories) origin.set(`${step.column}=${String(value)}`, source(step.column));
        break;
      case 'ordinal':
      case 'bucketize':
        origin.set(step.output, source(step.column));
        break;
    }
  }
  const index = new Map(names.map((n, i) => [n, i]));
  const ofMatrixColumn = Int32Array.from(pipeline.featureNames, (feature) => {
    const input = source(feature);
    const at = index.get(input);
    if (at === undefined) {
      throw new PuenteError('INVALID_PARAMETER_VALUE', `The bundle's feature '${feature}' comes from column '${input}', which its signature does not list.`);
    }
    return at;
  });
  return { names, matrixNames: pipeline.featureNames, ofMatrixColumn };
}
