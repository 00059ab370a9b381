/** Student's t distribution with ν > 0 degrees of freedom (ν need not be an integer: Welch's df). */
import { InvalidParameterError } from '../errors/index.js';
import { normalCdf, normalQuantile, normalSf } from './normal.js';
import { betaInc, betaIncComplement, logBeta } from './special.js';

function checkDf(df: number): void {
  if (!(df > 0)) throw new InvalidParameterError(`Degrees of freedom must be positive, got ${df}.`);
}

/** Beyond this many degrees of freedom the t and normal distributions agree to double precision. */
const NORMAL_LIMIT = 1e12;

/** P(T > |t|) — one tail — computed without cancellation. */
function upperTail(t: number, df: number): number {
  const t2 = t * t;
  // I_x(ν/2, ½) with x = ν/(ν+t²) is P(|T| > |t|); pass 1−x = t²/(ν+t²) exactly.
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  if (t2 < df) return 0.5 * betaIncComplement(0.5, df / 2, y, x);
  return 0.5 * betaInc(df / 2, 0.5, x, y);
}

export function studentTPdf(t: number, df: number): number {
  checkDf(df);
  return Math.exp(-logBeta(df / 2, 0.5) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return Number.NaN;
  if (df > NORMAL_LIMIT) return normalCdf(t);
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = upperTail(t, df);
  return t < 0 ? tail : 1 - tail;
}

/** P(T > t). */
export function studentTSf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return Number.NaN;
  if (df > NORMAL_LIMIT) return normalSf(t);
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  const tail = upperTail(t, df);
  return t > 0 ? tail : 1 - tail;
}

/**
 * Quantile: the t with P(T ≤ t) = p. Closed forms for ν = 1 and 2; otherwise Newton's method on
 * the log of the tail probability inside a bracket that is widened until it holds the root, with
 * bisection whenever a Newton step would leave it.
 */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(p) || p < 0 || p > 1) {
    throw new InvalidParameterError(`studentTQuantile needs a probability in [0, 1], got ${p}.`);
  }
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  if (df > NORMAL_LIMIT) return normalQuantile(p);
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // solve P(T > t) = q for t > 0
  if (df === 1) {
    const t = 1 / Math.tan(Math.PI * q); // Cauchy: cot(πq), exact also for tiny q
    return lower ? -t : t;
  }
  if (df === 2) {
    const t = (1 - 2 * q) / Math.sqrt(2 * q * (1 - q));
    return lower ? -t : t;
  }
  // Start from the normal quantile with the first Cornish–Fisher correction.
  const z = -normalQuantile(q);
  let t = Math.max(z + (z * z * z + z) / (4 * df), 1e-300);
  let lo = 0;
  let hi = t;
  while (upperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return lower ? -hi : hi;
  }
  if (t <= lo || t >= hi) t = 0.5 * (lo + hi);
  const logQ = Math.log(q);
  for (let i = 0; i < 200; i++) {
    const tail = upperTail(t, df);
    if (tail > q) lo = t;
    else hi = t;
    // f(t) = ln S(t) − ln q, f'(t) = −pdf(t)/S(t)
    let next = t + ((Math.log(tail) - logQ) * tail) / studentTPdf(t, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const done = Math.abs(next - t) <= 1e-15 * Math.abs(next);
    t = next;
    if (done || hi - lo <= 1e-15 * hi) break;
  }
  return lower ? -t : t;
}
