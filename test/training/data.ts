import { readFileSync } from 'node:fs';
import { pipelineFromFeaturesSpec, type Row } from '../../src/preprocessing/index.js';

// Reads the credit fixtures (plain CSV: a header, no quoted fields, empty cell = missing) and
// encodes them with the reference models' feature spec.

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function fixture(name: string): URL {
  return new URL(`../fixtures/training/${name}`, import.meta.url);
}

export function readRows(name: string): Row[] {
  const text = readFileSync(fixture(name), 'utf8');
  if (text.includes('"')) throw new Error(`${name} has quoted fields; this reader does not handle them`);
  const [head, ...body] = text.split(/\r?\n/).filter((l) => l !== '');
  const header = head!.split(',');
  return body.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${name} line ${i + 2}: ${cells.length} cells for ${header.length} columns`);
    const row: Row = {};
    header.forEach((h, j) => {
      const c = cells[j]!;
      row[h] = c === '' ? null : NUMBER.test(c) ? Number(c) : c;
    });
    return row;
  });
}

export interface Encoded {
  X: Float32Array;
  y: Float32Array;
  rows: number;
  featureNames: readonly string[];
}

export const featuresSpec: unknown = JSON.parse(readFileSync(fixture('credit_xgb.features.json'), 'utf8'));

/** The credit rows of `name` as the 16-column float32 matrix and the `default` labels. */
export function encodeCredit(name: string): Encoded {
  const rows = readRows(name);
  const pipeline = pipelineFromFeaturesSpec(featuresSpec);
  const { matrix, featureNames } = pipeline.transform(rows);
  const y = Float32Array.from(rows, (r) => Number(r.default));
  return { X: matrix, y, rows: rows.length, featureNames };
}
