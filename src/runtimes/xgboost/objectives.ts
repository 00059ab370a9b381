import { expf } from './expf.js';

/**
 * XGBoost objectives as prediction sees them: how `base_score` (stored in output space) becomes a
 * margin, and how margins become predictions. Every step is rounded to float32 where XGBoost
 * computes in float, and exp is glibc's expf, so results match its `predict()` bit for bit.
 */

/** How a prediction is derived from the margins of a row. */
export type OutputTransform = 'identity' | 'sigmoid' | 'softmax' | 'argmax' | 'exp' | 'hinge';

/** How `base_score` is turned into a margin (XGBoost's ProbToMargin). */
export type BaseScoreLink = 'identity' | 'logit' | 'log';

export interface ObjectiveSpec {
  readonly name: string;
  readonly link: BaseScoreLink;
  readonly transform: OutputTransform;
  /** multi:softprob / multi:softmax: one margin per class, and num_class must be at least 2. */
  readonly multiclass: boolean;
}

const spec = (name: string, link: BaseScoreLink, transform: OutputTransform, multiclass = false): ObjectiveSpec =>
  Object.freeze({ name, link, transform, multiclass });

const OBJECTIVES: ReadonlyMap<string, ObjectiveSpec> = new Map(
  [
    spec('binary:logistic', 'logit', 'sigmoid'),
    spec('reg:logistic', 'logit', 'sigmoid'),
    // logitraw keeps base_score as a margin (its ProbToMargin is the identity) and outputs margins.
    spec('binary:logitraw', 'identity', 'identity'),
    spec('binary:hinge', 'identity', 'hinge'),
    spec('multi:softprob', 'identity', 'softmax', true),
    spec('multi:softmax', 'identity', 'argmax', true),
    spec('reg:squarederror', 'identity', 'identity'),
    spec('reg:linear', 'identity', 'identity'), // the name of reg:squarederror before 1.0
    spec('reg:squaredlogerror', 'identity', 'identity'),
    spec('reg:pseudohubererror', 'identity', 'identity'),
    spec('reg:absoluteerror', 'identity', 'identity'),
    spec('reg:quantileerror', 'identity', 'identity'),
    spec('count:poisson', 'log', 'exp'),
    spec('reg:gamma', 'log', 'exp'),
    spec('reg:tweedie', 'log', 'exp'),
    spec('rank:pairwise', 'identity', 'identity'),
    spec('rank:ndcg', 'identity', 'identity'),
    spec('rank:map', 'identity', 'identity'),
  ].map((s) => [s.name, s]),
);

/** Names of the objectives this evaluator can serve. */
export const SUPPORTED_OBJECTIVES: readonly string[] = Object.freeze([...OBJECTIVES.keys()]);

export function objectiveSpec(name: string): ObjectiveSpec | undefined {
  return OBJECTIVES.get(name);
}

// XGBoost (since 2.0) clamps a logistic base_score into [1e-6, 1 - 1e-6] before taking the logit.
const LOGIT_EPS = Math.fround(1e-6);
const LOGIT_MAX = Math.fround(1 - LOGIT_EPS);

/**
 * The margin for a stored base_score, or NaN when the value is outside the link's domain. Mirrors
 * `-logf(1.0f / p - 1.0f)` and `logf(p)`; float32 rounding after each operation.
 */
export function baseScoreToMargin(link: BaseScoreLink, baseScore: number): number {
  const p = Math.fround(baseScore);
  switch (link) {
    case 'identity':
      return p;
    case 'logit': {
      if (!(p >= 0 && p <= 1)) return Number.NaN;
      const q = Math.min(Math.max(p, LOGIT_EPS), LOGIT_MAX);
      return Math.fround(-Math.log(Math.fround(Math.fround(1 / q) - 1)));
    }
    case 'log':
      return p > 0 ? Math.fround(Math.log(p)) : Number.NaN;
  }
}

const SIGMOID_CLAMP = Math.fround(88.7);

/** XGBoost's float sigmoid: 1 / (expf(min(-x, 88.7)) + 1), with float rounding at each step. */
export function sigmoid32(x: number): number {
  const e = expf(Math.min(-x, SIGMOID_CLAMP));
  return Math.fround(1 / Math.fround(e + 1));
}

/** Number of predictions per row for `transform` with `k` margins per row. */
export function predictionWidth(transform: OutputTransform, k: number): number {
  return transform === 'argmax' ? 1 : k;
}

/**
 * Writes the predictions of `n` rows of `k` margins into `out` (n × predictionWidth). Softmax
 * follows XGBoost: max by fmaxf, float exps of (margin - max), their sum in double, then each exp
 * divided by the sum rounded to float. argmax takes the first largest margin.
 */
export function applyTransform(transform: OutputTransform, margins: Float32Array, n: number, k: number, out: Float32Array): void {
  const size = n * k;
  switch (transform) {
    case 'identity':
      out.set(margins.subarray(0, size));
      return;
    case 'sigmoid':
      for (let i = 0; i < size; i++) out[i] = sigmoid32(margins[i]);
      return;
    case 'exp':
      for (let i = 0; i < size; i++) out[i] = expf(margins[i]);
      return;
    case 'hinge':
      for (let i = 0; i < size; i++) out[i] = margins[i] > 0 ? 1 : 0;
      return;
    case 'argmax':
      for (let r = 0; r < n; r++) out[r] = argmaxRow(margins, r * k, k);
      return;
    case 'softmax':
      for (let r = 0; r < n; r++) softmaxRow(margins, out, r * k, k);
      return;
  }
}

function softmaxRow(margins: Float32Array, out: Float32Array, start: number, k: number): void {
  let wmax = margins[start];
  for (let j = 1; j < k; j++) wmax = fmax(margins[start + j], wmax);
  let wsum = 0;
  for (let j = 0; j < k; j++) {
    out[start + j] = expf(Math.fround(margins[start + j] - wmax));
    wsum += out[start + j];
  }
  const denom = Math.fround(wsum);
  for (let j = 0; j < k; j++) out[start + j] = out[start + j] / denom;
}

/** C's fmaxf: a NaN operand is ignored. */
function fmax(a: number, b: number): number {
  if (a !== a) return b;
  if (b !== b) return a;
  return a > b ? a : b;
}

/** Index of the first largest value of a row, as std::max_element in XGBoost's FindMaxIndex. */
export function argmaxRow(values: Float32Array, start: number, k: number): number {
  let best = 0;
  let bestValue = values[start];
  for (let j = 1; j < k; j++) {
    const v = values[start + j];
    if (bestValue < v) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}
