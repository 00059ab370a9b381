import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import { FittedPipeline, pipelineFromFeaturesSpec, type Row } from '../../src/preprocessing/index.js';
import { fixturePath, readMatrix, readRows } from './csv.js';

// The reference matrices were written by the fixture generator (pandas/numpy), independently
// of this code: every cell must match bit for bit after the cast to float32.

function features(name: string): unknown {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8'));
}

/** Indices where the matrix differs from the expected float32 values (NaN equals NaN). */
function mismatches(actual: Float32Array, expected: readonly number[]): number[] {
  const bad: number[] = [];
  if (actual.length !== expected.length) return [-1];
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], Math.fround(expected[i]!))) bad.push(i);
  return bad;
}

describe.each([
  ['credit_xgb.features.json', 'credit_test.csv', 'credit_test_X.csv'],
  ['credit_xgb.features.json', 'credit_drifted.csv', 'credit_drifted_X.csv'],
  ['house_xgb.features.json', 'house_test.csv', 'house_test_X.csv'],
])('%s on %s', (featuresFile, dataFile, goldenFile) => {
  const pipeline = pipelineFromFeaturesSpec(features(featuresFile));
  const rows = readRows(dataFile) as Row[];
  const golden = readMatrix(goldenFile);

  it(`reproduces ${goldenFile} exactly`, () => {
    expect(pipeline.featureNames).toEqual(golden.header);
    const { matrix, featureNames } = pipeline.transform(rows);
    expect(featureNames).toEqual(golden.header);
    expect(golden.rows).toBe(rows.length);
    expect(mismatches(matrix, golden.values)).toEqual([]);
    // The fixtures do exercise missing values.
    expect(golden.values.some((v) => Number.isNaN(v))).toBe(true);
  });

  it('gives the same rows one at a time and after a JSON round trip', () => {
    const { matrix } = pipeline.transform(rows);
    const reloaded = FittedPipeline.fromJSON(JSON.parse(JSON.stringify(pipeline)));
    expect(reloaded.toJSON()).toEqual(pipeline.toJSON());
    expect(mismatches(reloaded.transform(rows).matrix, Array.from(matrix))).toEqual([]);
    const f = pipeline.numFeatures;
    for (const r of [0, 1, 17, rows.length - 1]) {
      expect(mismatches(pipeline.transformRow(rows[r]!, r), Array.from(matrix.subarray(r * f, (r + 1) * f)))).toEqual([]);
    }
  });
});

describe('credit encoding details', () => {
  const pipeline = pipelineFromFeaturesSpec(features('credit_xgb.features.json'));
  const names = pipeline.featureNames;
  const purpose = names.map((n, j) => (n.startsWith('purpose=') ? j : -1)).filter((j) => j >= 0);

  it('encodes the unseen purpose crypto as zeros in every purpose column', () => {
    const rows = readRows('credit_drifted.csv') as Row[];
    const crypto = rows.map((r, i) => (r.purpose === 'crypto' ? i : -1)).filter((i) => i >= 0);
    expect(crypto.length).toBeGreaterThan(100);
    const { matrix } = pipeline.transform(rows);
    for (const i of crypto) for (const j of purpose) expect(matrix[i * names.length + j]).toBe(0);
  });

  it('gives NaN for a missing or unknown state and for a missing number, zeros for a missing purpose', () => {
    const base: Row = {
      age: 30, income: null, loan_amount: 1000, credit_score: 700, debt_to_income: 0.2, months_employed: Number.NaN,
      home_ownership: 'OWN', purpose: '', state: 'ZZ',
    };
    const x = pipeline.transformRow(base);
    const at = (n: string) => x[names.indexOf(n)];
    expect(at('income')).toBeNaN();
    expect(at('months_employed')).toBeNaN();
    expect(at('state_code')).toBeNaN();
    expect(at('home_ownership=OWN')).toBe(1);
    expect(at('home_ownership=RENT')).toBe(0);
    for (const j of purpose) expect(x[j]).toBe(0);
    expect(pipeline.transformRow({ ...base, state: null })[names.indexOf('state_code')]).toBeNaN();
    expect(pipeline.transformRow({ ...base, state: 'TX' })[names.indexOf('state_code')]).toBe(9);
  });

  it('still refuses a missing column and a string in a numeric column', () => {
    const row: Row = { age: 30, income: 1, loan_amount: 1, credit_score: 1, debt_to_income: 0, months_employed: 1, home_ownership: 'OWN', purpose: 'car' };
    expect(() => pipeline.transformRow(row, 4)).toThrow(/Row 4, column 'state': the column is missing/);
    expect(() => pipeline.transformRow({ ...row, state: 'CA', age: '30' }, 2)).toThrow(/Row 2, column 'age': expected a number/);
  });
});

describe('pipelineFromFeaturesSpec refuses what it cannot reproduce', () => {
  const ok = { name: 'x', kind: 'numeric', source: 'x' };
  it.each<[string, unknown, RegExp]>([
    ['no features', { features: [] }, /features must be a non-empty list/],
    ['an unknown kind', { features: [{ name: 'x', kind: 'hashed', source: 'x' }] }, /kind must be numeric, onehot or ordinal/],
    ['a renamed numeric', { features: [{ name: 'y', kind: 'numeric', source: 'x' }] }, /renaming is not supported/],
    ['a gap in ordinal codes', { features: [{ name: 'c', kind: 'ordinal', source: 's', mapping: { a: 0, b: 2 } }] }, /codes 0\.\.1/],
    ['a repeated ordinal code', { features: [{ name: 'c', kind: 'ordinal', source: 's', mapping: { a: 0, b: 0 } }] }, /codes 0\.\.1/],
    ['a misnamed one-hot', { features: [{ name: 'p_car', kind: 'onehot', source: 'p', value: 'car' }] }, /must be 'p=car'/],
    ['feature_names out of order', { features: [ok, { ...ok, name: 'z', source: 'z' }], feature_names: ['z', 'x'] }, /feature_names/],
    ['a wrong count', { features: [ok], num_features: 2 }, /num_features/],
    ['another dtype', { features: [ok], dtype: 'float64' }, /dtype/],
  ])('%s', (_what, spec, message) => {
    expect(() => pipelineFromFeaturesSpec(spec)).toThrow(InvalidParameterError);
    expect(() => pipelineFromFeaturesSpec(spec)).toThrow(message);
  });
});
