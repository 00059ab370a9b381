import { describe, expect, it } from 'vitest';
import {
  autoSamples, chooseCoalitions, kernelShap, matrixCoalitions, permutationShap, applyLink, inputColumnsOf,
  type CoalitionModel, type MatrixPredict,
} from '../../src/explain/index.js';
import { loadXgboostModel } from '../../src/runtimes/xgboost/index.js';
import { pipelineFromFeaturesSpec } from '../../src/preprocessing/index.js';
import { createRng } from '../../src/training/index.js';
import type { BundleManifest } from '../../src/bundles/index.js';
import { fixture, fixtureJson, readMatrix } from './fixtures.js';

const credit = loadXgboostModel(fixture('credit_xgb.json'));
const X = readMatrix('credit_test_X.csv');
const F = X.nCols;
const probability: MatrixPredict = (m, n) => Float64Array.from(credit.predict(m.subarray(0, n * F)).predictions);
const row = (r: number) => X.rows.slice(r * F, (r + 1) * F);
const background = (first: number, n: number) => X.rows.slice(first * F, (first + n) * F);

/** Which input column each of the 16 matrix columns comes from (9 inputs). */
const groups = (() => {
  const pipeline = pipelineFromFeaturesSpec(fixtureJson('credit_xgb.features.json'));
  const manifest = { signature: { inputs: pipeline.inputColumns.map((name) => ({ name, type: 'double' })), outputs: [] }, preprocessing: pipeline.toJSON() } as unknown as BundleManifest;
  return inputColumnsOf(manifest);
})();

const varyingCount = (model: CoalitionModel) => Array.from({ length: model.numFeatures }, (_, j) => model.varies(j)).filter(Boolean).length;

/** Interventional Shapley values by enumerating every coalition: v(S) = E_b f(x_S, b_rest). */
async function exactShapley(model: CoalitionModel, link: 'identity' | 'logit' = 'identity'): Promise<Float64Array> {
  const M = model.numFeatures;
  const masks = new Uint8Array((1 << M) * M);
  for (let S = 0; S < 1 << M; S++) for (let j = 0; j < M; j++) masks[S * M + j] = (S >> j) & 1;
  const v = (await model.evaluate(masks, 1 << M)).map((p) => applyLink(link, p));
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    for (let S = 0; S < 1 << M; S++) {
      if ((S >> i) & 1) continue;
      let size = 0;
      for (let j = 0; j < M; j++) size += (S >> j) & 1;
      phi[i] += ((fact(size) * fact(M - size - 1)) / fact(M)) * (v[S | (1 << i)] - v[S]);
    }
  }
  return phi;
}

describe('coalitions chosen as the shap library chooses them', () => {
  it('auto sample counts: 2M + 2048, at most 2^M − 2', () => {
    expect(autoSamples(4)).toBe(14);
    expect(autoSamples(9)).toBe(510);
    expect(autoSamples(11)).toBe(2046);
    expect(autoSamples(12)).toBe(2072);
    expect(autoSamples(16)).toBe(2080);
    expect(autoSamples(40)).toBe(2128);
  });

  it('enumerates every coalition when the budget allows, weighted by the Shapley kernel', () => {
    const m = 6;
    const { masks, weights, count } = chooseCoalitions(m, autoSamples(m), createRng(1));
    expect(count).toBe(62);
    expect(new Set(Array.from({ length: count }, (_, s) => masks.subarray(s * m, (s + 1) * m).join(''))).size).toBe(62);
    const total = weights.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 12);
    // Kernel weight ∝ (m − 1) / (C(m, s) · s · (m − s)), whatever the size.
    const kernel = (s: number) => (m - 1) / ([1, 6, 15, 20, 15, 6, 1][s] * s * (m - s));
    for (let s = 0; s < count; s++) {
      const size = masks.subarray(s * m, (s + 1) * m).reduce((a, b) => a + b, 0);
      expect(weights[s] / kernel(size)).toBeCloseTo(weights[0] / kernel(1), 12);
    }
  });

  it('samples the rest of the budget: distinct coalitions, complements paired, weights adding to 1', () => {
    const m = 16;
    const { masks, weights, count } = chooseCoalitions(m, autoSamples(m), createRng(7));
    expect(count).toBe(2080);
    const keys = new Set(Array.from({ length: count }, (_, s) => masks.subarray(s * m, (s + 1) * m).join('')));
    expect(keys.size).toBe(count);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Sizes 1, 2 and 14, 15 are enumerated in full: 2·(16 + 120) coalitions.
    const bySize = new Map<number, number>();
    for (let s = 0; s < count; s++) {
      const size = masks.subarray(s * m, (s + 1) * m).reduce((a, b) => a + b, 0);
      bySize.set(size, (bySize.get(size) ?? 0) + 1);
    }
    expect([bySize.get(1), bySize.get(2), bySize.get(14), bySize.get(15)]).toEqual([16, 120, 120, 16]);
    expect(bySize.get(0)).toBeUndefined();
    expect(bySize.get(16)).toBeUndefined();
  });
});

describe('Kernel SHAP', () => {
  it('equals the exact Shapley values when every coalition fits the budget (9 input columns of the credit model)', async () => {
    for (const link of ['identity', 'logit'] as const) {
      const model = matrixCoalitions({ predict: probability, row: row(3), background: background(100, 20), numOutputs: 1, groupOf: groups.ofMatrixColumn });
      expect(model.numFeatures).toBe(9);
      const ours = await kernelShap(model, { link });
      expect(ours.evaluations).toBe(510);
      const exact = await exactShapley(model, link);
      for (let j = 0; j < 9; j++) expect(Math.abs(ours.values[j] - exact[j])).toBeLessThan(1e-9);
      expect(ours.additivityError).toBeLessThan(1e-12);
      expect(ours.outputs[0]).toBeCloseTo(applyLink(link, (probability(row(3), 1) as Float64Array)[0]), 12);
    }
  });

  it('approximates them closely with sampled coalitions (16 matrix columns), and adds up exactly', async () => {
    const model = matrixCoalitions({ predict: probability, row: row(7), background: background(200, 8), numOutputs: 1 });
    const ours = await kernelShap(model, { seed: 3 });
    const m = varyingCount(model);
    expect(m).toBeGreaterThan(12);
    expect(ours.evaluations).toBe(autoSamples(m));
    const exact = await exactShapley(model);
    let worst = 0;
    let scale = 0;
    for (let j = 0; j < 16; j++) {
      worst = Math.max(worst, Math.abs(ours.values[j] - exact[j]));
      scale = Math.max(scale, Math.abs(exact[j]));
    }
    expect(worst).toBeLessThan(0.05 * scale);
    const sum = ours.values.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - (ours.outputs[0] - ours.baseValues[0]))).toBeLessThan(1e-12);
  });

  it('is exact for a linear model even from sampled coalitions: w_j · (x_j − E[x_j])', async () => {
    const M = 20;
    const rng = createRng(5);
    const w = Float64Array.from({ length: M }, () => rng() * 2 - 1);
    const linear: MatrixPredict = (m, n) => Float64Array.from({ length: n }, (_, r) => w.reduce((s, wj, j) => s + wj * m[r * M + j], 0));
    const x = Float32Array.from({ length: M }, () => rng());
    const bg = Float32Array.from({ length: 5 * M }, () => rng());
    const ours = await kernelShap(matrixCoalitions({ predict: linear, row: x, background: bg, numOutputs: 1 }));
    for (let j = 0; j < M; j++) {
      const mean = (bg[j] + bg[M + j] + bg[2 * M + j] + bg[3 * M + j] + bg[4 * M + j]) / 5;
      expect(ours.values[j]).toBeCloseTo(w[j] * (x[j] - mean), 9);
    }
  });

  it('gives features that never differ from the background nothing, and one varying feature everything', async () => {
    const x = row(0);
    const bg = new Float32Array(x); // the background is the row itself, but for column 3
    bg[3] = x[3] + 100;
    const model = matrixCoalitions({ predict: probability, row: x, background: bg, numOutputs: 1 });
    const ours = await kernelShap(model);
    expect(ours.evaluations).toBe(0);
    const nonzero = Array.from(ours.values).map((v, j) => [v, j]).filter(([v]) => v !== 0);
    expect(nonzero.map(([, j]) => j)).toEqual(nonzero.length ? [3] : []);
    expect(ours.values[3]).toBeCloseTo(ours.outputs[0] - ours.baseValues[0], 12);
  });

  it('explains every output of a multi-output model at once', async () => {
    const multi = loadXgboostModel(fixture('multiclass_xgb.json'));
    const predict: MatrixPredict = (m, n) => Float64Array.from(multi.predict(m.subarray(0, n * F)).predictions);
    const model = matrixCoalitions({ predict, row: row(11), background: background(50, 10), numOutputs: 3, groupOf: groups.ofMatrixColumn });
    const ours = await kernelShap(model);
    const exact0 = await exactShapley({ ...model, numOutputs: 1, evaluate: async (m, n) => (await model.evaluate(m, n)).filter((_, i) => i % 3 === 0) });
    for (let j = 0; j < 9; j++) expect(Math.abs(ours.values[j * 3] - exact0[j])).toBeLessThan(1e-9);
    // Class probabilities add up to 1, so their contributions add up to 0 per column.
    for (let j = 0; j < 9; j++) expect(Math.abs(ours.values[j * 3] + ours.values[j * 3 + 1] + ours.values[j * 3 + 2])).toBeLessThan(1e-6);
  });

  it('is reproducible for a seed', async () => {
    const make = () => matrixCoalitions({ predict: probability, row: row(9), background: background(300, 4), numOutputs: 1 });
    const a = await kernelShap(make(), { seed: 11 });
    const b = await kernelShap(make(), { seed: 11 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });

  it('refuses a background of another width and bad options', async () => {
    expect(() => matrixCoalitions({ predict: probability, row: row(0), background: new Float32Array(15), numOutputs: 1 })).toThrow(/16 columns per row/);
    expect(() => matrixCoalitions({ predict: probability, row: row(0), background: new Float32Array(0), numOutputs: 1 })).toThrow(/no rows/);
    const model = matrixCoalitions({ predict: probability, row: row(0), background: background(1, 3), numOutputs: 1 });
    await expect(kernelShap(model, { nsamples: -3 })).rejects.toThrow(/nsamples/);
    await expect(kernelShap(model, { link: 'probit' as never })).rejects.toThrow(/link/);
  });
});

describe('permutation SHAP', () => {
  it('adds up exactly and comes close to the exact Shapley values', async () => {
    const model = matrixCoalitions({ predict: probability, row: row(5), background: background(400, 10), numOutputs: 1, groupOf: groups.ofMatrixColumn });
    const ours = await permutationShap(model, { permutations: 60, seed: 2 });
    expect(ours.evaluations).toBe(60 * 2 * 8);
    expect(ours.additivityError).toBeLessThan(1e-12);
    const exact = await exactShapley(model);
    const scale = Math.max(...Array.from(exact, Math.abs));
    for (let j = 0; j < 9; j++) expect(Math.abs(ours.values[j] - exact[j])).toBeLessThan(0.1 * scale);
  });

  it('is exact for a linear model with any number of permutations', async () => {
    const w = [0.5, -2, 3];
    const linear: MatrixPredict = (m, n) => Float64Array.from({ length: n }, (_, r) => w[0] * m[r * 3] + w[1] * m[r * 3 + 1] + w[2] * m[r * 3 + 2]);
    const ours = await permutationShap(matrixCoalitions({ predict: linear, row: Float32Array.from([1, 2, 3]), background: Float32Array.from([0, 0, 0, 2, 2, 2]), numOutputs: 1 }), { permutations: 1 });
    expect(Array.from(ours.values).map((v) => Number(v.toFixed(12)))).toEqual([0, -2, 6]);
  });

  it('spends about maxEvals evaluations by default (500, as shap)', async () => {
    const model = matrixCoalitions({ predict: probability, row: row(5), background: background(400, 2), numOutputs: 1, groupOf: groups.ofMatrixColumn });
    const ours = await permutationShap(model);
    const m = varyingCount(model);
    expect(ours.evaluations).toBe(Math.floor(500 / (2 * m + 1)) * 2 * (m - 1));
  });
});
