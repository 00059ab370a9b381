import { describe, expect, it } from 'vitest';
import { inputColumnsOf, kmeansSummary, meanAbsolute, permutationImportance, rankFeatures, sampleRecords, summarizeRecords } from '../../src/explain/index.js';
import { createRng } from '../../src/training/index.js';
import type { BundleManifest } from '../../src/bundles/index.js';
import { PIPELINE_FORMAT } from '../../src/preprocessing/index.js';

describe('k-means background summary', () => {
  // Three well separated groups of 40, 30 and 30 rows, in columns of very different scales.
  const rng = createRng(9);
  const centers = [[0, 1000, 0], [10, 5000, 1], [20, 1000, 1]];
  const sizes = [40, 30, 30];
  const data: number[] = [];
  centers.forEach((c, g) => {
    for (let i = 0; i < sizes[g]; i++) data.push(c[0] + rng() * 0.5, c[1] + Math.round(rng() * 50), c[2]);
  });
  const rows = Float32Array.from(data);

  it('finds the groups, weights each center by its rows, and keeps values the data takes', () => {
    const s = kmeansSummary(rows, 100, 3, 3, { seed: 1 });
    expect(Array.from(s.weights).sort((a, b) => a - b)).toEqual([30, 30, 40]);
    const found = Array.from({ length: 3 }, (_, c) => Array.from(s.centers.subarray(c * 3, c * 3 + 3)));
    for (const center of centers) {
      const match = found.find((f) => Math.abs(f[0] - center[0]) < 1 && Math.abs(f[1] - center[1]) < 60);
      expect(match).toBeDefined();
      // Rounded to a value of the column: a present value, and the indicator stays 0 or 1.
      expect(data.filter((_, i) => i % 3 === 1)).toContain(match![1]);
      expect([0, 1]).toContain(match![2]);
    }
  });

  it('keeps missing values out of the distances and reports an all-missing coordinate as missing', () => {
    const withMissing = Float32Array.from([1, Number.NaN, 1.1, Number.NaN, 9, 2, 9.2, 2.1]);
    const s = kmeansSummary(withMissing, 4, 2, 2, { seed: 0 });
    const byFirst = [0, 1].map((c) => Array.from(s.centers.subarray(c * 2, c * 2 + 2))).sort((a, b) => a[0] - b[0]);
    expect(Number.isNaN(byFirst[0][1])).toBe(true);
    expect(byFirst[1][1]).toBeCloseTo(2, 5);
  });

  it('refuses an empty background and a bad k, and caps k at the number of rows', () => {
    expect(() => kmeansSummary(new Float32Array(0), 0, 3, 2)).toThrow(/no rows/);
    expect(() => kmeansSummary(rows, 100, 3, 0)).toThrow(/positive integer/);
    expect(kmeansSummary(rows.subarray(0, 6), 2, 3, 10).k).toBe(2);
  });
});

describe('background records', () => {
  const records = Array.from({ length: 60 }, (_, i) => ({
    age: i < 30 ? 20 + (i % 3) : 60 + (i % 3),
    income: i % 7 === 0 ? null : i < 30 ? 30_000 + i : 90_000 + i,
    purpose: i < 30 ? (i % 5 === 0 ? 'car' : 'medical') : 'small_business',
  }));
  const columns = [{ name: 'age', type: 'long' as const }, { name: 'income', type: 'double' as const }, { name: 'purpose', type: 'string' as const }];

  it('summarises records by k-means: numeric values taken from the data, categories by majority', () => {
    const s = summarizeRecords(records, columns, 2, 3);
    expect(Array.from(s.weights)).toEqual([30, 30]);
    const young = s.records.find((r) => (r.age as number) < 40)!;
    const old = s.records.find((r) => (r.age as number) >= 40)!;
    expect(young.purpose).toBe('medical');
    expect(old.purpose).toBe('small_business');
    expect(records.map((r) => r.income)).toContain(young.income);
    expect(Number.isInteger(young.age)).toBe(true);
  });

  it('samples without replacement, in the original order', () => {
    const s = sampleRecords(records, 10, 5);
    expect(s.records).toHaveLength(10);
    expect(new Set(s.records).size).toBe(10);
    const positions = s.records.map((r) => records.indexOf(r as (typeof records)[number]));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(sampleRecords(records, 100).records).toHaveLength(60);
  });
});

describe('input columns of a bundle', () => {
  it('traces each matrix column through impute, scale, one-hot, ordinal and bucketize steps to its input column', () => {
    const manifest = {
      signature: { inputs: ['age', 'income', 'purpose', 'state', 'unused'].map((name) => ({ name, type: 'double' })), outputs: [] },
      preprocessing: {
        format: PIPELINE_FORMAT,
        steps: [
          { type: 'impute', columns: ['income'], strategy: 'median', values: [50_000] },
          { type: 'standard_scale', columns: ['income'], handle_missing: 'keep', mean: [1], std: [2] },
          { type: 'bucketize', column: 'age', output: 'age_band', boundaries: [30, 50], handle_missing: 'keep' },
          { type: 'one_hot', column: 'purpose', categories: ['car', 'medical'], handle_unknown: 'ignore', handle_missing: 'ignore' },
          { type: 'ordinal', column: 'state', output: 'state_code', categories: ['CA', 'TX'], handle_unknown: 'nan', handle_missing: 'keep' },
        ],
        output: ['purpose=medical', 'age_band', 'income', 'state_code', 'purpose=car'],
      },
    } as unknown as BundleManifest;
    const cols = inputColumnsOf(manifest);
    expect(cols.names).toEqual(['age', 'income', 'purpose', 'state', 'unused']);
    expect(cols.matrixNames).toEqual(['purpose=medical', 'age_band', 'income', 'state_code', 'purpose=car']);
    expect(Array.from(cols.ofMatrixColumn)).toEqual([2, 0, 1, 3, 2]);
  });

  it('maps the signature one to one without preprocessing', () => {
    const manifest = { signature: { inputs: [{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }], outputs: [] }, preprocessing: null } as unknown as BundleManifest;
    expect(Array.from(inputColumnsOf(manifest).ofMatrixColumn)).toEqual([0, 1]);
  });
});

describe('global summaries and permutation importance', () => {
  it('mean |value| per feature and output, ranked', () => {
    const mean = meanAbsolute([Float64Array.from([1, -2, 0, 4]), Float64Array.from([-3, 2, 0, 0])], 2, 2);
    expect(Array.from(mean)).toEqual([2, 2, 0, 2]);
    expect(rankFeatures(mean, ['a', 'b'], 2)).toEqual([{ name: 'a', mean_abs: 4 }, { name: 'b', mean_abs: 2 }]);
  });

  it('a column the model ignores loses nothing when shuffled; the one it reads loses the most', async () => {
    const rng = createRng(3);
    const records = Array.from({ length: 400 }, () => ({ x: rng(), noise: rng() }));
    const labels = records.map((r) => r.x * 3);
    const predict = (rs: Record<string, unknown>[]) => Float64Array.from(rs, (r) => (r.x as number) * 3);
    const score = (out: Float64Array) => Math.sqrt(out.reduce((s, p, i) => s + (p - labels[i]) ** 2, 0) / out.length);
    const result = await permutationImportance({ records, columns: ['x', 'noise'], predict, score, higherIsBetter: false }, { repeats: 3, seed: 1 });
    expect(result.baseline).toBe(0);
    const [x, noise] = result.importances;
    expect(noise).toMatchObject({ column: 'noise', importance: 0, std: 0 });
    expect(x.column).toBe('x');
    expect(x.importance).toBeGreaterThan(0.9); // shuffling x costs about √(2·Var(3x)) ≈ 1.2 of RMSE
    expect(x.scores).toHaveLength(3);
  });
});
