// The three fixture models against xgboost 1.7.4's own outputs, on every row, with both kernels.
import { describe, expect, it } from 'vitest';
import { loadXgboostModel, type XgboostModel } from '../../../src/runtimes/xgboost/index.js';
import { compareExact, fixtureBytes, flat, matrixFor, MODELS, modelBytes, readGolden, type ModelName } from './helpers.js';

const ENGINES = ['wasm', 'js'] as const;

const EXPECTED: Record<ModelName, { objective: string; numTrees: number; numOutputs: number; numClass: number; transform: string }> = {
  credit: { objective: 'binary:logistic', numTrees: 100, numOutputs: 1, numClass: 0, transform: 'sigmoid' },
  multiclass: { objective: 'multi:softprob', numTrees: 300, numOutputs: 3, numClass: 3, transform: 'softmax' },
  house: { objective: 'reg:squarederror', numTrees: 100, numOutputs: 1, numClass: 0, transform: 'identity' },
};

describe.each(MODELS)('%s_xgb', (name) => {
  const golden = readGolden(name);
  const matrix = matrixFor(golden);
  const features = JSON.parse(fixtureBytes(`${name}_xgb.features.json`).toString('utf8')) as { feature_names: string[] };

  it('reads the model metadata', () => {
    const model = loadXgboostModel(modelBytes(name), name);
    const want = EXPECTED[name];
    expect(model.name).toBe(name);
    expect(model.format).toBe('json');
    expect(model.xgboostVersion).toEqual([1, 7, 4]);
    expect(model.booster).toBe('gbtree');
    expect(model.objective).toBe(golden.objective);
    expect(model.objective).toBe(want.objective);
    expect(model.transform).toBe(want.transform);
    expect(model.numTrees).toBe(want.numTrees);
    expect(model.numOutputs).toBe(want.numOutputs);
    expect(model.numClass).toBe(want.numClass);
    expect(model.numFeatures).toBe(matrix.nCols);
    expect(model.featureNames).toEqual(golden.feature_names);
    expect(model.featureNames).toEqual(features.feature_names);
    expect(model.featureNames).toEqual(matrix.header);
    expect(model.featureTypes).toBeUndefined();
    // The golden file prints the float32 base_score in short decimal form.
    expect(model.baseScore.map(Math.fround)).toEqual(new Array(want.numOutputs).fill(Math.fround(golden.base_score)));
    expect(model.forest.numTrees).toBe(want.numTrees);
    expect(model.forest.treeOffsets[want.numTrees]).toBe(model.forest.numNodes);
    expect(Math.max(...model.forest.treeDepths)).toBe(6);
  });

  describe.each(ENGINES)('%s kernel', (engine) => {
    let model: XgboostModel;
    it('loads with that kernel', () => {
      model = loadXgboostModel(modelBytes(name), name, { engine });
      expect(model.engine).toBe(engine);
    });

    it(`matches the margins and predictions bit for bit on all ${golden.n_rows} rows`, () => {
      const out = model.predict(matrix.rows);
      expect(out.margins.length).toBe(golden.n_rows * model.numOutputs);
      expect(compareExact(out.margins, flat(golden.output_margin))).toEqual({ mismatches: 0, maxAbs: 0, maxRel: 0 });
      expect(compareExact(out.predictions, flat(golden.predictions))).toEqual({ mismatches: 0, maxAbs: 0, maxRel: 0 });
      if (name === 'multiclass') {
        expect(Array.from(out.classes!)).toEqual(golden.predicted_class);
      } else {
        expect(out.classes).toBeUndefined();
      }
    });

    it('gives the same bits for every row alone, in odd-sized slices, and as number[][]', () => {
      const whole = model.predict(matrix.rows);
      const K = model.numOutputs;
      const F = matrix.nCols;
      // Slices that cross the kernel's groups of 16 rows and blocks of 256.
      let first = 0;
      for (const size of [1, 15, 16, 17, 255, 256, 257, 3]) {
        const part = model.predict(matrix.rows.subarray(first * F, (first + size) * F));
        expect(part.margins).toEqual(whole.margins.subarray(first * K, (first + size) * K));
        first += size;
      }
      for (let r = 0; r < 40; r++) {
        const one = model.predict(matrix.rows.subarray(r * F, (r + 1) * F));
        expect(one.predictions).toEqual(whole.predictions.subarray(r * K, (r + 1) * K));
      }
      const nested = Array.from({ length: 300 }, (_, r) => Array.from(matrix.rows.subarray(r * F, (r + 1) * F)));
      expect(model.predict(nested).margins).toEqual(whole.margins.subarray(0, 300 * K));
    });

    it('returns the margins as predictions with outputMargin', () => {
      const out = model.predict(matrix.rows.subarray(0, 100 * matrix.nCols), { outputMargin: true });
      expect(out.predictions).toEqual(out.margins);
      expect(out.predictions).not.toBe(out.margins);
      expect(compareExact(out.margins, flat(golden.output_margin).slice(0, 100 * model.numOutputs)).mismatches).toBe(0);
    });
  });
});

describe('credit_xgb on the drifted set (unseen purpose "crypto")', () => {
  const drifted = readGolden('credit').extra_sets!.drifted;
  const matrix = matrixFor(drifted);

  it.each(ENGINES)('matches bit for bit with the %s kernel', (engine) => {
    expect(matrix.nRows).toBe(drifted.n_rows);
    const model = loadXgboostModel(modelBytes('credit'), 'credit', { engine });
    const out = model.predict(matrix.rows);
    expect(compareExact(out.margins, flat(drifted.output_margin)).mismatches).toBe(0);
    expect(compareExact(out.predictions, flat(drifted.predictions)).mismatches).toBe(0);
  });
});
