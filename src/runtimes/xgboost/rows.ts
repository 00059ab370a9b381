import { InvalidParameterError } from '../../errors/index.js';

/** Rows to predict: a row-major N × F Float32Array, or one array of numbers per row. */
export type XgboostRows = Float32Array | readonly (readonly (number | null | undefined)[])[];

/** Number of rows in `rows`, after checking its shape against `numFeatures`. */
export function countRows(rows: XgboostRows, numFeatures: number, label: string): number {
  if (rows instanceof Float32Array) {
    if (rows.length % numFeatures !== 0) {
      throw new InvalidParameterError(
        `${label} expects ${numFeatures} features per row: a Float32Array of N × ${numFeatures} values, got ${rows.length} values.`,
        'rows',
      );
    }
    return rows.length / numFeatures;
  }
  if (!Array.isArray(rows)) throw new InvalidParameterError('rows must be a Float32Array (N × F, row after row) or an array of rows.', 'rows');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== numFeatures) {
      const got = Array.isArray(row) ? `${row.length} values` : typeof row;
      throw new InvalidParameterError(`${label} expects ${numFeatures} features per row; row ${i} has ${got}.`, 'rows');
    }
  }
  return rows.length;
}

/**
 * Copies rows [first, first + n) into `xs` as the kernels read them: each row as
 * [x_0 … x_F-1, -x_0 … -x_F-1] in float32, missing values (NaN, null, undefined) as NaN.
 */
export function fillRowBlock(rows: XgboostRows, numFeatures: number, first: number, n: number, xs: Float32Array): void {
  const F = numFeatures;
  const stride = 2 * F;
  if (rows instanceof Float32Array) {
    for (let r = 0; r < n; r++) {
      const src = (first + r) * F;
      const dst = r * stride;
      for (let j = 0; j < F; j++) {
        const v = rows[src + j];
        xs[dst + j] = v;
        xs[dst + F + j] = -v;
      }
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    const row = rows[first + r];
    const dst = r * stride;
    for (let j = 0; j < F; j++) {
      const raw = row[j];
      let v: number;
      if (typeof raw === 'number') v = raw;
      else if (raw === null || raw === undefined) v = Number.NaN;
      else throw new InvalidParameterError(`Row ${first + r}, feature ${j}: expected a number or null, got ${typeof raw}.`, 'rows');
      xs[dst + j] = v;
      xs[dst + F + j] = -v;
    }
  }
}
