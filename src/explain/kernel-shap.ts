import { InvalidParameterError, PuenteError } from '../errors/index.js';
import { createRng, type Rng } from '../training/index.js';
import type { CoalitionModel } from './coalitions.js';

/*
 * Kernel SHAP (Lundberg & Lee 2017): a weighted linear regression on coalitions z′ with the
 * Shapley kernel π(z′) = (M − 1) / (C(M, |z′|) · |z′| · (M − |z′|)), the empty and full
 * coalitions enforced as the constraint Σφ = f(x) − E[f]. Coalitions are chosen the way the shap
 * library's KernelExplainer chooses them: whole coalition sizes are enumerated, smallest and
 * largest first in pairs, while the sample budget covers them; the remaining budget is drawn at
 * random (with the complement of each draw) and the sampled weights are scaled to the kernel
 * weight those sizes have left.
 */

/** How a model output is turned into the space the values add up in. */
export type Link = 'identity' | 'logit';

export interface KernelShapOptions {
  /** Coalitions to evaluate; 'auto' (default): 2·M + 2048, at most 2^M − 2 (M: features that vary). */
  readonly nsamples?: number | 'auto';
  readonly link?: Link;
  readonly seed?: number;
}

/** Attributions of one row. Values are feature-major: value of feature j for output k at j·K + k. */
export interface RowAttribution {
  readonly values: Float64Array;
  /** link(E[f]) per output: the background's weighted mean output. */
  readonly baseValues: Float64Array;
  /** link(f(x)) per output: base plus the sum of the values. */
  readonly outputs: Float64Array;
  /** Coalitions evaluated (beyond the empty and full ones). */
  readonly evaluations: number;
  /** Largest |Σφ − (link(f(x)) − link(E[f]))| over the outputs. */
  readonly additivityError: number;
}

/** The number of coalitions shap's nsamples='auto' picks for M varying features. */
export function autoSamples(m: number): number {
  const max = m > 30 ? 2 ** 30 : 2 ** m - 2;
  return Math.min(2 * m + 2048, max);
}

export function applyLink(link: Link, p: number): number {
  if (link === 'identity') return p;
  const q = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
  return Math.log(q / (1 - q));
}

/** Kernel SHAP values of one row, with the additivity check. */
export async function kernelShap(model: CoalitionModel, options: KernelShapOptions = {}): Promise<RowAttribution> {
  const M = model.numFeatures;
  const K = model.numOutputs;
  const link = options.link ?? 'identity';
  if (link !== 'identity' && link !== 'logit') throw new InvalidParameterError(`link must be identity or logit, got '${String(link)}'.`, 'link');
  const ends = new Uint8Array(2 * M);
  ends.fill(1, M);
  const [fnull, fx] = splitRows(await model.evaluate(ends, 2), K);
  const base = fnull.map((v) => applyLink(link, v));
  const out = fx.map((v) => applyLink(link, v));
  const values = new Float64Array(M * K);
  const varying: number[] = [];
  for (let j = 0; j < M; j++) if (model.varies(j)) varying.push(j);
  const m = varying.length;
  const result = (evaluations: number): RowAttribution => ({ values, baseValues: base, outputs: out, evaluations, additivityError: additivity(values, base, out, M, K) });
  if (m === 0) return result(0);
  if (m === 1) {
    for (let k = 0; k < K; k++) values[varying[0] * K + k] = out[k] - base[k];
    return result(0);
  }

  let nsamples = options.nsamples === undefined || options.nsamples === 'auto' ? autoSamples(m) : options.nsamples;
  if (!Number.isInteger(nsamples) || nsamples < 1) throw new InvalidParameterError(`nsamples must be 'auto' or a positive integer, got ${String(options.nsamples)}.`, 'nsamples');
  nsamples = Math.min(nsamples, autoSamplesCap(m));
  const { masks, weights, count } = chooseCoalitions(m, nsamples, createRng(options.seed ?? 0));

  // Evaluate the coalitions: masks over the varying features, spread onto all M.
  const full = new Uint8Array(count * M);
  for (let s = 0; s < count; s++) for (let i = 0; i < m; i++) full[s * M + varying[i]] = masks[s * m + i];
  const ey = await model.evaluate(full, count);

  // Weighted least squares with Σφ = link(f(x)) − link(E[f]) substituted for the last varying
  // feature: regress (y − z_last·Δ) on (z_i − z_last) for the m − 1 others.
  const p = m - 1;
  const A = new Float64Array(p * p);
  const rhs = new Float64Array(p * K);
  const e = new Float64Array(p);
  const delta = out.map((v, k) => v - base[k]);
  for (let s = 0; s < count; s++) {
    const w = weights[s];
    const last = masks[s * m + p];
    for (let i = 0; i < p; i++) e[i] = masks[s * m + i] - last;
    for (let i = 0; i < p; i++) {
      if (e[i] === 0) continue;
      const we = w * e[i];
      for (let j = 0; j < p; j++) A[i * p + j] += we * e[j];
      for (let k = 0; k < K; k++) rhs[i * K + k] += we * (applyLink(link, ey[s * K + k]) - base[k] - last * delta[k]);
    }
  }
  const phi = solveSymmetric(A, rhs, p, K);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let i = 0; i < p; i++) {
      values[varying[i] * K + k] = phi[i * K + k];
      sum += phi[i * K + k];
    }
    values[varying[p] * K + k] = delta[k] - sum;
  }
  const attribution = result(count);
  const scale = Math.max(1, ...Array.from(out, Math.abs), ...Array.from(base, Math.abs));
  if (!(attribution.additivityError <= 1e-6 * scale)) {
    throw new PuenteError('INTERNAL_ERROR', `Kernel SHAP values do not add up to the prediction (error ${attribution.additivityError}); the model's outputs may not be finite.`);
  }
  return attribution;
}

function autoSamplesCap(m: number): number {
  return m > 30 ? 2 ** 30 : 2 ** m - 2;
}

function splitRows(y: Float64Array, K: number): [Float64Array, Float64Array] {
  return [y.slice(0, K), y.slice(K, 2 * K)];
}

function additivity(values: Float64Array, base: Float64Array, out: Float64Array, M: number, K: number): number {
  let worst = 0;
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let j = 0; j < M; j++) sum += values[j * K + k];
    worst = Math.max(worst, Math.abs(sum - (out[k] - base[k])));
  }
  return worst;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * The coalitions and their kernel weights, as shap's KernelExplainer picks them for m features
 * and a budget of nsamples. Masks are count × m, row-major.
 */
export function chooseCoalitions(m: number, nsamples: number, rng: Rng): { masks: Uint8Array; weights: Float64Array; count: number } {
  const masks = new Uint8Array(nsamples * m);
  const weights = new Float64Array(nsamples);
  const seen = new Map<string, number>();
  let count = 0;
  const add = (mask: Uint8Array, w: number): boolean => {
    const key = mask.join('');
    const at = seen.get(key);
    if (at !== undefined) {
      weights[at] += w;
      return false;
    }
    masks.set(mask, count * m);
    weights[count] = w;
    seen.set(key, count);
    count++;
    return true;
  };

  const sizes = Math.ceil((m - 1) / 2);
  const pairedSizes = Math.floor((m - 1) / 2);
  const kernel = new Float64Array(sizes);
  for (let s = 1; s <= sizes; s++) kernel[s - 1] = (m - 1) / (s * (m - s));
  // The middle size of an even m is its own complement: half the weight.
  if (sizes !== pairedSizes) kernel[sizes - 1] /= 2;
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) kernel[i] /= total;

  // Enumerate whole sizes while the budget covers them.
  let fullSizes = 0;
  let left = nsamples;
  const remaining = Float64Array.from(kernel);
  const mask = new Uint8Array(m);
  for (let s = 1; s <= sizes; s++) {
    let subsets = binomial(m, s);
    if (s <= pairedSizes) subsets *= 2;
    if (!((left * remaining[s - 1]) / subsets >= 1 - 1e-8)) break;
    fullSizes++;
    left -= subsets;
    if (remaining[s - 1] < 1) {
      const scale = 1 - remaining[s - 1];
      for (let i = 0; i < sizes; i++) remaining[i] /= scale;
    }
    let w = kernel[s - 1] / binomial(m, s);
    if (s <= pairedSizes) w /= 2;
    forEachSubset(m, s, (members) => {
      mask.fill(0);
      for (const i of members) mask[i] = 1;
      add(mask, w);
      if (s <= pairedSizes) {
        for (let i = 0; i < m; i++) mask[i] = 1 - mask[i];
        add(mask, w);
      }
    });
  }

  // Draw the rest: a size from the leftover kernel, then a random coalition of that size and its
  // complement; a repeated draw adds weight 1 to the coalition already chosen.
  const enumerated = count;
  if (fullSizes !== sizes && left > 0) {
    // A paired size yields two coalitions per draw, so it is drawn half as often.
    const rest = Float64Array.from(kernel.slice(fullSizes), (w, i) => (i + fullSizes + 1 <= pairedSizes ? w / 2 : w));
    const restTotal = rest.reduce((a, b) => a + b, 0);
    const cumulative = new Float64Array(rest.length);
    let acc = 0;
    for (let i = 0; i < rest.length; i++) cumulative[i] = acc += rest[i] / restTotal;
    const order = Int32Array.from({ length: m }, (_, i) => i);
    let draws = 4 * left;
    while (left > 0 && draws-- > 0) {
      const u = rng();
      let i = 0;
      while (i < cumulative.length - 1 && u >= cumulative[i]) i++;
      const s = i + fullSizes + 1;
      // Partial Fisher–Yates: the first s of a random permutation.
      for (let a = 0; a < s; a++) {
        const b = a + Math.floor(rng() * (m - a));
        const t = order[a];
        order[a] = order[b];
        order[b] = t;
      }
      mask.fill(0);
      for (let a = 0; a < s; a++) mask[order[a]] = 1;
      if (add(mask, 1)) left--;
      if (left > 0 && s <= pairedSizes) {
        for (let a = 0; a < m; a++) mask[a] = 1 - mask[a];
        if (add(mask, 1)) left--;
      }
    }
    // The drawn coalitions share the kernel weight their sizes have left.
    const weightLeft = kernel.slice(fullSizes).reduce((a, b) => a + b, 0);
    let drawn = 0;
    for (let i = enumerated; i < count; i++) drawn += weights[i];
    if (drawn > 0) for (let i = enumerated; i < count; i++) weights[i] *= weightLeft / drawn;
  }
  return { masks: masks.subarray(0, count * m), weights: weights.subarray(0, count), count };
}

/** Calls fn with every s-subset of 0 … m−1 (the same array, refilled), in lexicographic order. */
function forEachSubset(m: number, s: number, fn: (members: Int32Array) => void): void {
  const c = Int32Array.from({ length: s }, (_, i) => i);
  for (;;) {
    fn(c);
    let i = s - 1;
    while (i >= 0 && c[i] === m - s + i) i--;
    if (i < 0) return;
    c[i]++;
    for (let j = i + 1; j < s; j++) c[j] = c[j - 1] + 1;
  }
}

/**
 * Solves A·X = B for symmetric positive semi-definite A (p × p) and K right-hand sides, by
 * Cholesky; a singular A (features that never vary independently in the sampled coalitions)
 * gets a ridge of 1e-10 of its trace, which picks the minimum-norm-like solution.
 */
function solveSymmetric(A: Float64Array, B: Float64Array, p: number, K: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < p; i++) trace += A[i * p + i];
  for (const ridge of [0, 1e-12, 1e-10, 1e-8]) {
    const L = cholesky(A, p, ridge * Math.max(trace, 1e-300));
    if (!L) continue;
    const X = new Float64Array(p * K);
    for (let k = 0; k < K; k++) {
      const y = new Float64Array(p);
      for (let i = 0; i < p; i++) {
        let s = B[i * K + k];
        for (let j = 0; j < i; j++) s -= L[i * p + j] * y[j];
        y[i] = s / L[i * p + i];
      }
      for (let i = p - 1; i >= 0; i--) {
        let s = y[i];
        for (let j = i + 1; j < p; j++) s -= L[j * p + i] * X[j * K + k];
        X[i * K + k] = s / L[i * p + i];
      }
    }
    return X;
  }
  throw new PuenteError('INTERNAL_ERROR', 'Kernel SHAP could not solve its regression; try more samples (nsamples).');
}

function cholesky(A: Float64Array, p: number, ridge: number): Float64Array | null {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 1e-14 * Math.max(1, A[i * p + i]))) return null;
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  }
  return L;
}
