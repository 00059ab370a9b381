import { InvalidParameterError } from '../../errors/index.js';
import type { OnnxModel } from './onnx-model.js';
import { formatShape, type OnnxTensorOutput } from './tensor-types.js';

/** The one input of a model that takes a float32 matrix [N, F]: its name and F when the model fixes it. */
export interface MatrixInput {
  readonly name: string;
  readonly nCols: number | null;
}

/**
 * The matrix input of a model with exactly one float32 input of rank 2 (rows × features), or
 * null when the model has another signature. Serving uses it to pick the single-matrix path.
 */
export function matrixInput(model: Pick<OnnxModel, 'inputs'>): MatrixInput | null {
  if (model.inputs.length !== 1) return null;
  const [input] = model.inputs;
  if (!input.isTensor || input.type !== 'float32' || input.shape.length !== 2) return null;
  const cols = input.shape[1];
  return { name: input.name, nCols: typeof cols === 'number' ? cols : null };
}

/**
 * Runs a model whose one input is a float32 matrix on `nRows` rows of `nCols` features, stored
 * row after row in `rows`, and returns all its outputs.
 */
export async function predictMatrix(
  model: OnnxModel,
  rows: Float32Array,
  nRows: number,
  nCols: number,
): Promise<Record<string, OnnxTensorOutput>> {
  const input = matrixInput(model);
  if (!input) {
    const inputs = model.inputs.map((i) => `'${i.name}' ${i.type ?? 'non-tensor'} ${formatShape(i.shape)}`).join(', ');
    throw new InvalidParameterError(`${modelLabel(model)} does not take a single float32 matrix [N, F]; its inputs are ${inputs}.`, 'inputs');
  }
  if (!(rows instanceof Float32Array)) {
    throw new InvalidParameterError('rows must be a Float32Array holding the matrix row after row.', 'inputs');
  }
  for (const [field, value] of [['nRows', nRows], ['nCols', nCols]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidParameterError(`${field} must be a non-negative integer, got ${String(value)}.`, field);
    }
  }
  if (input.nCols !== null && nCols !== input.nCols) {
    throw new InvalidParameterError(`${modelLabel(model)} expects ${input.nCols} features per row, got ${nCols}.`, 'inputs');
  }
  if (rows.length !== nRows * nCols) {
    throw new InvalidParameterError(
      `A ${nRows} × ${nCols} matrix holds ${nRows * nCols} values, but rows has ${rows.length}.`,
      'inputs',
    );
  }
  return model.run({ [input.name]: { data: rows, dims: [nRows, nCols] } });
}

function modelLabel(model: OnnxModel): string {
  return model.name ? `Model '${model.name}'` : 'The model';
}
