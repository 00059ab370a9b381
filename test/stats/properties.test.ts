import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  chiSquareSf,
  ksTwoSampleExactSf,
  kstwoCdf,
  kstwoSf,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';

const inUnit = (p: number) => p >= 0 && p <= 1;
const prob = fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true });
const arm = fc.integer({ min: 1, max: 100_000 }).chain((trials) => fc.record({ successes: fc.integer({ min: 0, max: trials }), trials: fc.constant(trials) }));
const summary = fc.record({
  n: fc.integer({ min: 2, max: 1_000_000 }),
  mean: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  variance: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
});

describe('properties', () => {
  it('p-values and probabilities lie in [0, 1]', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => inUnit(twoProportionZTest(a, b).pValue)),
      { numRuns: 300 },
    );
    fc.assert(fc.property(summary, summary, (a, b) => inUnit(welchTTest(a, b).pValue)), { numRuns: 300 });
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.integer({ min: 1, max: 500 }), (x, df) => inUnit(chiSquareSf(x, df))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 300_000 }), (x, n) => inUnit(kstwoSf(x, n)) && inUnit(kstwoCdf(x, n))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (n1, n2, d) => {
        const r = ksTwoSampleExactSf(n1, n2, d);
        return !r.ok || inUnit(r.pValue);
      }),
      { numRuns: 200 },
    );
  });

  it('swapping the arms negates the statistic and keeps the two-sided p-value', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const ab = twoProportionZTest(a, b);
        const ba = twoProportionZTest(b, a);
        return Math.abs(ab.z + ba.z) <= 1e-12 * Math.max(1, Math.abs(ab.z)) && Math.abs(ab.pValue - ba.pValue) <= 1e-12;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(summary, summary, (a, b) => {
        const ab = welchTTest(a, b);
        const ba = welchTTest(b, a);
        return Math.abs(ab.t + ba.t) <= 1e-12 * Math.max(1, Math.abs(ab.t)) && Math.abs(ab.pValue - ba.pValue) <= 1e-12;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (n1, n2, d) => {
        const x = ksTwoSampleExactSf(n1, n2, d).pValue;
        const y = ksTwoSampleExactSf(n2, n1, d).pValue;
        return x === y || (Number.isNaN(x) && Number.isNaN(y));
      }),
      { numRuns: 100 },
    );
  });

  it('the interval for the difference contains the estimate', () => {
    fc.assert(
      fc.property(summary, summary, (a, b) => {
        const r = welchTTest(a, b);
        return r.confidenceInterval[0] <= r.difference && r.difference <= r.confidenceInterval[1];
      }),
    );
  });

  it('cdfs are non-decreasing', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (x, dx) => normalCdf(x) <= normalCdf(x + dx)),
    );
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0.5, max: 1e4, noNaN: true }), (x, dx, df) => studentTCdf(x, df) <= studentTCdf(x + dx, df) + 1e-15),
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.01, noNaN: true }), fc.integer({ min: 1, max: 200_000 }), (x, dx, n) => kstwoCdf(x, n) <= kstwoCdf(x + dx, n) + 1e-9),
      { numRuns: 300 },
    );
  });

  it('quantiles invert the cdfs', () => {
    fc.assert(fc.property(prob, (p) => Math.abs(normalCdf(normalQuantile(p)) - p) <= 1e-13 * Math.max(p, 1e-3)));
    fc.assert(
      fc.property(prob, fc.double({ min: 1, max: 1e4, noNaN: true }), (p, df) => Math.abs(studentTCdf(studentTQuantile(p, df), df) - p) <= 1e-11),
    );
  });

  it('a two-sided p-value equals the smaller one-sided one doubled', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const two = twoProportionZTest(a, b).pValue;
        const g = twoProportionZTest(a, b, { alternative: 'greater' }).pValue;
        const l = twoProportionZTest(a, b, { alternative: 'less' }).pValue;
        return Math.abs(two - Math.min(1, 2 * Math.min(g, l))) <= 1e-12;
      }),
    );
  });
});
