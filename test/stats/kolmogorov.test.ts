import { describe, expect, it } from 'vitest';
import { kolmogorovSf, ksTwoSampleExactSf, kstwoCdf, kstwoSf, smirnovSf } from '../../src/stats/index.js';
import { close, expected } from './expected.js';

describe('Kolmogorov distributions against SciPy', () => {
  it('kstwo (two-sided one-sample D_n, finite n): sf and cdf over every method range', () => {
    for (const [n, x, sf, cdf] of expected.kstwo) {
      close(kstwoSf(x, n), sf, 1e-8, 1e-300, `kstwo.sf(${x}, ${n})`);
      close(kstwoCdf(x, n), cdf, 1e-8, 1e-300, `kstwo.cdf(${x}, ${n})`);
    }
  });
  it('tails in the subnormal range (SciPy: 4.5e-319 rather than 0), log10 within 1e-3', () => {
    for (const [n, x, sf] of expected.kstwo_subnormal) {
      expect(sf).toBeGreaterThan(0);
      expect(sf).toBeLessThan(2.2250738585072014e-308);
      expect(Math.abs(Math.log10(kstwoSf(x, n)) - Math.log10(sf))).toBeLessThan(1e-3);
    }
  });
  it('kstwobign (the limit distribution)', () => {
    for (const [x, sf] of expected.kstwobign) close(kolmogorovSf(x), sf, 1e-13, 1e-300, `kstwobign.sf(${x})`);
  });
  it('smirnov (one-sided exact)', () => {
    for (const [n, x, sf] of expected.smirnov) close(smirnovSf(n, x), sf, 1e-9, 1e-300, `smirnov(${n}, ${x})`);
  });
  it('exact two-sample p-values (ks_2samp method="exact")', () => {
    for (const c of expected.ks_2samp_exact) {
      const r = ksTwoSampleExactSf(c.n1, c.n2, c.statistic);
      expect(r.ok).toBe(true);
      close(r.statistic, c.statistic, 0, 1e-15, `D ${c.n1}x${c.n2}`);
      close(r.pValue, c.pvalue, 1e-9, 1e-300, `p ${c.n1}x${c.n2}`);
    }
  });
  it('the 5% critical value of the limit distribution is 1.358 (Smirnov 1948 table)', () => {
    expect(kolmogorovSf(1.3581)).toBeCloseTo(0.05, 4);
  });
  it('two samples of 5 with no overlap: p = 2/C(10,5) = 2/252', () => {
    expect(ksTwoSampleExactSf(5, 5, 1).pValue).toBeCloseTo(2 / 252, 15);
  });
});
