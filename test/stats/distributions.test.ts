import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import {
  betaInc,
  chiSquareSf,
  gammaP,
  gammaQ,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  studentTCdf,
  studentTQuantile,
  studentTSf,
} from '../../src/stats/index.js';
import { close, expected } from './expected.js';

describe('special functions against SciPy', () => {
  it('log-gamma', () => {
    for (const [x, want] of expected.log_gamma) close(logGamma(x), want, 1e-14, 1e-14, `lgamma(${x})`);
  });
  it('regularized incomplete gamma P and Q', () => {
    for (const [a, x, p, q] of expected.gamma_inc) {
      close(gammaP(a, x), p, 1e-12, 1e-300, `P(${a}, ${x})`);
      close(gammaQ(a, x), q, 1e-12, 1e-300, `Q(${a}, ${x})`);
    }
  });
  it('regularized incomplete beta', () => {
    for (const [a, b, x, want] of expected.beta_inc) close(betaInc(a, b, x), want, 1e-11, 1e-300, `I_${x}(${a}, ${b})`);
  });
});

describe('normal distribution against SciPy', () => {
  it('cdf and sf keep relative accuracy in both tails', () => {
    for (const [x, cdf, sf] of expected.normal) {
      // SciPy flushes Φ(−38) ≈ 2.9e-316 (subnormal) to 0, hence the absolute floor.
      close(normalCdf(x), cdf, 1e-12, 1e-300, `cdf(${x})`);
      close(normalSf(x), sf, 1e-12, 1e-300, `sf(${x})`);
    }
  });
  it('quantile', () => {
    for (const [p, want] of expected.normal_ppf) close(normalQuantile(p), want, 1e-13, 1e-15, `ppf(${p})`);
  });
  it('quantile of 0.975 is the textbook 1.959964 (Abramowitz & Stegun, table 26.5)', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
  });
  it('rejects probabilities outside [0, 1]', () => {
    expect(() => normalQuantile(1.2)).toThrow(InvalidParameterError);
    expect(() => normalQuantile(Number.NaN)).toThrow(InvalidParameterError);
  });
});

describe('Student t against SciPy', () => {
  it('cdf and sf, integer and fractional df', () => {
    for (const [t, df, cdf, sf] of expected.t) {
      close(studentTCdf(t, df), cdf, 1e-10, 1e-300, `cdf(${t}; ${df})`);
      close(studentTSf(t, df), sf, 1e-10, 1e-300, `sf(${t}; ${df})`);
    }
  });
  it('quantile', () => {
    // SciPy's stdtrit itself is good to ~2e-9 (t.ppf(0.01, 2) is off by 1.5e-8 from the closed
    // form (2p−1)/√(2p(1−p))), hence 1e-8 here and the round trip below.
    for (const [p, df, want] of expected.t_ppf) close(studentTQuantile(p, df), want, 1e-8, 1e-14, `ppf(${p}; ${df})`);
  });
  it('quantile inverts the cdf', () => {
    for (const [p, df] of expected.t_ppf) {
      const t = studentTQuantile(p, df);
      close(p < 0.5 ? studentTCdf(t, df) : studentTSf(t, df), p < 0.5 ? p : 1 - p, 1e-10, 0, `cdf(ppf(${p}; ${df}))`);
    }
  });
  it('ν = 2 has the closed form (2p − 1)/√(2p(1 − p))', () => {
    for (const p of [1e-9, 0.01, 0.3, 0.9]) close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-14, 0, `p=${p}`);
  });
  it('t(0.975; 10) = 2.228 as in printed t tables', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
  });
  it('rejects non-positive degrees of freedom', () => {
    expect(() => studentTCdf(1, 0)).toThrow(InvalidParameterError);
  });
});

describe('chi-square against SciPy', () => {
  it('survival function', () => {
    for (const [x, df, want] of expected.chi2_sf) close(chiSquareSf(x, df), want, 1e-11, 1e-300, `chi2.sf(${x}; ${df})`);
  });
  it('3.841 is the 5% critical value for one degree of freedom', () => {
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
  });
});
