import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'onnx');

export const CREDIT_MODELS = ['credit_logreg.onnx', 'credit_mlp.onnx', 'credit_trees.onnx'] as const;
export type CreditModel = (typeof CREDIT_MODELS)[number];

export function fixtureBytes(file: string): Buffer {
  return readFileSync(join(FIXTURES, file));
}

/** The encoded credit test matrix: float32, row after row, NaN for empty cells. */
export function creditMatrix(): { rows: Float32Array; nRows: number; nCols: number; header: string[] } {
  const lines = readFileSync(join(FIXTURES, 'credit_test_X.csv'), 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  const nCols = header.length;
  const nRows = lines.length - 1;
  const rows = new Float32Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== nCols) throw new Error(`row ${r} has ${cells.length} cells`);
    for (let c = 0; c < nCols; c++) rows[r * nCols + c] = cells[c] === '' ? NaN : Number(cells[c]);
  }
  return { rows, nRows, nCols, header };
}

export interface CreditGolden {
  n_rows: number;
  feature_names: string[];
  models: Record<CreditModel, { probabilities: [number, number][]; label: number[] }>;
}

export function creditGolden(): CreditGolden {
  return JSON.parse(readFileSync(join(FIXTURES, 'credit_onnx_golden.json'), 'utf8')) as CreditGolden;
}
