/** Chi-square distribution with k > 0 degrees of freedom, via the regularized incomplete gamma. */
import { InvalidParameterError } from '../errors/index.js';
import { gammaP, gammaQ } from './special.js';

function checkDf(df: number): void {
  if (!(df > 0)) throw new InvalidParameterError(`Degrees of freedom must be positive, got ${df}.`);
}

/** P(X ≤ x) = P(k/2, x/2). */
export function chiSquareCdf(x: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(x)) return Number.NaN;
  return x <= 0 ? 0 : gammaP(df / 2, x / 2);
}

/** P(X > x) = Q(k/2, x/2); underflows to 0 only where the true value is below ~1e-308. */
export function chiSquareSf(x: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(x)) return Number.NaN;
  return x <= 0 ? 1 : gammaQ(df / 2, x / 2);
}
