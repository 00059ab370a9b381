/**
 * Summary statistics of one arm, the form the A/B tests take so that they can run on streaming
 * aggregates (counts, sums) instead of raw outcome tables.
 */
import { InvalidParameterError } from '../errors/index.js';

/** n observations with their mean and sample variance (ddof = 1). */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

/** A binary outcome: `successes` out of `trials`. */
export interface ProportionArm {
  successes: number;
  trials: number;
}

/** Mean and sample variance of a sample, by Welford's update (no catastrophic cancellation). */
export function summarize(values: ArrayLike<number>): SampleSummary {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw new InvalidParameterError(`Outcome values must be finite numbers, got ${x} at index ${i}.`);
    n++;
    const delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  return { n, mean, variance: n > 1 ? m2 / (n - 1) : Number.NaN };
}

/**
 * Summary from running totals (count, Σx, Σx²), as a database or a metrics pipeline keeps them.
 * Σx² − (Σx)²/n cancels when the mean is large against the spread; totals of centred values
 * (or `combineSummaries` of per-batch summaries) avoid that.
 */
export function summaryFromSums(n: number, sum: number, sumOfSquares: number): SampleSummary {
  if (!(n >= 0) || !Number.isInteger(n)) throw new InvalidParameterError(`The count must be a non-negative integer, got ${n}.`);
  if (n === 0) return { n: 0, mean: Number.NaN, variance: Number.NaN };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - sum * mean) / (n - 1)) : Number.NaN;
  return { n, mean, variance };
}

/** Pools two summaries of disjoint batches (Chan et al.'s parallel variance formula). */
export function combineSummaries(a: SampleSummary, b: SampleSummary): SampleSummary {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  const m2a = a.n > 1 ? a.variance * (a.n - 1) : 0;
  const m2b = b.n > 1 ? b.variance * (b.n - 1) : 0;
  const m2 = m2a + m2b + (delta * delta * a.n * b.n) / n;
  return { n, mean: a.mean + (delta * b.n) / n, variance: n > 1 ? m2 / (n - 1) : Number.NaN };
}

export function checkProportionArm(arm: ProportionArm, name: string): void {
  const { successes, trials } = arm;
  if (!Number.isInteger(trials) || trials < 1) {
    throw new InvalidParameterError(`Arm ${name}: trials must be an integer ≥ 1, got ${trials}.`, `${name}.trials`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new InvalidParameterError(`Arm ${name}: successes must be an integer between 0 and trials (${trials}), got ${successes}.`, `${name}.successes`);
  }
}

export function checkSummary(s: SampleSummary, name: string, minN = 2): void {
  if (!Number.isInteger(s.n) || s.n < minN) {
    throw new InvalidParameterError(`Arm ${name}: needs at least ${minN} observations, got ${s.n}.`, `${name}.n`);
  }
  if (!Number.isFinite(s.mean)) throw new InvalidParameterError(`Arm ${name}: the mean must be a finite number.`, `${name}.mean`);
  if (!(s.variance >= 0) || !Number.isFinite(s.variance)) {
    throw new InvalidParameterError(`Arm ${name}: the variance must be a finite number ≥ 0, got ${s.variance}.`, `${name}.variance`);
  }
}
