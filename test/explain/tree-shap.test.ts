import { describe, expect, it } from 'vitest';
import { TreeShapExplainer } from '../../src/explain/index.js';
import { loadXgboostModel, type XgboostForest } from '../../src/runtimes/xgboost/index.js';
import { fixture, fixtureJson, readMatrix } from './fixtures.js';

/*
 * Tree SHAP against XGBoost 1.7.4's own predict(pred_contribs=True) on the first 200 rows of each
 * golden file (tolerances from the fixtures' README: abs 1e-5 for credit and multiclass, rel 1e-5
 * of the row's largest |value| for house), and against a brute-force Shapley computation.
 */

const MODELS = [
  { name: 'credit', matrix: 'credit_test_X.csv' },
  { name: 'house', matrix: 'house_test_X.csv' },
  { name: 'multiclass', matrix: 'credit_test_X.csv' },
] as const;

function load(name: string) {
  const model = loadXgboostModel(fixture(`${name}_xgb.json`));
  const golden = fixtureJson(`${name}_xgb_golden.json`);
  return { model, golden };
}

/** Largest gap to the golden values: absolute, and relative to each row's largest |value|. */
function compare(out: Float64Array, golden: number[][] | number[][][], groups: number, width: number) {
  let abs = 0;
  let rel = 0;
  golden.forEach((row, r) => {
    const flat = (groups === 1 ? row : (row as number[][]).flat()) as number[];
    expect(flat).toHaveLength(groups * width);
    const scale = Math.max(...flat.map(Math.abs));
    flat.forEach((v, i) => {
      const d = Math.abs(out[r * groups * width + i] - v);
      abs = Math.max(abs, d);
      rel = Math.max(rel, d / scale);
    });
  });
  return { abs, rel };
}

describe('Tree SHAP matches XGBoost pred_contribs', () => {
  for (const { name, matrix } of MODELS) {
    for (const [label, budget] of [['precomputed tables', undefined], ['per-row formula', 0], ['tables for some trees only', 400_000]] as const) {
      it(`${name}: every feature and the bias, ${label}`, () => {
        const { model, golden } = load(name);
        const { rows, nCols } = readMatrix(matrix);
        const explainer = new TreeShapExplainer(model.forest, model.baseMargins, budget === undefined ? {} : { maxTableEntries: budget });
        if (budget === undefined) expect(explainer.tableTrees).toBe(model.numTrees);
        else if (budget === 0) expect(explainer.formulaTrees).toBe(model.numTrees);
        else expect(explainer.tableTrees > 0 && explainer.formulaTrees > 0).toBe(true);
        const n = golden.shap.values.length;
        expect(n).toBe(200);
        expect(golden.shap.columns).toEqual([...golden.feature_names, 'bias']);
        const out = explainer.explain(rows, n);
        const { abs, rel } = compare(out, golden.shap.values, model.numOutputs, nCols + 1);
        if (name === 'house') expect(rel).toBeLessThan(1e-5);
        else expect(abs).toBeLessThan(1e-5);
      });
    }
  }

  it('rows add up to the margins, and the bias is the expected margin', () => {
    for (const { name, matrix } of MODELS) {
      const { model, golden } = load(name);
      const { rows, nCols } = readMatrix(matrix);
      const explainer = new TreeShapExplainer(model.forest, model.baseMargins);
      const n = 1000;
      const out = explainer.explain(rows, n);
      const margins = model.predict(rows.subarray(0, n * nCols), { outputMargin: true }).margins;
      const G = model.numOutputs;
      for (let r = 0; r < n; r++) {
        for (let g = 0; g < G; g++) {
          const at = (r * G + g) * (nCols + 1);
          let sum = 0;
          for (let c = 0; c <= nCols; c++) sum += out[at + c];
          expect(Math.abs(sum - margins[r * G + g])).toBeLessThan(1e-5 * Math.max(1, Math.abs(margins[r * G + g])));
          expect(out[at + nCols]).toBe(explainer.expectedValues[g]);
        }
      }
      const bias = (golden.shap.values[0] as number[] | number[][]).flat().filter((_, i) => (i + 1) % (nCols + 1) === 0);
      bias.forEach((b, g) => expect(Math.abs(explainer.expectedValues[g] - b)).toBeLessThan(name === 'house' ? 1 : 1e-5));
    }
  });

  it('explains missing values along the default direction (rows with NaN are in the golden set)', () => {
    const { rows, nCols } = readMatrix('credit_test_X.csv');
    const withMissing = [...Array(200).keys()].filter((r) => rows.subarray(r * nCols, (r + 1) * nCols).some(Number.isNaN));
    expect(withMissing.length).toBeGreaterThan(3);
  });
});

/**
 * Path-dependent E[f(x) | x_S] by the definition (Lundberg et al. 2018, Algorithm 1): follow x
 * on features in S, average both children by cover otherwise.
 */
function conditionalExpectation(forest: XgboostForest, row: Float32Array, inS: (f: number) => boolean, group: number): number {
  let total = 0;
  const walk = (n: number, w: number): number => {
    if (forest.left[n] === -1) return w * forest.leafValue[n];
    const f = forest.feature[n];
    const l = forest.left[n];
    const r = forest.right[n];
    if (inS(f)) {
      const x = row[f];
      const left = Number.isNaN(x) ? forest.defaultLeft[n] === 1 : x < forest.threshold[n];
      return walk(left ? l : r, w);
    }
    return walk(l, (w * forest.cover[l]) / forest.cover[n]) + walk(r, (w * forest.cover[r]) / forest.cover[n]);
  };
  for (let t = 0; t < forest.numTrees; t++) if (forest.treeGroups[t] === group) total += walk(forest.treeOffsets[t], 1);
  return total;
}

describe('Tree SHAP equals Shapley values by enumeration', () => {
  it('house model (9 features, every coalition), rows with and without missing values', () => {
    const { model } = load('house');
    const { rows, nCols } = readMatrix('house_test_X.csv');
    const explainer = new TreeShapExplainer(model.forest, model.baseMargins);
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    for (const r of [0, 12, 20]) {
      const row = rows.subarray(r * nCols, (r + 1) * nCols);
      const value = new Map<number, number>();
      for (let S = 0; S < 1 << nCols; S++) value.set(S, conditionalExpectation(model.forest, row, (f) => ((S >> f) & 1) === 1, 0));
      const ours = explainer.explain(row, 1);
      for (let i = 0; i < nCols; i++) {
        let phi = 0;
        for (let S = 0; S < 1 << nCols; S++) {
          if ((S >> i) & 1) continue;
          let size = 0;
          for (let j = 0; j < nCols; j++) size += (S >> j) & 1;
          phi += ((fact(size) * fact(nCols - size - 1)) / fact(nCols)) * (value.get(S | (1 << i))! - value.get(S)!);
        }
        expect(Math.abs(ours[i] - phi)).toBeLessThan(1e-6 * Math.max(1, Math.abs(phi)));
      }
      expect(Math.abs(ours[nCols] - (model.baseMargins[0] + value.get(0)!))).toBeLessThan(1e-3);
    }
  });
});

describe('Tree SHAP refuses what it cannot explain exactly', () => {
  const tiny = (sumHessian: number[] | undefined) =>
    JSON.stringify({
      version: [1, 7, 4],
      learner: {
        learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '2' },
        objective: { name: 'reg:squarederror' },
        gradient_booster: {
          name: 'gbtree',
          model: {
            gbtree_model_param: { num_trees: '1' },
            tree_info: [0],
            trees: [{
              left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [0, 0, 0],
              split_conditions: [0.5, -1, 1], default_left: [1, 0, 0], ...(sumHessian ? { sum_hessian: sumHessian } : {}),
            }],
          },
        },
      },
    });

  it('a model without node covers', () => {
    const model = loadXgboostModel(tiny(undefined));
    expect(() => new TreeShapExplainer(model.forest, model.baseMargins)).toThrow(/no node covers \(sum_hessian\).*kernel or permutation/);
  });

  it('a one-split tree gets the exact two-leaf answer', () => {
    const model = loadXgboostModel(tiny([4, 1, 3]));
    const explainer = new TreeShapExplainer(model.forest, model.baseMargins);
    // E[f] = 0.25·(−1) + 0.75·1 = 0.5; x0 = 0 goes left: φ0 = −1 − 0.5, bias = 0.5 + 0.5.
    const out = explainer.explain(Float32Array.from([0, 7, Number.NaN, 7]), 2);
    expect(Array.from(out)).toEqual([-1.5, 0, 1, -1.5, 0, 1]);
  });
});
