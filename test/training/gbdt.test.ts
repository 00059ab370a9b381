import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import { loadXgboostModel } from '../../src/runtimes/xgboost/index.js';
import {
  createRng,
  formatFloat32,
  r2,
  rocAuc,
  stringifyXgboostModel,
  trainGbdt,
  trainModel,
  type GbdtOptions,
  type XgboostModelJson,
} from '../../src/training/index.js';
import { encodeCredit, fixture } from './data.js';

const train = encodeCredit('credit_train.csv');
const test = encodeCredit('credit_test.csv');
const F = train.featureNames.length;

// The reference model's training parameters (its README and train script).
const REFERENCE: GbdtOptions = {
  objective: 'binary:logistic',
  nEstimators: 100,
  maxDepth: 6,
  learningRate: 0.1,
  subsample: 0.9,
  colsampleBytree: 0.9,
  minChildWeight: 1,
  lambda: 1,
  maxBins: 256,
  seed: 0,
  featureNames: train.featureNames,
};

function tree0(model: XgboostModelJson) {
  return model.learner.gradient_booster.model.trees[0]!;
}

describe('trainGbdt on the credit data', () => {
  const started = performance.now();
  const result = trainGbdt(train.X, train.y, F, REFERENCE);
  const seconds = (performance.now() - started) / 1000;
  const text = stringifyXgboostModel(result.modelJson);
  const model = loadXgboostModel(text, 'trained');

  it('trains 100 trees of depth 6 on 20,000 rows in a few seconds', () => {
    expect(model.numTrees).toBe(100);
    expect(Math.max(...model.forest.treeDepths)).toBe(6);
    expect(seconds).toBeLessThan(10);
  });

  it('reaches a test ROC AUC within 0.01 of the reference XGBoost model', () => {
    const reference = loadXgboostModel(readFileSync(fixture('credit_xgb.json')), 'credit_xgb');
    const referenceAuc = rocAuc(test.y, reference.predict(test.X).predictions);
    const auc = rocAuc(test.y, model.predict(test.X).predictions);
    expect(referenceAuc).toBeGreaterThan(0.74);
    expect(Math.abs(auc - referenceAuc)).toBeLessThanOrEqual(0.01);
  });

  it("loads in the evaluator, whose margins equal the trainer's own on every training row", () => {
    const { margins } = model.predict(train.X, { outputMargin: true });
    expect(margins.length).toBe(train.rows);
    let mismatches = 0;
    for (let i = 0; i < train.rows; i++) if (!Object.is(margins[i], result.trainMargins[i])) mismatches++;
    expect(mismatches).toBe(0);
    // And the JavaScript kernel agrees with the WebAssembly one.
    const js = loadXgboostModel(text, 'trained', { engine: 'js' }).predict(train.X).margins;
    expect(js).toEqual(margins);
  });

  it('sends rows with a missing income the way training did', () => {
    const income = train.featureNames.indexOf('income');
    const rows: number[] = [];
    for (let i = 0; i < train.rows; i++) if (Number.isNaN(train.X[i * F + income])) rows.push(i);
    expect(rows.length).toBeGreaterThan(100);
    const subset = new Float32Array(rows.length * F);
    rows.forEach((r, k) => subset.set(train.X.subarray(r * F, (r + 1) * F), k * F));
    const margins = model.predict(subset).margins;
    rows.forEach((r, k) => expect(margins[k]).toBe(result.trainMargins[r]));
    // Income splits carry a learned default direction.
    const incomeSplits = result.modelJson.learner.gradient_booster.model.trees.flatMap((t) =>
      t.split_indices.flatMap((f, n) => (t.left_children[n] !== -1 && f === income ? [t.default_left[n]] : [])),
    );
    expect(incomeSplits.length).toBeGreaterThan(0);
  });

  it('writes the fields XGBoost and Tree SHAP read', () => {
    const learner = result.modelJson.learner;
    expect(learner.learner_model_param).toMatchObject({ num_class: '0', num_feature: '16', num_target: '1' });
    // base_score = the training positive rate (0.15225), written as XGBoost writes it.
    expect(learner.learner_model_param.base_score).toBe('1.5225E-1');
    expect(result.baseScore).toBe(Math.fround(0.15225));
    expect(Math.fround(model.baseScore[0]!)).toBe(result.baseScore);
    expect(learner.objective.name).toBe('binary:logistic');
    expect(learner.feature_names).toEqual(train.featureNames);
    expect(model.featureNames).toEqual(train.featureNames);
    for (const t of learner.gradient_booster.model.trees) {
      const n = t.left_children.length;
      expect(Number(t.tree_param.num_nodes)).toBe(n);
      expect(t.parents[0]).toBe(2147483647);
      for (let i = 0; i < n; i++) {
        expect(Math.fround(t.split_conditions[i]!)).toBe(t.split_conditions[i]);
        const l = t.left_children[i]!;
        if (l === -1) continue;
        const r = t.right_children[i]!;
        expect(t.parents[l]).toBe(i);
        expect(t.parents[r]).toBe(i);
        // Cover adds up (float32 rounding aside) and every split gained something.
        expect(t.sum_hessian[l]! + t.sum_hessian[r]!).toBeCloseTo(t.sum_hessian[i]!, 2);
        expect(t.loss_changes[i]).toBeGreaterThan(0);
      }
    }
    // Float fields are spelled as floats, so XGBoost's own parser accepts them.
    expect(text).toMatch(/"loss_changes":\[[^\]]*0E0/);
    // The shortest float32 spellings read back as the same float32 values.
    const parsed = JSON.parse(text) as XgboostModelJson;
    const again = parsed.learner.gradient_booster.model.trees;
    result.modelJson.learner.gradient_booster.model.trees.forEach((t, k) => {
      for (const key of ['split_conditions', 'base_weights', 'sum_hessian', 'loss_changes'] as const) {
        expect(again[k]![key].map((v) => Math.fround(v))).toEqual(t[key]);
      }
      expect(again[k]!.left_children).toEqual(t.left_children);
    });
    expect(loadXgboostModel(JSON.stringify(result.modelJson)).predict(test.X).margins).toEqual(model.predict(test.X).margins);
  });
});

describe('reproducibility', () => {
  const options: GbdtOptions = { ...REFERENCE, nEstimators: 15, subsample: 0.7, colsampleBytree: 0.6, seed: 11 };

  it('gives byte-identical models for the same data and seed', () => {
    const a = stringifyXgboostModel(trainGbdt(train.X, train.y, F, options).modelJson);
    const b = stringifyXgboostModel(trainGbdt(train.X, train.y, F, options).modelJson);
    expect(a).toBe(b);
  });

  it('gives a different model for another seed when sampling', () => {
    const a = stringifyXgboostModel(trainGbdt(train.X, train.y, F, options).modelJson);
    const b = stringifyXgboostModel(trainGbdt(train.X, train.y, F, { ...options, seed: 12 }).modelJson);
    expect(a).not.toBe(b);
  });

  it('ignores the seed when nothing is sampled', () => {
    const full = { ...options, subsample: 1, colsampleBytree: 1 };
    const a = stringifyXgboostModel(trainGbdt(train.X, train.y, F, full).modelJson);
    const b = stringifyXgboostModel(trainGbdt(train.X, train.y, F, { ...full, seed: 99 }).modelJson);
    expect(a).toBe(b);
  });
});

describe('small hand-made data', () => {
  it('finds the split that separates the labels, with the gain and leaves worked out by hand', () => {
    // Feature 1 separates y perfectly between 4 and 5; feature 0 is noise.
    const f0 = [3, 1, 4, 1, 5, 9, 2, 6];
    const f1 = [1, 2, 3, 4, 5, 6, 7, 8];
    const y = [0, 0, 0, 0, 1, 1, 1, 1];
    const X = Float32Array.from(f0.flatMap((v, i) => [v, f1[i]!]));
    const { modelJson } = trainGbdt(X, Float32Array.from(y), 2, {
      objective: 'reg:squarederror',
      nEstimators: 1,
      maxDepth: 1,
      learningRate: 1,
      lambda: 0,
      minChildWeight: 0,
    });
    const t = tree0(modelJson);
    expect(modelJson.learner.learner_model_param.base_score).toBe('5E-1');
    expect(t.split_indices[0]).toBe(1);
    expect(t.split_conditions[0]).toBe(4.5);
    // Gradients are -0.5 (y = 1) and +0.5 (y = 0), hessians 1: gain = 2²/4 + (-2)²/4 - 0² / 8 = 2.
    expect(t.loss_changes[0]).toBe(2);
    expect(t.sum_hessian).toEqual([8, 4, 4]);
    expect(t.split_conditions.slice(1)).toEqual([-0.5, 0.5]);
    const p = loadXgboostModel(stringifyXgboostModel(modelJson)).predict(X).predictions;
    expect(Array.from(p)).toEqual(y);
  });

  it('learns the default direction of missing values from where their labels fit', () => {
    // Present: x < 5 → 0, x ≥ 5 → 1. Missing rows are labelled 0 in one set and 1 in the other.
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, Number.NaN, Number.NaN, Number.NaN];
    const X = Float32Array.from(xs);
    const options: GbdtOptions = { objective: 'binary:logistic', nEstimators: 1, maxDepth: 1, learningRate: 1, minChildWeight: 0 };
    const toLeft = trainGbdt(X, Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]), 1, options).modelJson;
    const toRight = trainGbdt(X, Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]), 1, options).modelJson;
    expect(tree0(toLeft).split_conditions[0]).toBe(4.5);
    expect(tree0(toLeft).default_left[0]).toBe(1);
    expect(tree0(toRight).split_conditions[0]).toBe(4.5);
    expect(tree0(toRight).default_left[0]).toBe(0);
    const nan = Float32Array.from([Number.NaN]);
    const pLeft = loadXgboostModel(stringifyXgboostModel(toLeft)).predict(nan).predictions[0]!;
    const pRight = loadXgboostModel(stringifyXgboostModel(toRight)).predict(nan).predictions[0]!;
    expect(pLeft).toBeLessThan(0.5);
    expect(pRight).toBeGreaterThan(0.5);
  });

  it('places thresholds so that neighbouring float32 values fall on their own side', () => {
    // Two adjacent float32 values: the only threshold between them is the larger one.
    const a = Math.fround(0.1);
    const b = new Float32Array(new Int32Array([new Int32Array(Float32Array.of(a).buffer)[0]! + 1]).buffer)[0]!;
    const X = Float32Array.from([a, a, b, b]);
    const { modelJson, trainMargins } = trainGbdt(X, Float32Array.from([0, 0, 1, 1]), 1, {
      objective: 'reg:squarederror', nEstimators: 1, maxDepth: 1, learningRate: 1, lambda: 0, minChildWeight: 0,
    });
    expect(tree0(modelJson).split_conditions[0]).toBe(b);
    expect(loadXgboostModel(stringifyXgboostModel(modelJson)).predict(X).margins).toEqual(trainMargins);
    expect(Array.from(trainMargins)).toEqual([0, 0, 1, 1]);
  });

  it('fits a regression and reproduces its training margins in the evaluator', () => {
    const rng = createRng(3);
    const n = 2000;
    const X = new Float32Array(n * 3);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng() * 10;
      const b = rng() * 10;
      X[i * 3] = a;
      X[i * 3 + 1] = rng() < 0.1 ? Number.NaN : b;
      X[i * 3 + 2] = rng();
      y[i] = 3 * a - 2 * b + 100 + (rng() - 0.5);
    }
    const result = trainModel({ kind: 'gbdt', X, y, nFeatures: 3, objective: 'reg:squarederror', nEstimators: 60, maxDepth: 4, learningRate: 0.2 });
    if (result.kind !== 'gbdt') throw new Error('wrong kind');
    const model = loadXgboostModel(stringifyXgboostModel(result.modelJson));
    expect(model.objective).toBe('reg:squarederror');
    const p = model.predict(X).predictions;
    expect(p).toEqual(result.trainMargins);
    expect(r2(y, p)).toBeGreaterThan(0.9);
  });
});

describe('options and inputs', () => {
  const X = Float32Array.from([1, 2, 3, 4]);
  const y = Float32Array.from([0, 1, 0, 1]);

  it('refuses what it cannot train on', () => {
    expect(() => trainGbdt(X, y, 1, { objective: 'multi:softprob' as never })).toThrow(InvalidParameterError);
    expect(() => trainGbdt(X, Float32Array.from([0, 2, 0, 1]), 1, { objective: 'binary:logistic' })).toThrow(/between 0 and 1/);
    expect(() => trainGbdt(X, y, 3, { objective: 'binary:logistic' })).toThrow(/multiple of 3/);
    expect(() => trainGbdt(Float32Array.from([1, Infinity, 3, 4]), y, 1, { objective: 'binary:logistic' })).toThrow(/infinite/);
    expect(() => trainGbdt(X, y, 1, { objective: 'binary:logistic', subsample: 0 })).toThrow(/subsample/);
    expect(() => trainGbdt(X, y, 1, { objective: 'binary:logistic', maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => trainModel({ kind: 'forest' } as never)).toThrow(/kind/);
  });

  it('formats float32 parameters as XGBoost does', () => {
    expect(formatFloat32(0.15225)).toBe('1.5225E-1');
    // XGBoost spells this one 3.0412712E5; both 8-digit spellings read back as the same float32.
    expect(formatFloat32(304127.125)).toMatch(/^3\.041271[23]E5$/);
    expect(Math.fround(Number(formatFloat32(304127.125)))).toBe(304127.125);
    expect(formatFloat32(0.5)).toBe('5E-1');
    expect(formatFloat32(0)).toBe('0E0');
    expect(formatFloat32(-2)).toBe('-2E0');
  });
});
