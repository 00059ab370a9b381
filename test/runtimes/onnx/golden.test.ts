// The three credit models against scikit-learn's predictions on the 5,000 test rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel, matrixInput, predictMatrix, toJsonArray, type OnnxModel, type OnnxTensorOutput } from '../../../src/runtimes/onnx/index.js';
import { CREDIT_MODELS, creditGolden, creditMatrix, fixtureBytes } from './fixtures.js';

const TOLERANCE = 1e-5;
const matrix = creditMatrix();
const golden = creditGolden();

/** Largest |probability - golden| and label mismatches for the outputs of rows [start, start + n). */
function compare(file: (typeof CREDIT_MODELS)[number], out: Record<string, OnnxTensorOutput>, start: number, n: number) {
  const want = golden.models[file];
  const probs = out.probabilities.data as Float32Array;
  const labels = toJsonArray(out.label.data, out.label.type);
  let maxDiff = 0;
  let mismatches = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) maxDiff = Math.max(maxDiff, Math.abs(probs[i * 2 + k] - want.probabilities[start + i][k]));
    if (labels[i] !== want.label[start + i]) mismatches++;
  }
  return { maxDiff, mismatches };
}

it('reads the fixture matrix as the golden file describes it', () => {
  expect(matrix.nRows).toBe(5000);
  expect(matrix.nCols).toBe(16);
  expect(matrix.header).toEqual(golden.feature_names);
  // Missing incomes and tenures are part of the test: the graphs impute them.
  expect(matrix.rows.some(Number.isNaN)).toBe(true);
});

describe.each(CREDIT_MODELS)('%s', (file) => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(fixtureBytes(file), { name: file, intraOpThreads: 1 });
  });
  afterAll(() => model.close());

  it('declares input [N,16] float32 and outputs probabilities [N,2] float32, label [N] int64', () => {
    expect(model.name).toBe(file);
    expect(model.inputs).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['N', 16] }]);
    expect(model.outputs).toEqual([
      { name: 'probabilities', isTensor: true, type: 'float32', shape: ['N', 2] },
      { name: 'label', isTensor: true, type: 'int64', shape: ['N'] },
    ]);
    expect(matrixInput(model)).toEqual({ name: 'input', nCols: 16 });
  });

  it('matches the golden probabilities and labels on all 5,000 rows in one call', async () => {
    const out = await model.run({ input: { data: matrix.rows, dims: [matrix.nRows, matrix.nCols] } });
    expect(out.probabilities.dims).toEqual([5000, 2]);
    expect(out.probabilities.type).toBe('float32');
    expect(out.label.dims).toEqual([5000]);
    expect(out.label.type).toBe('int64');
    expect(out.label.data).toBeInstanceOf(BigInt64Array);
    const { maxDiff, mismatches } = compare(file, out, 0, matrix.nRows);
    expect(maxDiff).toBeLessThan(TOLERANCE);
    expect(mismatches).toBe(0);
  });

  it('gives the same answers through predictMatrix', async () => {
    const out = await predictMatrix(model, matrix.rows, matrix.nRows, matrix.nCols);
    const { maxDiff, mismatches } = compare(file, out, 0, matrix.nRows);
    expect(maxDiff).toBeLessThan(TOLERANCE);
    expect(mismatches).toBe(0);
  });

  it('matches row by row in batches of one', async () => {
    // Every 10th row, so NaN rows and both classes are among them.
    let worst = 0;
    let mismatches = 0;
    for (let r = 0; r < matrix.nRows; r += 10) {
      const row = matrix.rows.subarray(r * 16, (r + 1) * 16);
      const out = await predictMatrix(model, row, 1, 16);
      expect(out.probabilities.dims).toEqual([1, 2]);
      const cmp = compare(file, out, r, 1);
      worst = Math.max(worst, cmp.maxDiff);
      mismatches += cmp.mismatches;
    }
    expect(worst).toBeLessThan(TOLERANCE);
    expect(mismatches).toBe(0);
  });

  it('answers an empty batch with empty outputs', async () => {
    const out = await predictMatrix(model, new Float32Array(0), 0, 16);
    expect(out.probabilities.dims).toEqual([0, 2]);
    expect(out.label.dims).toEqual([0]);
  });

  it('gives the golden values with default and with several threads', async () => {
    for (const options of [{}, { intraOpThreads: 2, interOpThreads: 2 }, { intraOpThreads: 0, interOpThreads: 0 }]) {
      const other = await loadOnnxModel(fixtureBytes(file), options);
      try {
        const out = await predictMatrix(other, matrix.rows, matrix.nRows, matrix.nCols);
        const { maxDiff, mismatches } = compare(file, out, 0, matrix.nRows);
        expect(maxDiff).toBeLessThan(TOLERANCE);
        expect(mismatches).toBe(0);
      } finally {
        await other.close();
      }
    }
  });
});

it('the golden comparison can fail: a shifted row order is caught', async () => {
  const model = await loadOnnxModel(fixtureBytes('credit_logreg.onnx'));
  try {
    const out = await predictMatrix(model, matrix.rows.subarray(16, 16 * 101), 100, 16);
    expect(compare('credit_logreg.onnx', out, 0, 100).maxDiff).toBeGreaterThan(TOLERANCE);
  } finally {
    await model.close();
  }
});
