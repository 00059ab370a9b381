import { InvalidParameterError } from '../errors/index.js';

/**
 * L2-regularised logistic regression. Missing values are replaced by the training median, every
 * column is standardised, and the penalised log-likelihood is maximised by Newton's method on the
 * full batch (the problem is small: one (F+1)² system per step). There is nothing random in it,
 * so the same data always gives the same model, bit for bit.
 *
 * XGBoost's format has no linear model our evaluator serves, so the model is written in a small
 * format of our own, read back by `readLogisticModel` and applied by `predictLogistic`.
 */

export const LOGISTIC_MODEL_KIND = 'logistic_regression';

export interface LogisticOptions {
  /** Penalty λ in Σ logloss + λ/2 ‖w‖² on the standardised weights (sklearn's 1/C). Default 1. */
  l2?: number;
  /** Newton steps at most. Default 100. */
  maxIterations?: number;
  /** Stop when no coefficient moves by more than this. Default 1e-10. */
  tolerance?: number;
  /** Kept in the model for the record; the full-batch solver draws no random numbers. Default 0. */
  seed?: number;
  featureNames?: readonly string[];
}

/** The stored model: p = sigmoid(bias + Σ weights[j] · (x'_j - means[j]) / scales[j]), x' = x or medians[j] when missing. */
export interface LogisticModelJson {
  puente_model: typeof LOGISTIC_MODEL_KIND;
  format_version: 1;
  feature_names: string[];
  weights: number[];
  bias: number;
  medians: number[];
  means: number[];
  scales: number[];
  l2: number;
  seed: number;
  iterations: number;
}

export interface LogisticResult {
  modelJson: LogisticModelJson;
  featureNames: string[];
}

export function trainLogistic(X: Float32Array | Float64Array, y: ArrayLike<number>, nFeatures: number, options: LogisticOptions = {}): LogisticResult {
  const F = nFeatures;
  if (!Number.isInteger(F) || F < 1) throw new InvalidParameterError(`nFeatures must be a positive integer, got ${String(F)}.`, 'nFeatures');
  if (X.length % F !== 0) throw new InvalidParameterError(`X has ${X.length} values, not a multiple of ${F} features.`, 'X');
  const N = X.length / F;
  if (N === 0) throw new InvalidParameterError('No training rows.', 'X');
  if (y.length !== N) throw new InvalidParameterError(`X has ${N} rows but y has ${y.length} labels.`, 'y');
  for (let i = 0; i < N; i++) {
    if (!(y[i] >= 0 && y[i] <= 1)) throw new InvalidParameterError(`Logistic regression needs labels between 0 and 1; label ${i} is ${y[i]}.`, 'y');
  }
  const l2 = options.l2 ?? 1;
  if (!Number.isFinite(l2) || l2 < 0) throw new InvalidParameterError(`l2 must be at least 0, got ${String(l2)}.`, 'l2');
  const maxIterations = options.maxIterations ?? 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new InvalidParameterError(`maxIterations must be a positive integer.`, 'maxIterations');
  const tolerance = options.tolerance ?? 1e-10;
  const seed = options.seed ?? 0;
  const featureNames = options.featureNames ? [...options.featureNames] : Array.from({ length: F }, (_, j) => `f${j}`);
  if (featureNames.length !== F) throw new InvalidParameterError(`featureNames lists ${featureNames.length} names for ${F} features.`, 'featureNames');

  // Columns: impute, then standardise (population std; a constant column is divided by 1).
  const medians = new Array<number>(F);
  const means = new Array<number>(F);
  const scales = new Array<number>(F);
  const D = F + 1; // the last coefficient is the bias
  const Z = new Float64Array(N * D);
  const column = new Float64Array(N);
  for (let j = 0; j < F; j++) {
    let n = 0;
    for (let i = 0; i < N; i++) {
      const v = X[i * F + j];
      if (Number.isNaN(v)) continue;
      if (!Number.isFinite(v)) throw new InvalidParameterError(`X row ${i}, feature ${j} is infinite; use NaN for a missing value.`, 'X');
      column[n++] = v;
    }
    medians[j] = n === 0 ? 0 : median(column.subarray(0, n).sort());
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const v = X[i * F + j];
      sum += Number.isNaN(v) ? medians[j] : v;
    }
    means[j] = sum / N;
    let ss = 0;
    for (let i = 0; i < N; i++) {
      const v = X[i * F + j];
      ss += ((Number.isNaN(v) ? medians[j] : v) - means[j]) ** 2;
    }
    const std = Math.sqrt(ss / N);
    scales[j] = std > 0 ? std : 1;
    for (let i = 0; i < N; i++) {
      const v = X[i * F + j];
      Z[i * D + j] = ((Number.isNaN(v) ? medians[j] : v) - means[j]) / scales[j];
    }
  }
  for (let i = 0; i < N; i++) Z[i * D + F] = 1;

  const beta = new Float64Array(D);
  const grad = new Float64Array(D);
  const hess = new Float64Array(D * D);
  const z = new Float64Array(N);
  let loss = objective(Z, y, beta, l2, N, D, z);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < N; i++) {
      const p = sigmoid(z[i]);
      const r = p - y[i];
      const w = Math.max(p * (1 - p), 1e-12);
      const row = i * D;
      for (let a = 0; a < D; a++) {
        const za = Z[row + a];
        grad[a] += r * za;
        const wa = w * za;
        for (let b = 0; b <= a; b++) hess[a * D + b] += wa * Z[row + b];
      }
    }
    for (let a = 0; a < F; a++) {
      grad[a] += l2 * beta[a];
      hess[a * D + a] += l2;
    }
    const step = solveSymmetric(hess, grad, D);
    // Newton's step, halved while it does not lower the penalised loss.
    let t = 1;
    let next = new Float64Array(D);
    let nextLoss = Infinity;
    for (let k = 0; k < 30; k++, t /= 2) {
      for (let a = 0; a < D; a++) next[a] = beta[a] - t * step[a];
      nextLoss = objective(Z, y, next, l2, N, D, z);
      if (nextLoss <= loss) break;
    }
    if (!(nextLoss <= loss)) {
      objective(Z, y, beta, l2, N, D, z);
      break; // no step improves: at the optimum to rounding
    }
    let moved = 0;
    for (let a = 0; a < D; a++) moved = Math.max(moved, Math.abs(next[a] - beta[a]));
    beta.set(next);
    loss = nextLoss;
    if (moved <= tolerance) {
      iterations++;
      break;
    }
    next = new Float64Array(D);
  }

  return {
    featureNames,
    modelJson: {
      puente_model: LOGISTIC_MODEL_KIND,
      format_version: 1,
      feature_names: featureNames,
      weights: Array.from(beta.subarray(0, F)),
      bias: beta[F],
      medians,
      means,
      scales,
      l2,
      seed,
      iterations,
    },
  };
}

/** Checks a stored model (e.g. parsed from its JSON file) and returns it typed. */
export function readLogisticModel(value: unknown): LogisticModelJson {
  const bad = (what: string): never => {
    throw new InvalidParameterError(`Not a logistic regression model: ${what}.`, 'model');
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('expected a JSON object');
  const m = value as Record<string, unknown>;
  if (m.puente_model !== LOGISTIC_MODEL_KIND) return bad(`puente_model is ${JSON.stringify(m.puente_model)}, expected '${LOGISTIC_MODEL_KIND}'`);
  if (m.format_version !== 1) return bad(`format_version ${JSON.stringify(m.format_version)} is not supported (expected 1)`);
  const numbers = (key: string): number[] => {
    const v = m[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return bad(`${key} must be a list of finite numbers`);
    return v as number[];
  };
  const weights = numbers('weights');
  const F = weights.length;
  if (F === 0) return bad('weights is empty');
  for (const key of ['medians', 'means', 'scales']) if (numbers(key).length !== F) bad(`${key} has ${numbers(key).length} entries for ${F} weights`);
  if (numbers('scales').some((s) => s === 0)) bad('scales must not contain 0');
  if (typeof m.bias !== 'number' || !Number.isFinite(m.bias)) bad('bias must be a finite number');
  const names = m.feature_names;
  if (!Array.isArray(names) || names.length !== F || !names.every((n) => typeof n === 'string')) bad(`feature_names must list ${F} names`);
  return m as unknown as LogisticModelJson;
}

/** P(y = 1) for each row of the row-major N × F matrix `X` (NaN = missing), in float64. */
export function predictLogistic(model: LogisticModelJson, X: Float32Array | Float64Array): Float64Array {
  const m = readLogisticModel(model);
  const F = m.weights.length;
  if (X.length % F !== 0) throw new InvalidParameterError(`The model expects ${F} features per row; got ${X.length} values.`, 'X');
  const N = X.length / F;
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = m.bias;
    for (let j = 0; j < F; j++) {
      const v = X[i * F + j];
      s += (m.weights[j] * ((Number.isNaN(v) ? m.medians[j] : v) - m.means[j])) / m.scales[j];
    }
    out[i] = sigmoid(s);
  }
  return out;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/** Penalised loss at `beta`; leaves the linear scores in `z`. */
function objective(Z: Float64Array, y: ArrayLike<number>, beta: Float64Array, l2: number, N: number, D: number, z: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    const row = i * D;
    for (let a = 0; a < D; a++) s += Z[row + a] * beta[a];
    z[i] = s;
    // log(1 + e^s) - y·s, computed without overflow.
    loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[i] * s;
  }
  let penalty = 0;
  for (let a = 0; a < D - 1; a++) penalty += beta[a] * beta[a];
  return loss + (l2 / 2) * penalty;
}

/**
 * Solves A x = b for the symmetric positive (semi)definite A whose lower triangle is filled, by
 * Cholesky; a tiny ridge keeps an exactly singular system (e.g. a constant column with l2 = 0) solvable.
 */
function solveSymmetric(A: Float64Array, b: Float64Array, D: number): Float64Array {
  const L = new Float64Array(D * D);
  let ridge = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    let ok = true;
    for (let i = 0; i < D && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = A[i * D + j] + (i === j ? ridge : 0);
        for (let k = 0; k < j; k++) s -= L[i * D + k] * L[j * D + k];
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          L[i * D + i] = Math.sqrt(s);
        } else L[i * D + j] = s / L[j * D + j];
      }
    }
    if (ok) {
      const x = new Float64Array(D);
      for (let i = 0; i < D; i++) {
        let s = b[i];
        for (let k = 0; k < i; k++) s -= L[i * D + k] * x[k];
        x[i] = s / L[i * D + i];
      }
      for (let i = D - 1; i >= 0; i--) {
        let s = x[i];
        for (let k = i + 1; k < D; k++) s -= L[k * D + i] * x[k];
        x[i] = s / L[i * D + i];
      }
      return x;
    }
    ridge = ridge === 0 ? 1e-10 : ridge * 100;
  }
  throw new InvalidParameterError('Logistic regression: the system could not be solved (the features may be degenerate).', 'X');
}
