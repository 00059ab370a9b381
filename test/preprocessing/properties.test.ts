import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FittedPipeline, fitPipeline, type FittedBucketize, type PipelineSpec, type Row } from '../../src/preprocessing/index.js';

// Values are multiples of 1/8: exact in binary and never closer than 1/8 unless equal, so the
// statistical properties hold up to float32 rounding rather than failing on denormal spreads.
const value = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => i / 8);
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
const category = fc.constantFrom('a', 'b', 'c', 'd', 'e');

const row = fc.record({ n1: nullable(value), n2: value, c: nullable(category) });
const unseenRow = fc.record({ n1: nullable(value), n2: value, c: nullable(fc.constantFrom('a', 'c', 'zz', 'new')) });
/** A complete first row guarantees every column has something to fit on. */
const rows = fc.tuple(fc.record({ n1: value, n2: value, c: category }), fc.array(row, { maxLength: 60 })).map(([first, rest]) => [first, ...rest] as Row[]);

const specArb = fc.record({
  impute: fc.constantFrom('mean', 'median', 'most_frequent', 'constant') as fc.Arbitrary<'mean' | 'median' | 'most_frequent' | 'constant'>,
  scale: fc.constantFrom('standard_scale', 'min_max_scale', 'none'),
  nBins: fc.integer({ min: 2, max: 10 }),
  binStrategy: fc.constantFrom('quantile', 'uniform') as fc.Arbitrary<'quantile' | 'uniform'>,
  imputeCategory: fc.boolean(),
}).map((o): PipelineSpec => ({
  steps: [
    { type: 'impute', columns: ['n1'], strategy: o.impute, ...(o.impute === 'constant' ? { fill_value: -3 } : {}) },
    ...(o.scale === 'none' ? [] : [{ type: o.scale as 'standard_scale' | 'min_max_scale', columns: ['n1'] }]),
    { type: 'bucketize', column: 'n2', output: 'n2_bin', n_bins: o.nBins, strategy: o.binStrategy },
    ...(o.imputeCategory ? [{ type: 'impute' as const, columns: ['c'], strategy: 'most_frequent' as const }] : []),
    { type: 'one_hot', column: 'c', handle_unknown: 'ignore' },
    { type: 'ordinal', column: 'c', output: 'c_code', handle_unknown: 'nan' },
    { passthrough: ['n1', 'n2'] },
  ],
}));

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function featureColumn(p: FittedPipeline, data: Row[], name: string): number[] {
  const { matrix } = p.transform(data);
  const j = p.featureNames.indexOf(name);
  return data.map((_, r) => matrix[r * p.numFeatures + j]!);
}

describe('preprocessing properties', () => {
  it('fit → toJSON → JSON text → fromJSON transforms exactly as the fitted pipeline', () => {
    fc.assert(fc.property(specArb, rows, fc.array(unseenRow, { maxLength: 20 }), (spec, train, other) => {
      const p = fitPipeline(spec, train);
      const text = JSON.stringify(p);
      const q = FittedPipeline.fromJSON(JSON.parse(text));
      expect(JSON.stringify(q)).toBe(text);
      expect(q.featureNames).toEqual(p.featureNames);
      expect(sameBits(q.transform(train).matrix, p.transform(train).matrix)).toBe(true);
      expect(sameBits(q.transform(other).matrix, p.transform(other).matrix)).toBe(true);
    }), { numRuns: 200 });
  });

  it('standard_scale gives mean 0 and standard deviation 1 on the data it was fitted on', () => {
    fc.assert(fc.property(fc.array(value, { minLength: 2, maxLength: 200 }), (xs) => {
      fc.pre(new Set(xs).size > 1);
      const data = xs.map((x) => ({ x }));
      const out = featureColumn(fitPipeline({ steps: [{ type: 'standard_scale', columns: ['x'] }] }, data), data, 'x');
      const m = out.reduce((s, v) => s + v, 0) / out.length;
      const sd = Math.sqrt(out.reduce((s, v) => s + (v - m) ** 2, 0) / out.length);
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(Math.abs(sd - 1)).toBeLessThan(1e-5);
    }), { numRuns: 300 });
  });

  it('min_max_scale keeps the fitted data within the range, reaching both ends', () => {
    const range = fc.tuple(value, value).filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? [a, b] : [b, a]) as [number, number]);
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), range, fc.boolean(), (xs, [lo, hi], clip) => {
      const data = xs.map((x) => ({ x }));
      const out = featureColumn(fitPipeline({ steps: [{ type: 'min_max_scale', columns: ['x'], range: [lo, hi], clip }] }, data), data, 'x');
      // lo + t * (hi - lo) may round one step past hi in float64 before the float32 cast.
      const slack = clip ? 0 : 1e-12 * (Math.abs(lo) + Math.abs(hi));
      for (const v of out) {
        expect(v).toBeGreaterThanOrEqual(Math.fround(lo));
        expect(v).toBeLessThanOrEqual(Math.fround(hi + slack));
      }
      expect(Math.min(...out)).toBe(Math.fround(lo));
      if (new Set(xs).size > 1) expect(Math.abs(Math.max(...out) - hi)).toBeLessThanOrEqual(Math.abs(hi) * 2 ** -23 + slack);
    }), { numRuns: 300 });
  });

  it('bucket indices are integers in [0, n_bins), monotonic in the value, on fitted data and beyond', () => {
    fc.assert(fc.property(
      fc.array(value, { minLength: 1, maxLength: 200 }), fc.array(value, { maxLength: 50 }),
      fc.integer({ min: 2, max: 20 }), fc.constantFrom('quantile', 'uniform') as fc.Arbitrary<'quantile' | 'uniform'>,
      (xs, others, nBins, strategy) => {
        const data = xs.map((x) => ({ x }));
        const p = fitPipeline({ steps: [{ type: 'bucketize', column: 'x', n_bins: nBins, strategy }] }, data);
        const all = [...xs, ...others, -1e9, 1e9].sort((a, b) => a - b);
        const idx = featureColumn(p, all.map((x) => ({ x })), 'x');
        for (let i = 0; i < idx.length; i++) {
          expect(Number.isInteger(idx[i])).toBe(true);
          expect(idx[i]).toBeGreaterThanOrEqual(0);
          expect(idx[i]).toBeLessThan(nBins);
          if (i > 0) expect(idx[i]).toBeGreaterThanOrEqual(idx[i - 1]!);
        }
        // The smallest fitted value opens the first bucket, the largest lies in the last one.
        const bins = (p.toJSON().steps[0] as FittedBucketize).boundaries.length + 1;
        expect(bins).toBeLessThanOrEqual(nBins);
        const ends = featureColumn(p, [{ x: Math.min(...xs) }, { x: Math.max(...xs) }], 'x');
        expect(ends).toEqual([0, bins - 1]);
      },
    ), { numRuns: 300 });
  });
});
