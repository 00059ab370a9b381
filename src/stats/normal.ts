/** Standard normal distribution: density, CDF, survival function and quantile. */
import { InvalidParameterError } from '../errors/index.js';
import { gammaP, gammaQ } from './special.js';

const LN_SQRT_2PI = 0.9189385332046727;

/** erfc(z) = Q(½, z²) for z ≥ 0; keeps full relative accuracy far into the tail. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z >= 0) return gammaQ(0.5, z * z);
  return 1 + gammaP(0.5, z * z);
}

/** erf(z) = sign(z) · P(½, z²). */
export function erf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const p = gammaP(0.5, z * z);
  return z < 0 ? -p : p;
}

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}

/** Φ(x) = P(Z ≤ x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** 1 − Φ(x) = P(Z > x), accurate for large x (no cancellation). */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return 0.5 * erfc(x / Math.SQRT2);
}

/**
 * Φ⁻¹(p). Starts from Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) and refines with Newton
 * steps on ln Φ in the lower tail (symmetry for the upper one), which converge to full double
 * precision in a few iterations even for p near 1e-300.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) {
    throw new InvalidParameterError(`normalQuantile needs a probability in [0, 1], got ${p}.`);
  }
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // tail probability, q < 0.5
  // For p > 0.5, 1 − p loses digits; solve on the upper tail with the exact q where possible.
  const t = Math.sqrt(-2 * Math.log(q));
  let x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  const logQ = Math.log(q);
  for (let i = 0; i < 50; i++) {
    const cdf = normalCdf(x);
    // f(x) = ln Φ(x) − ln q, f'(x) = φ(x)/Φ(x)
    const step = (Math.log(cdf) - logQ) * (cdf / normalPdf(x));
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return lower ? x : -x;
}
