/**
 * Global summaries of local explanations: the mean |SHAP value| of each feature over rows, the
 * usual "which columns matter most" bar chart (shap.summary_plot's bar form).
 */

/** Mean absolute value per feature and output over rows of M × K values (feature-major). */
export function meanAbsolute(rows: readonly ArrayLike<number>[], numFeatures: number, numOutputs: number): Float64Array {
  const out = new Float64Array(numFeatures * numOutputs);
  if (rows.length === 0) return out;
  for (const values of rows) for (let i = 0; i < out.length; i++) out[i] += Math.abs(values[i]);
  for (let i = 0; i < out.length; i++) out[i] /= rows.length;
  return out;
}

/** Features ordered by importance (mean |value| summed over outputs), largest first. */
export function rankFeatures(meanAbs: ArrayLike<number>, names: readonly string[], numOutputs: number): { name: string; mean_abs: number }[] {
  return names
    .map((name, j) => {
      let total = 0;
      for (let k = 0; k < numOutputs; k++) total += meanAbs[j * numOutputs + k];
      return { name, mean_abs: total };
    })
    .sort((a, b) => b.mean_abs - a.mean_abs);
}
