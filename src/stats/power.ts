/**
 * Sample size and power for the fixed-horizon tests (normal approximation, no continuity
 * correction). `ratio` is n_B / n_A, so a 90/10 split with A as the 90% arm is ratio 1/9.
 *
 * Proportions (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 3rd ed., §4.2):
 *   n_A = [z_α √(p̄q̄(1 + 1/k)) + z_β √(p_A q_A + p_B q_B / k)]² / Δ²,  p̄ = (p_A + k p_B)/(1 + k).
 * Means: n_A = (z_α + z_β)² (σ²_A + σ²_B / k) / Δ².
 * z_α is the 1 − α/2 quantile for a two-sided test (1 − α for one-sided), z_β the `power` quantile.
 * Power is the same relation solved for z_β, counting only the rejection region on the side of Δ.
 */
import { InvalidParameterError } from '../errors/index.js';
import { normalCdf, normalQuantile } from './normal.js';

export interface PlanOptions {
  /** Significance level, default 0.05. */
  alpha?: number;
  /** Default true (two-sided test). */
  twoSided?: boolean;
  /** n_B / n_A, default 1. */
  ratio?: number;
}

export interface SampleSizePlan {
  /** Per-arm sizes, rounded up. */
  nA: number;
  nB: number;
  total: number;
}

function common(opts: PlanOptions | undefined): { zAlpha: number; ratio: number } {
  const alpha = opts?.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidParameterError(`alpha must lie strictly between 0 and 1, got ${alpha}.`, 'alpha');
  const ratio = opts?.ratio ?? 1;
  if (!(ratio > 0) || !Number.isFinite(ratio)) throw new InvalidParameterError(`ratio (n_B / n_A) must be a positive number, got ${ratio}.`, 'ratio');
  const twoSided = opts?.twoSided ?? true;
  return { zAlpha: normalQuantile(twoSided ? 1 - alpha / 2 : 1 - alpha), ratio };
}

function checkPower(power: number): number {
  if (!(power > 0 && power < 1)) throw new InvalidParameterError(`power must lie strictly between 0 and 1, got ${power}.`, 'power');
  return normalQuantile(power);
}

function checkRate(p: number, field: string): void {
  if (!(p >= 0 && p <= 1)) throw new InvalidParameterError(`${field} must be a proportion in [0, 1], got ${p}.`, field);
}

function plan(nA: number, ratio: number): SampleSizePlan {
  // Guard against 62.000000000001 rounding up to 63.
  const a = Math.ceil(nA - 1e-9);
  const b = Math.ceil(nA * ratio - 1e-9);
  return { nA: a, nB: b, total: a + b };
}

export interface ProportionPlanInput extends PlanOptions {
  /** Rate of the control arm. */
  rateA: number;
  /** Rate of the treatment arm that the test should detect. */
  rateB: number;
  /** Desired power, default 0.8. */
  power?: number;
}

export function sampleSizeProportions(input: ProportionPlanInput): SampleSizePlan {
  const { rateA, rateB } = input;
  checkRate(rateA, 'rateA');
  checkRate(rateB, 'rateB');
  if (rateA === rateB) throw new InvalidParameterError('rateA and rateB must differ: there is no effect to detect.', 'rateB');
  const { zAlpha, ratio } = common(input);
  const zBeta = checkPower(input.power ?? 0.8);
  const pBar = (rateA + ratio * rateB) / (1 + ratio);
  const h0 = zAlpha * Math.sqrt(pBar * (1 - pBar) * (1 + 1 / ratio));
  const h1 = zBeta * Math.sqrt(rateA * (1 - rateA) + (rateB * (1 - rateB)) / ratio);
  const delta = rateB - rateA;
  return plan(((h0 + h1) * (h0 + h1)) / (delta * delta), ratio);
}

export interface ProportionPowerInput extends PlanOptions {
  rateA: number;
  rateB: number;
  nA: number;
  /** Defaults to nA × ratio. */
  nB?: number;
}

export function powerProportions(input: ProportionPowerInput): number {
  const { rateA, rateB, nA } = input;
  checkRate(rateA, 'rateA');
  checkRate(rateB, 'rateB');
  if (!(nA > 0)) throw new InvalidParameterError(`nA must be positive, got ${nA}.`, 'nA');
  const { zAlpha } = common(input);
  const ratio = input.nB !== undefined ? input.nB / nA : (input.ratio ?? 1);
  if (!(ratio > 0)) throw new InvalidParameterError('nB must be positive.', 'nB');
  const pBar = (rateA + ratio * rateB) / (1 + ratio);
  const null0 = Math.sqrt(pBar * (1 - pBar) * (1 + 1 / ratio));
  const alt = Math.sqrt(rateA * (1 - rateA) + (rateB * (1 - rateB)) / ratio);
  if (alt === 0) return rateA === rateB ? 0 : 1;
  return normalCdf((Math.abs(rateB - rateA) * Math.sqrt(nA) - zAlpha * null0) / alt);
}

export interface MeanPlanInput extends PlanOptions {
  /** Difference of means to detect (B − A); its sign does not matter. */
  difference: number;
  /** Standard deviation of the outcome in both arms, or per arm with sdA / sdB. */
  sd?: number;
  sdA?: number;
  sdB?: number;
  power?: number;
}

function sds(input: { sd?: number; sdA?: number; sdB?: number }): [number, number] {
  const sdA = input.sdA ?? input.sd;
  const sdB = input.sdB ?? input.sd;
  if (sdA === undefined || sdB === undefined) throw new InvalidParameterError('Give the outcome standard deviation: sd, or sdA and sdB.', 'sd');
  if (!(sdA > 0) || !(sdB > 0)) throw new InvalidParameterError('Standard deviations must be positive.', 'sd');
  return [sdA, sdB];
}

export function sampleSizeMeans(input: MeanPlanInput): SampleSizePlan {
  const [sdA, sdB] = sds(input);
  if (!(Math.abs(input.difference) > 0) || !Number.isFinite(input.difference)) {
    throw new InvalidParameterError(`difference must be a non-zero number, got ${input.difference}.`, 'difference');
  }
  const { zAlpha, ratio } = common(input);
  const zBeta = checkPower(input.power ?? 0.8);
  const z = zAlpha + zBeta;
  return plan((z * z * (sdA * sdA + (sdB * sdB) / ratio)) / (input.difference * input.difference), ratio);
}

export interface MeanPowerInput extends PlanOptions {
  difference: number;
  sd?: number;
  sdA?: number;
  sdB?: number;
  nA: number;
  nB?: number;
}

export function powerMeans(input: MeanPowerInput): number {
  const [sdA, sdB] = sds(input);
  const { zAlpha } = common(input);
  const nA = input.nA;
  const nB = input.nB ?? nA * (input.ratio ?? 1);
  if (!(nA > 0) || !(nB > 0)) throw new InvalidParameterError('nA and nB must be positive.', 'nA');
  const se = Math.sqrt((sdA * sdA) / nA + (sdB * sdB) / nB);
  return normalCdf(Math.abs(input.difference) / se - zAlpha);
}
