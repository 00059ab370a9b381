import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import {
  combineSummaries,
  powerMeans,
  powerProportions,
  sampleSizeMeans,
  sampleSizeProportions,
  summarize,
  summaryFromSums,
  twoProportionZTest,
  welchTTest,
} from '../../src/stats/index.js';
import { close, expected } from './expected.js';

describe('two-proportion z-test', () => {
  it('matches the pooled z statistic, p-values and Wald interval computed with SciPy', () => {
    for (const c of expected.two_proportion) {
      const a = { successes: c.a[0], trials: c.a[1] };
      const b = { successes: c.b[0], trials: c.b[1] };
      const two = twoProportionZTest(a, b);
      close(two.z, c.z, 1e-12, 1e-15, 'z');
      close(two.pValue, c.p_two_sided, 1e-10, 1e-300, 'p two-sided');
      close(two.confidenceInterval[0], c.ci95[0], 1e-10, 1e-15, 'ci lo');
      close(two.confidenceInterval[1], c.ci95[1], 1e-10, 1e-15, 'ci hi');
      close(twoProportionZTest(a, b, { alternative: 'greater' }).pValue, c.p_greater, 1e-10, 1e-300, 'p greater');
      close(twoProportionZTest(a, b, { alternative: 'less' }).pValue, c.p_less, 1e-10, 1e-300, 'p less');
      const oneSided = twoProportionZTest(a, b, { alternative: 'greater', confidenceLevel: 0.9 });
      close(oneSided.confidenceInterval[0], c.ci90_greater_lower, 1e-10, 1e-15, 'one-sided bound');
      expect(oneSided.confidenceInterval[1]).toBe(Number.POSITIVE_INFINITY);
    }
  });
  it('identical all-failure arms carry no evidence', () => {
    const r = twoProportionZTest({ successes: 0, trials: 100 }, { successes: 0, trials: 80 });
    expect(r.z).toBe(0);
    expect(r.pValue).toBe(1);
  });
  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest({ successes: 11, trials: 10 }, { successes: 1, trials: 10 })).toThrow(InvalidParameterError);
    expect(() => twoProportionZTest({ successes: 1, trials: 0 }, { successes: 1, trials: 10 })).toThrow(/trials/);
  });
});

describe("Welch's t-test", () => {
  it('matches scipy.stats.ttest_ind(b, a, equal_var=False) from the summaries of the same samples', () => {
    for (const c of expected.welch) {
      const a = summarize(c.a);
      const b = summarize(c.b);
      const r = welchTTest(a, b);
      close(r.t, c.t, 1e-10, 1e-14, 't');
      close(r.df, c.df, 1e-10, 0, 'df');
      close(r.pValue, c.p_two_sided, 1e-9, 1e-300, 'p');
      close(r.confidenceInterval[0], c.ci95[0], 1e-9, 1e-12, 'ci lo');
      close(r.confidenceInterval[1], c.ci95[1], 1e-9, 1e-12, 'ci hi');
      close(welchTTest(a, b, { alternative: 'greater' }).pValue, c.p_greater, 1e-9, 1e-300, 'greater');
      close(welchTTest(a, b, { alternative: 'less' }).pValue, c.p_less, 1e-9, 1e-300, 'less');
    }
  });
  it('runs on streaming aggregates (scipy.stats.ttest_ind_from_stats)', () => {
    const c = expected.welch_from_stats;
    const [nb, mb, vb] = c.b;
    const [na, ma, va] = c.a;
    const r = welchTTest({ n: na, mean: ma, variance: va }, { n: nb, mean: mb, variance: vb });
    close(r.t, c.t, 1e-10, 0, 't');
    close(r.pValue, c.p_two_sided, 1e-9, 0, 'p');
  });
  it('worked example 1 of the Wikipedia article "Welch\'s t-test": t = −2.46, p = 0.021', () => {
    // https://en.wikipedia.org/wiki/Welch%27s_t-test#Examples (A1 vs A2, equal sizes, unequal variances)
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(summarize(a2), summarize(a1)); // B − A = A1 − A2, as the article reports it
    expect(r.t).toBeCloseTo(-2.46, 2);
    expect(r.pValue).toBeCloseTo(0.021, 3);
  });
  it('summaries from running sums and from merged batches agree with the direct ones', () => {
    const xs = expected.welch[2].a as number[];
    const direct = summarize(xs);
    let s = 0;
    let s2 = 0;
    for (const x of xs) {
      s += x;
      s2 += x * x;
    }
    const fromSums = summaryFromSums(xs.length, s, s2);
    close(fromSums.mean, direct.mean, 1e-13, 0, 'mean');
    close(fromSums.variance, direct.variance, 1e-9, 0, 'variance');
    const merged = combineSummaries(summarize(xs.slice(0, 77)), summarize(xs.slice(77)));
    close(merged.mean, direct.mean, 1e-13, 0, 'merged mean');
    close(merged.variance, direct.variance, 1e-12, 0, 'merged variance');
  });
  it('needs two observations per arm', () => {
    expect(() => welchTTest({ n: 1, mean: 0, variance: 0 }, { n: 5, mean: 1, variance: 1 })).toThrow(InvalidParameterError);
  });
});

describe('sample size and power', () => {
  it('proportions: Fleiss formula evaluated with SciPy quantiles', () => {
    for (const c of expected.sample_size_proportions) {
      const plan = sampleSizeProportions({ rateA: c.rateA, rateB: c.rateB, alpha: c.alpha, power: c.power, ratio: c.ratio, twoSided: c.twoSided });
      expect(plan.nA).toBe(Math.ceil(c.nA_exact));
      expect(plan.nB).toBe(Math.ceil(c.nA_exact * c.ratio));
    }
    for (const c of expected.power_proportions) {
      close(powerProportions({ rateA: c.rateA, rateB: c.rateB, nA: c.nA, ratio: c.ratio }), c.power, 1e-12, 0, 'power');
    }
  });
  it('means', () => {
    for (const c of expected.sample_size_means) {
      const plan = sampleSizeMeans({ difference: c.difference, sdA: c.sdA, sdB: c.sdB, alpha: c.alpha, power: c.power, ratio: c.ratio, twoSided: c.twoSided });
      expect(plan.nA).toBe(Math.ceil(c.nA_exact));
    }
    for (const c of expected.power_means) {
      close(powerMeans({ difference: c.difference, sd: c.sd, nA: c.nA, nB: c.nB }), c.power, 1e-12, 0, 'power');
    }
  });
  it("an effect of half a standard deviation needs 63 per arm, next to Lehr's 16/d² = 64 (Stat Med 1992;11:1099)", () => {
    const plan = sampleSizeMeans({ difference: 0.5, sd: 1 });
    expect(plan.nA).toBe(63);
    expect(Math.abs(plan.nA - 16 / 0.25)).toBeLessThanOrEqual(1);
  });
  it('power at the planned size is the requested power', () => {
    const plan = sampleSizeProportions({ rateA: 0.1, rateB: 0.12 });
    expect(powerProportions({ rateA: 0.1, rateB: 0.12, nA: plan.nA })).toBeGreaterThanOrEqual(0.8);
    expect(powerProportions({ rateA: 0.1, rateB: 0.12, nA: plan.nA - 5 })).toBeLessThan(0.8);
  });
  it('refuses a plan without an effect', () => {
    expect(() => sampleSizeProportions({ rateA: 0.1, rateB: 0.1 })).toThrow(InvalidParameterError);
    expect(() => sampleSizeMeans({ difference: 1 })).toThrow(/standard deviation/);
  });
});
