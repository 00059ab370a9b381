/**
 * Kolmogorov–Smirnov distributions.
 *
 * - `kolmogorovSf`: the limiting distribution of √n·D_n (SciPy `kstwobign`).
 * - `smirnovSf`: exact one-sided P(D_n⁺ ≥ x) (Smirnov 1944; Birnbaum & Tingey 1951).
 * - `kstwoSf` / `kstwoCdf`: the two-sided one-sample statistic D_n for finite n (SciPy `kstwo`),
 *   with the algorithm choice of Simard & L'Ecuyer (2011) as SciPy makes it, so that p-values of
 *   `ks_2samp(method='asymp')` are reproduced: Ruben–Gambino closed forms at the ends, the
 *   Durbin matrix in the Marsaglia–Tsang–Wang form for small n·x², Pelz–Good's asymptotic series
 *   for large n, and 2·smirnov where the two one-sided events cannot both happen.
 * - `ksTwoSampleExactSf`: exact two-sided two-sample p-value by lattice-path counting (Hodges 1958,
 *   with Viehmann's 2021 recursion for 1 − p), as SciPy's `ks_2samp(method='exact')`.
 */
import { InvalidParameterError } from '../errors/index.js';
import { logFactorialOverPower } from './special.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;
const LOG_MIN_SUBNORMAL = -745.1332191019412; // ln(2^-1075): below it exp() is 0 even as a subnormal
const SCALE_EXP = 128;
const SCALE_UP = 2 ** SCALE_EXP;

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * Both tails of the Kolmogorov limit distribution. Below x = 0.82 the theta-function form
 * P(K ≤ x) = √(2π)/x Σ_{k odd} e^(−k²π²/(8x²)) converges fastest; above it the alternating
 * series P(K > x) = 2 Σ (−1)^(k−1) e^(−2k²x²), which keeps the upper tail's relative accuracy.
 */
function kolmogorovLimit(x: number): { cdf: number; sf: number } {
  if (x <= 0.04) return { cdf: 0, sf: 1 };
  if (x <= 0.82) {
    let sum = 0;
    for (let k = 1; k < 100; k += 2) {
      const term = Math.exp((-k * k * PI2) / (8 * x * x));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    const cdf = clip01((SQRT_2PI / x) * sum);
    return { cdf, sf: 1 - cdf };
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * sum) break;
  }
  const sf = clip01(2 * sum);
  return { cdf: 1 - sf, sf };
}

/** P(K > x) for the Kolmogorov limit distribution (SciPy `kstwobign.sf`, `special.kolmogorov`). */
export function kolmogorovSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return kolmogorovLimit(x).sf;
}

/** P(K ≤ x) (SciPy `kstwobign.cdf`). */
export function kolmogorovCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return kolmogorovLimit(x).cdf;
}

/**
 * Exact P(D_n⁺ ≥ x), one-sided one-sample statistic:
 *   x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v).
 * All terms are positive, so summing them in log space keeps the relative accuracy; the sum
 * stops once the terms, past their peak, no longer change it.
 */
export function smirnovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(`smirnovSf needs an integer n ≥ 1, got ${n}.`);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  if (n === 1) return 1 - x;
  const nx = n * x;
  const nxFloor = Math.floor(nx);
  const alpha = nx - nxFloor;
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) return 1 - x * Math.pow(1 + x, n - 1);
  if (-2 * n * x * x < LOG_MIN_SUBNORMAL) return 0;
  if (nxFloor >= n - 1) return Math.pow(1 - x, n);
  if (n > 1_000_000) {
    // Far beyond the sizes we compute exactly: the approximation e^(−(6nx+1)²/(18n)).
    const logp = -Math.pow(6 * nx + 1, 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const last = n - nxFloor - 1; // ⌊n(1−x)⌋, minus the zero term when n·x is an integer
  // Streaming log-sum-exp: the result may be far below the smallest normal double (SciPy returns
  // subnormal values such as 4.5e-319), so terms are summed relative to the largest one.
  let logBinom = 0; // ln C(n, v)
  let logMax = Number.NEGATIVE_INFINITY;
  let scaled = 0; // Σ exp(ln term − logMax)
  let previous = Number.NEGATIVE_INFINITY;
  for (let v = 0; v <= last; v++) {
    if (v > 0) logBinom += Math.log((n - v + 1) / v);
    const a = (nx + v) / n; // x + v/n
    const b = (n - v - nx) / n; // 1 − x − v/n
    const logTerm = logBinom + (v - 1) * Math.log(a) + (n - v) * Math.log(b);
    if (logTerm <= logMax) scaled += Math.exp(logTerm - logMax);
    else {
      scaled = scaled * Math.exp(logMax - logTerm) + 1;
      logMax = logTerm;
    }
    // Past the peak, stop once a term no longer changes the sum.
    if (logTerm < previous && logTerm - logMax <= Math.log(scaled) - 39.2) break;
    previous = logTerm;
  }
  return clip01(Math.exp(logMax + Math.log(scaled) + Math.log(x)));
}

type Matrix = Float64Array; // m × m, row-major

function matMul(a: Matrix, b: Matrix, m: number): Matrix {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      const rowB = k * m;
      const rowOut = i * m;
      for (let j = 0; j < m; j++) out[rowOut + j]! += aik * b[rowB + j]!;
    }
  }
  return out;
}

function maxAbs(a: Matrix): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

/**
 * P(D_n ≤ d) by Durbin's matrix formula, Marsaglia–Tsang–Wang (2003) form: with
 * d = (k − h)/n, k = ⌈nd⌉, the answer is n!/nⁿ · (Hⁿ)[k−1][k−1] for a (2k−1)² matrix H.
 * Powers are rescaled by 2^128 as they grow; the scale is carried as an exponent.
 */
function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  if (d >= 1) return 1;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const invFactorial = new Float64Array(m + 1);
  invFactorial[0] = 1;
  for (let j = 1; j <= m; j++) invFactorial[j] = invFactorial[j - 1]! / j;
  let H: Matrix = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) if (i - j + 1 >= 0) H[i * m + j] = invFactorial[i - j + 1]!;
  }
  for (let i = 0; i < m; i++) {
    H[i * m] = (1 - Math.pow(h, i + 1)) * invFactorial[i + 1]!; // first column
    H[(m - 1) * m + (m - 1 - i)] = (1 - Math.pow(h, i + 1)) * invFactorial[i + 1]!; // last row, reversed
  }
  H[(m - 1) * m] = (1 - 2 * Math.pow(h, m) + Math.pow(Math.max(0, 2 * h - 1), m)) * invFactorial[m]!;

  let power: Matrix | null = null;
  let powerExp = 0;
  let hExp = 0;
  let e = n;
  while (e > 0) {
    if (e % 2 === 1) {
      power = power === null ? H.slice() : matMul(power, H, m);
      powerExp += hExp;
      if (maxAbs(power) > SCALE_UP) {
        for (let i = 0; i < power.length; i++) power[i]! /= SCALE_UP;
        powerExp += SCALE_EXP;
      }
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      H = matMul(H, H, m);
      hExp *= 2;
      if (maxAbs(H) > SCALE_UP) {
        for (let i = 0; i < H.length; i++) H[i]! /= SCALE_UP;
        hExp += SCALE_EXP;
      }
    }
  }
  const entry = power![(k - 1) * m + (k - 1)]!;
  if (entry <= 0) return 0;
  return clip01(Math.exp(Math.log(entry) + powerExp * Math.LN2 + logFactorialOverPower(n)));
}

/** Pelz & Good (1976) asymptotic expansion of P(D_n ≤ x) to order n^(−3/2), in their small-z form. */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  // Σ over odd m = 2k−1 of c(m) q^(m²), by Horner in q^(8k).
  const K = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = Math.pow(q, 8 * k);
    K[0] = K[0]! * qPower + 1;
    K[1] = K[1]! * qPower + (k1a + k1b * m2);
    K[2] = K[2]! * qPower + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3]! * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const divisors = [z, 6 * z4, 72 * z6 * z, 6480 * z6 * z4];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT_2PI) / divisors[i]!;
  // The remaining sums over all k ≥ 1 of k² q'^(k²) (K2) and (3k²z² π²… ) terms (K3), q' = e^(−π²/(2z²)).
  const q2 = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2Extra = 0;
  let k3Extra = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const qk = Math.pow(q2, k2);
    k2Extra += k2 * qk;
    const kPi = Math.PI * k;
    k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qk;
  }
  K[2] = K[2]! + (k2Extra * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] = K[3]! + (k3Extra * PI2 * SQRT_2PI) / (216 * z6);
  return K[0]! + K[1]! / Math.sqrt(n) + K[2]! / n + K[3]! / (n * Math.sqrt(n));
}

function checkKs(n: number, x: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(`The KS sample size must be an integer ≥ 1, got ${n}.`);
  if (Number.isNaN(x)) throw new InvalidParameterError('The KS statistic must be a number.');
}

/** Both tails of D_n at x, choosing the method as SciPy's `kstwo` does. */
function kstwo(n: number, x: number): { cdf: number; sf: number } {
  const fromCdf = (cdf: number) => ({ cdf: clip01(cdf), sf: clip01(1 - cdf) });
  const fromSf = (sf: number) => ({ cdf: clip01(1 - sf), sf: clip01(sf) });
  if (x >= 1) return { cdf: 1, sf: 0 };
  if (x <= 0) return { cdf: 0, sf: 1 };
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: for 1/(2n) < x ≤ 1/n, P(D_n ≤ x) = n!/nⁿ (2nx − 1)ⁿ.
    if (t <= 0.5) return { cdf: 0, sf: 1 };
    return fromCdf(Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return fromSf(2 * Math.pow(1 - x, n)); // Ruben–Gambino upper end
  if (x >= 0.5) return fromSf(2 * smirnovSf(n, x)); // both one-sided events cannot occur together
  const nx2 = t * x;
  if (n <= 140) {
    // Exact for small n. (SciPy uses Pomeranz's recursion for 0.754693 < n·x² ≤ 4; Durbin's matrix
    // computes the same exact probability and is cheap here since k = ⌈nx⌉ ≤ 2√n.)
    if (nx2 <= 4) return fromCdf(durbinCdf(n, x));
    return fromSf(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return { cdf: 1, sf: 0 };
  if (nx2 >= 2.2) return fromSf(2 * smirnovSf(n, x));
  if (n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4) return fromCdf(durbinCdf(n, x));
  return fromCdf(pelzGoodCdf(n, x));
}

/** P(D_n > x) for the two-sided one-sample KS statistic (SciPy `kstwo.sf(x, n)`). */
export function kstwoSf(x: number, n: number): number {
  checkKs(n, x);
  return kstwo(n, x).sf;
}

/** P(D_n ≤ x) (SciPy `kstwo.cdf(x, n)`). */
export function kstwoCdf(x: number, n: number): number {
  checkKs(n, x);
  const t = n * x;
  // For the CDF SciPy keeps computing beyond n·x² ≥ 2.2 (up to 18) with Durbin / Pelz–Good.
  if (n > 140 && x < 0.5 && t > 1 && t < n - 1) {
    const nx2 = t * x;
    if (nx2 >= 18) return 1;
    if (n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4) return durbinCdf(n, x);
    return clip01(pelzGoodCdf(n, x));
  }
  return kstwo(n, x).cdf;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Pr(D_{n,n} ≥ h/n): alternating sum of binomial ratios, evaluated Horner-style (no cancellation). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Share of lattice paths (0,0)→(m,n) that leave the band |x/m − y/n| < h/lcm(m,n): one column at
 * a time, each entry already divided by the path count, so the values stay in [0, 1].
 */
function probOutsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(Math.max(lenA, 1)).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastMinj = minj;
    const lastLen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastMinj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastLen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastLen - curlen));
  }
  return A[maxj - minj - 1]!;
}

export interface ExactTwoSampleResult {
  /** False when the exact computation was not possible (the caller falls back to the asymptotic one). */
  ok: boolean;
  /** The statistic rounded to the lattice: h / lcm(n1, n2). */
  statistic: number;
  pValue: number;
}

/** Exact two-sided P(D_{n1,n2} ≥ d) under H0 (SciPy `ks_2samp(..., method='exact')`). */
export function ksTwoSampleExactSf(n1: number, n2: number, d: number): ExactTwoSampleResult {
  if (!Number.isInteger(n1) || !Number.isInteger(n2) || n1 < 1 || n2 < 1) {
    throw new InvalidParameterError(`Sample sizes must be integers ≥ 1, got ${n1} and ${n2}.`);
  }
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { ok: true, statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  if (!Number.isFinite(p) || p < 0 || p > 1) return { ok: false, statistic, pValue: Number.NaN };
  return { ok: true, statistic, pValue: p };
}
