import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import { predictLogistic, readLogisticModel, rocAuc, trainLogistic, trainModel } from '../../src/training/index.js';
import { encodeCredit, fixture } from './data.js';

const train = encodeCredit('credit_train.csv');
const test = encodeCredit('credit_test.csv');
const F = train.featureNames.length;

interface SklearnReference {
  training_medians: number[];
  coef: number[];
  intercept: number;
  p1_first_200: number[];
}
const sklearn = JSON.parse(readFileSync(fixture('credit_logreg_sklearn.json'), 'utf8')) as SklearnReference;

describe('trainLogistic on the credit data', () => {
  const { modelJson } = trainLogistic(train.X, train.y, F, { featureNames: train.featureNames });

  it('ranks the test rows as well as sklearn does (AUC ≥ 0.74; sklearn 0.757)', () => {
    const auc = rocAuc(test.y, predictLogistic(modelJson, test.X));
    expect(auc).toBeGreaterThanOrEqual(0.74);
    expect(auc).toBeGreaterThan(0.75);
  });

  it('finds the optimum sklearn finds for the same penalty (C = 1)', () => {
    expect(modelJson.medians).toEqual(sklearn.training_medians.map((m) => Math.fround(m)));
    for (let j = 0; j < F; j++) expect(Math.abs(modelJson.weights[j]! - sklearn.coef[j]!)).toBeLessThan(1e-3);
    expect(Math.abs(modelJson.bias - sklearn.intercept)).toBeLessThan(1e-3);
    const p = predictLogistic(modelJson, test.X.subarray(0, 200 * F));
    for (let i = 0; i < 200; i++) expect(Math.abs(p[i]! - sklearn.p1_first_200[i]!)).toBeLessThan(1e-4);
  });

  it('is deterministic: the same data gives the same JSON text', () => {
    const again = trainLogistic(train.X, train.y, F, { featureNames: train.featureNames });
    expect(JSON.stringify(again.modelJson)).toBe(JSON.stringify(modelJson));
  });

  it('imputes a missing value with the training median', () => {
    const row = Float32Array.from(test.X.subarray(0, F));
    const income = train.featureNames.indexOf('income');
    const missing = Float32Array.from(row);
    missing[income] = Number.NaN;
    const atMedian = Float32Array.from(row);
    atMedian[income] = modelJson.medians[income]!;
    const [pMissing] = predictLogistic(modelJson, missing);
    expect(pMissing).toBe(predictLogistic(modelJson, atMedian)[0]);
    expect(pMissing).not.toBe(predictLogistic(modelJson, row)[0]);
  });

  it('survives a round trip through JSON text', () => {
    const loaded = readLogisticModel(JSON.parse(JSON.stringify(modelJson)));
    expect(predictLogistic(loaded, test.X)).toEqual(predictLogistic(modelJson, test.X));
  });
});

describe('logistic regression edge cases', () => {
  it('is found by trainModel and the penalty shrinks the weights', () => {
    const X = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const y = Float32Array.from([0, 0, 1, 0, 1, 0, 1, 1]);
    const loose = trainModel({ kind: 'logreg', X, y, nFeatures: 1, l2: 0.01 });
    const tight = trainModel({ kind: 'logreg', X, y, nFeatures: 1, l2: 100 });
    if (loose.kind !== 'logreg' || tight.kind !== 'logreg') throw new Error('wrong kind');
    expect(loose.modelJson.weights[0]).toBeGreaterThan(tight.modelJson.weights[0]!);
    expect(tight.modelJson.weights[0]).toBeGreaterThan(0);
  });

  it('copes with a constant column and an all-missing column', () => {
    const X = Float32Array.from([1, Number.NaN, 0, 1, Number.NaN, 1, 1, Number.NaN, 2, 1, Number.NaN, 3]);
    const y = Float32Array.from([0, 0, 1, 1]);
    const { modelJson } = trainLogistic(X, y, 3);
    expect(modelJson.scales.slice(0, 2)).toEqual([1, 1]);
    expect(modelJson.weights.slice(0, 2)).toEqual([0, 0]);
    expect(modelJson.weights[2]).toBeGreaterThan(0);
  });

  it('refuses bad labels, shapes and models', () => {
    expect(() => trainLogistic(Float32Array.from([1, 2]), Float32Array.from([0, 2]), 1)).toThrow(InvalidParameterError);
    expect(() => trainLogistic(Float32Array.from([1, 2, 3]), Float32Array.from([0, 1]), 2)).toThrow(/multiple of 2/);
    expect(() => readLogisticModel({ puente_model: 'other' })).toThrow(InvalidParameterError);
    expect(() => readLogisticModel({ puente_model: 'logistic_regression', format_version: 1, weights: [1], bias: 0, medians: [0], means: [0], scales: [0], feature_names: ['a'] })).toThrow(/scales/);
  });
});
