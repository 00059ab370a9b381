/**
 * Mixture sequential probability ratio test (mSPRT) with a normal mixture: always-valid p-values
 * and confidence intervals, so an A/B test may be looked at after every batch without inflating
 * the false-positive rate (Johari, Koomen, Pekelis & Walsh, "Always Valid Inference: Continuous
 * Monitoring of A/B Tests", Operations Research 70(3), 2022).
 *
 * The estimate Δ̂ = mean_B − mean_A is treated as N(θ, v) with v = σ²_A/n_A + σ²_B/n_B (plug-in
 * variances; for binary outcomes σ² = p(1 − p)). Mixing the alternative θ ~ N(θ0, τ²) gives
 *   Λ = √(v/(v + τ²)) · exp(τ² (Δ̂ − θ0)² / (2 v (v + τ²))),
 * which for equal arms of n reduces to the paper's two-sample formula with v = 2σ²/n.
 * The always-valid p-value is the running minimum of min(1, 1/Λ); H0 is rejected once it falls
 * to α (Λ ≥ 1/α). The always-valid interval is {θ : Λ(θ) < 1/α} =
 *   Δ̂ ± √(v (v + τ²)/τ² · (ln((v + τ²)/v) + 2 ln(1/α))),
 * intersected with the earlier ones.
 */
import { InvalidParameterError } from '../errors/index.js';
import { checkProportionArm, checkSummary, type ProportionArm, type SampleSummary } from './summary.js';

export interface MsprtOptions {
  /** Level of the test and of the interval, default 0.05. */
  alpha?: number;
  /**
   * Standard deviation τ of the mixture over effects, in outcome units. Fix it before the test
   * starts (e.g. the effect size you expect). When absent, τ = `standardizedTau` × the pooled
   * outcome standard deviation at the first look, then kept (from `previous.tau`).
   */
  tau?: number;
  /** τ in units of the outcome's standard deviation when `tau` is absent; default 0.1. */
  standardizedTau?: number;
  /** Difference under H0, default 0. */
  theta0?: number;
}

export interface MsprtResult {
  /** Δ̂ = mean_B − mean_A. */
  difference: number;
  /** Variance of Δ̂. */
  variance: number;
  tau: number;
  /** ln Λ (Λ itself overflows for very strong evidence). */
  logLikelihoodRatio: number;
  /** Always-valid p-value: running minimum of min(1, 1/Λ). */
  pValue: number;
  /** Always-valid interval for B − A: running intersection. */
  confidenceInterval: [number, number];
  /** pValue ≤ alpha. Once true it stays true (the p-value never increases). */
  rejected: boolean;
  alpha: number;
  nA: number;
  nB: number;
}

function resolve(opts: MsprtOptions | undefined): { alpha: number; theta0: number } {
  const alpha = opts?.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidParameterError(`alpha must lie strictly between 0 and 1, got ${alpha}.`, 'alpha');
  const theta0 = opts?.theta0 ?? 0;
  if (!Number.isFinite(theta0)) throw new InvalidParameterError('theta0 must be a finite number.', 'theta0');
  return { alpha, theta0 };
}

/** τ is fixed at the first look that can set it, so the mixture does not move with the data. */
function resolveTau(opts: MsprtOptions | undefined, previous: MsprtResult | null, pooledSd: number): number {
  if (opts?.tau === undefined && previous && previous.tau > 0) return previous.tau;
  if (opts?.tau !== undefined) {
    if (!(opts.tau > 0) || !Number.isFinite(opts.tau)) throw new InvalidParameterError(`tau must be a positive number, got ${opts.tau}.`, 'tau');
    return opts.tau;
  }
  const k = opts?.standardizedTau ?? 0.1;
  if (!(k > 0) || !Number.isFinite(k)) throw new InvalidParameterError(`standardizedTau must be a positive number, got ${k}.`, 'standardizedTau');
  return k * pooledSd;
}

/**
 * One look at the data. `previous` is the result of the last look at the same test (null for the
 * first); the function is pure, so the caller keeps that state wherever it keeps its counts.
 */
export function msprtUpdate(
  previous: MsprtResult | null,
  estimate: { difference: number; variance: number; nA: number; nB: number; tau: number },
  opts?: MsprtOptions,
): MsprtResult {
  const { alpha, theta0 } = resolve(opts);
  const { difference, variance, tau, nA, nB } = estimate;
  if (!Number.isFinite(difference)) throw new InvalidParameterError('The difference must be a finite number.', 'difference');
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new InvalidParameterError('The variance must be a finite number ≥ 0.', 'variance');
  let logLr: number;
  let halfWidth: number;
  if (variance === 0 || !(tau > 0)) {
    // No spread at all: no information about a difference beyond the point estimate itself.
    logLr = 0;
    halfWidth = Number.POSITIVE_INFINITY;
  } else {
    const tau2 = tau * tau;
    const dev = difference - theta0;
    logLr = 0.5 * Math.log(variance / (variance + tau2)) + (tau2 * dev * dev) / (2 * variance * (variance + tau2));
    halfWidth = Math.sqrt(((variance * (variance + tau2)) / tau2) * (Math.log((variance + tau2) / variance) + 2 * Math.log(1 / alpha)));
  }
  const pNow = Math.min(1, Math.exp(-logLr));
  const pValue = previous ? Math.min(previous.pValue, pNow) : pNow;
  let lo = difference - halfWidth;
  let hi = difference + halfWidth;
  if (previous) {
    lo = Math.max(lo, previous.confidenceInterval[0]);
    hi = Math.min(hi, previous.confidenceInterval[1]);
    // The running intersection can only become empty with probability ≤ α; keep the current
    // interval rather than report an empty one.
    if (lo > hi) {
      lo = difference - halfWidth;
      hi = difference + halfWidth;
    }
  }
  return {
    difference,
    variance,
    tau,
    logLikelihoodRatio: logLr,
    pValue,
    confidenceInterval: [lo, hi],
    rejected: pValue <= alpha,
    alpha,
    nA,
    nB,
  };
}

/** mSPRT look for binary outcomes. */
export function msprtProportions(previous: MsprtResult | null, a: ProportionArm, b: ProportionArm, opts?: MsprtOptions): MsprtResult {
  checkProportionArm(a, 'A');
  checkProportionArm(b, 'B');
  const pA = a.successes / a.trials;
  const pB = b.successes / b.trials;
  const variance = (pA * (1 - pA)) / a.trials + (pB * (1 - pB)) / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const tau = resolveTau(opts, previous, Math.sqrt(pooled * (1 - pooled)));
  return msprtUpdate(previous, { difference: pB - pA, variance, nA: a.trials, nB: b.trials, tau }, opts);
}

/** mSPRT look for continuous outcomes, from per-arm summaries. */
export function msprtMeans(previous: MsprtResult | null, a: SampleSummary, b: SampleSummary, opts?: MsprtOptions): MsprtResult {
  checkSummary(a, 'A');
  checkSummary(b, 'B');
  const variance = a.variance / a.n + b.variance / b.n;
  const pooledSd = Math.sqrt(((a.n - 1) * a.variance + (b.n - 1) * b.variance) / (a.n + b.n - 2));
  const tau = resolveTau(opts, previous, pooledSd);
  return msprtUpdate(previous, { difference: b.mean - a.mean, variance, nA: a.n, nB: b.n, tau }, opts);
}
