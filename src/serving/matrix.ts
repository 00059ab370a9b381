import { PuenteError } from '../errors/index.js';
import type { BundleManifest } from '../bundles/index.js';
import { FittedPipeline } from '../preprocessing/index.js';
import type { Row } from './rows.js';

/** Turns checked rows into the model's float32 matrix (row-major), plus its width. */
export type MatrixEncoder = (rows: readonly Row[]) => { matrix: Float32Array; nCols: number };

/**
 * The encoder of a bundle: its fitted preprocessing when it has one (the same transform that
 * training used), else the signature columns as they are.
 */
export function matrixEncoderFor(manifest: BundleManifest): MatrixEncoder {
  if (manifest.preprocessing === null || manifest.preprocessing === undefined) return columnMatrixEncoder(manifest);
  const pipeline = FittedPipeline.fromJSON(manifest.preprocessing);
  const known = new Set(manifest.signature.inputs.map((c) => c.name));
  const missing = pipeline.inputColumns.filter((c) => !known.has(c));
  if (missing.length > 0) {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `The bundle's preprocessing reads column(s) ${missing.join(', ')}, which its signature does not list.`);
  }
  const nCols = pipeline.numFeatures;
  return (rows) => ({ matrix: pipeline.transform(rows as Row[]).matrix, nCols });
}

/**
 * The encoder of a bundle without preprocessing: signature columns in order, numbers as they
 * are, booleans as 0/1, missing values as NaN (the model's own missing-value handling applies).
 * String columns need a preprocessing step to become numbers; a bundle without one is refused
 * when it loads, not on the first request.
 */
export function columnMatrixEncoder(manifest: BundleManifest): MatrixEncoder {
  const columns = manifest.signature.inputs;
  const text = columns.filter((c) => c.type === 'string');
  if (text.length > 0) {
    throw new PuenteError(
      'INVALID_PARAMETER_VALUE',
      `Column(s) ${text.map((c) => `'${c.name}'`).join(', ')} hold strings, and the bundle has no preprocessing to encode them; package the model with one (one_hot or ordinal).`,
    );
  }
  const names = columns.map((c) => c.name);
  const nCols = names.length;
  return (rows) => {
    const matrix = new Float32Array(rows.length * nCols);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const base = r * nCols;
      for (let c = 0; c < nCols; c++) {
        const v = row[names[c]!];
        matrix[base + c] = v === null || v === undefined ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      }
    }
    return { matrix, nCols };
  };
}
