import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/errors/index.js';
import {
  alignCounts,
  chiSquareContingency,
  countByCutPoints,
  countByEdges,
  countCategories,
  countSortedByCutPoints,
  countSortedByEdges,
  decileCutPoints,
  equalWidthEdges,
  finiteSorted,
  hellingerDistance,
  jensenShannonDistance,
  ksTwoSample,
  normedWasserstein,
  populationStd,
  predictionShift,
  psiFromCounts,
  quantileLinear,
  sortFloat64,
  wassersteinDistance,
  zTestFirstCategory,
} from '../../../src/monitoring/index.js';
import { FIXTURES, categoricalSide, numericSide, rel } from './golden-data.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const extra: any = JSON.parse(readFileSync(join(FIXTURES, 'drift_extra.json'), 'utf8'));
const side = (set: string, column: string) => ({ csv: `datasets/credit_${set}.csv`, column, rows: 'all' });

describe('statistics beyond golden/drift.json, against numpy/SciPy (make_drift_extra.py)', () => {
  it('normed Wasserstein = W₁ / max(population std of the reference, 0.001)', () => {
    for (const e of extra.numeric) {
      const ref = numericSide(side('train', e.column));
      const cur = numericSide(side(e.current, e.column));
      rel(populationStd(ref), e.std_ref, 1e-12, `${e.column} std`);
      rel(normedWasserstein(wassersteinDistance(ref, cur), populationStd(ref)), e.wasserstein_normed, 1e-9, `${e.column}/${e.current}`);
    }
  });
  it("Hellinger distance on category shares and Evidently's z-test (first category against the rest)", () => {
    for (const e of extra.categorical) {
      const a = alignCounts(countCategories(categoricalSide(side('train', e.column))), countCategories(categoricalSide(side(e.current, e.column))));
      rel(hellingerDistance(a.ref, a.cur), e.hellinger, 1e-9, `${e.column}/${e.current} hellinger`);
      const z = zTestFirstCategory(a.ref, a.cur);
      rel(z.statistic, e.z, 1e-9, `${e.column}/${e.current} z`);
      rel(z.pValue, e.z_pvalue, 1e-9, `${e.column}/${e.current} p`);
    }
  });
  it('prediction shift: Jensen–Shannon distance with the natural log, scores and labels', () => {
    const p = extra.prediction_shift;
    rel(predictionShift(p.stable, p.canary), p.js_natural, 1e-9, 'scores');
    rel(predictionShift(p.labels_stable, p.labels_canary), p.js_labels_natural, 1e-9, 'labels');
    expect(predictionShift(p.stable, p.stable)).toBe(0);
    expect(() => predictionShift(p.stable, p.labels_canary)).toThrow(InvalidParameterError);
  });
});

describe('binning edge cases', () => {
  it('a value equal to a cut point falls in the lower bin', () => {
    const cuts = [1, 2, 3];
    expect(countByCutPoints([0.5, 1, 1.5, 2, 3, 3.0001], cuts)).toEqual([2, 2, 1, 1]);
    expect(countSortedByCutPoints([0.5, 1, 1.5, 2, 3, 3.0001], cuts)).toEqual([2, 2, 1, 1]);
  });
  it('numpy.histogram bins: [eᵢ, eᵢ₊₁) with the last closed', () => {
    const edges = equalWidthEdges(0, 1, 4);
    expect(edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(countByEdges([0, 0.25, 0.49, 0.5, 1, 0.75], edges)).toEqual([1, 2, 1, 2]);
    expect(countSortedByEdges([0, 0.25, 0.49, 0.5, 0.75, 1], edges)).toEqual([1, 2, 1, 2]);
  });
  it('tied deciles collapse to distinct cut points (a two-valued column gives one cut)', () => {
    const ref = finiteSorted(Array.from({ length: 100 }, (_, i) => (i < 75 ? 0 : 1)));
    expect(decileCutPoints(ref)).toEqual([0, 1]);
  });
  it('numpy.quantile linear interpolation, nearer end for γ ≥ ½', () => {
    expect(quantileLinear([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileLinear([10, 20], 0.9)).toBe(19);
    expect(quantileLinear([5], 0.3)).toBe(5);
  });
  it('missing values and infinities are dropped', () => {
    expect([...finiteSorted([3, Number.NaN, 1, Number.POSITIVE_INFINITY, 2])]).toEqual([1, 2, 3]);
    expect(countCategories(['a', null, '', undefined, 'a', 'b'])).toEqual(new Map([['a', 2], ['b', 1]]));
  });
  it('chi-square of one category, and of empty samples', () => {
    expect(chiSquareContingency([5], [7])).toMatchObject({ statistic: 0, pValue: 1, dof: 0 });
    expect(() => chiSquareContingency([0, 0], [1, 2])).toThrow(InvalidParameterError);
    expect(() => psiFromCounts([1, 2], [1])).toThrow(/same bins/);
  });
  it('z-test of two identical constant samples has p = 1', () => {
    expect(zTestFirstCategory([10, 0], [4, 0]).pValue).toBe(1);
  });
});

const sample = fc.array(fc.integer({ min: -50, max: 50 }).map((x) => x / 4), { minLength: 1, maxLength: 60 });
const counts = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 12 });
const twoHistograms = counts.chain((p) =>
  fc.tuple(fc.constant(p), fc.array(fc.nat({ max: 1000 }), { minLength: p.length, maxLength: p.length })),
).filter(([p, q]) => p.some((x) => x > 0) && q.some((x) => x > 0));

describe('properties of the drift statistics', () => {
  it('the radix sort orders like Float64Array#sort (negative, zero, subnormal, infinite, tied values)', () => {
    const special = [0, -0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, -1];
    fc.assert(
      fc.property(fc.integer({ min: 4096, max: 20_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer(), (n, spread, seed) => {
        let s = seed >>> 0;
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          a[i] = i % 97 === 0 ? special[i % special.length]! : ((s % spread) - spread / 3) / 7;
        }
        const want = a.slice().sort();
        const got = sortFloat64(a.slice());
        return got.every((x, i) => x === want[i]);
      }),
      { numRuns: 30 },
    );
    expect([...sortFloat64(Float64Array.from([3, -2, 1]))]).toEqual([-2, 1, 3]);
  });

  it('KS: p in [0, 1], D in [0, 1], symmetric in the two samples', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = ksTwoSample(a, b);
        const ba = ksTwoSample(b, a);
        return ab.pValue >= 0 && ab.pValue <= 1 && ab.statistic >= 0 && ab.statistic <= 1 && ab.statistic === ba.statistic && Math.abs(ab.pValue - ba.pValue) <= 1e-12;
      }),
      { numRuns: 300 },
    );
  });
  it('Wasserstein: ≥ 0, symmetric, 0 on identical samples, shift by c moves it by |c|', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: -20, max: 20 }), (a, b, c) => {
        const w = wassersteinDistance(a, b);
        return (
          w >= 0 &&
          Math.abs(w - wassersteinDistance(b, a)) <= 1e-12 * Math.max(1, w) &&
          wassersteinDistance(a, a) === 0 &&
          Math.abs(wassersteinDistance(a, a.map((x) => x + c)) - Math.abs(c)) <= 1e-9
        );
      }),
      { numRuns: 300 },
    );
  });
  it('PSI ≥ 0 and 0 on identical histograms', () => {
    fc.assert(fc.property(twoHistograms, ([p, q]) => psiFromCounts(p, q) >= 0 && psiFromCounts(p, p) === 0));
  });
  it('Jensen–Shannon: symmetric, in [0, √ln 2], 0 on identical shapes', () => {
    fc.assert(
      fc.property(twoHistograms, ([p, q]) => {
        const d = jensenShannonDistance(p, q);
        return Math.abs(d - jensenShannonDistance(q, p)) <= 1e-12 && d >= 0 && d <= Math.sqrt(Math.LN2) + 1e-12 && jensenShannonDistance(p, p.map((x) => 3 * x)) < 1e-7;
      }),
    );
  });
  it('Hellinger: symmetric, in [0, 1]', () => {
    fc.assert(
      fc.property(twoHistograms, ([p, q]) => {
        const d = hellingerDistance(p, q);
        return Math.abs(d - hellingerDistance(q, p)) <= 1e-12 && d >= 0 && d <= 1;
      }),
    );
  });
  it('chi-square: p in [0, 1], symmetric in the two rows', () => {
    fc.assert(
      fc.property(twoHistograms, ([p, q]) => {
        const a = chiSquareContingency(p, q);
        const b = chiSquareContingency(q, p);
        return a.pValue >= 0 && a.pValue <= 1 && Math.abs(a.statistic - b.statistic) <= 1e-9 * Math.max(1, a.statistic);
      }),
    );
  });
});
