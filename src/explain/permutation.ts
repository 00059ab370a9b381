import { InvalidParameterError, PuenteError } from '../errors/index.js';
import { createRng, type Rng } from '../training/index.js';
import { yieldToEventLoop, type CoalitionModel, type RecordPredict } from './coalitions.js';
import { applyLink, type Link, type RowAttribution } from './kernel-shap.js';

export interface PermutationShapOptions {
  /** Model evaluations (coalitions) to spend; default 500, as shap's PermutationExplainer. */
  readonly maxEvals?: number;
  /** Permutations to walk (overrides maxEvals). */
  readonly permutations?: number;
  readonly link?: Link;
  readonly seed?: number;
}

/**
 * SHAP values by sampling feature orders, as shap's PermutationExplainer does: each random order
 * is walked forward (adding features one by one to the background) and back (removing them in
 * the same order), and each feature is credited with the change its step makes. Every walk adds
 * up to f(x) − E[f] exactly, so the average does too; more permutations only lower the variance.
 */
export async function permutationShap(model: CoalitionModel, options: PermutationShapOptions = {}): Promise<RowAttribution> {
  const M = model.numFeatures;
  const K = model.numOutputs;
  const link = options.link ?? 'identity';
  const ends = new Uint8Array(2 * M);
  ends.fill(1, M);
  const ye = await model.evaluate(ends, 2);
  const base = Float64Array.from({ length: K }, (_, k) => applyLink(link, ye[k]));
  const out = Float64Array.from({ length: K }, (_, k) => applyLink(link, ye[K + k]));
  const values = new Float64Array(M * K);
  const varying: number[] = [];
  for (let j = 0; j < M; j++) if (model.varies(j)) varying.push(j);
  const m = varying.length;
  const finish = (evaluations: number): RowAttribution => {
    let worst = 0;
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let j = 0; j < M; j++) sum += values[j * K + k];
      worst = Math.max(worst, Math.abs(sum - (out[k] - base[k])));
    }
    return { values, baseValues: base, outputs: out, evaluations, additivityError: worst };
  };
  if (m === 0) return finish(0);
  if (m === 1) {
    for (let k = 0; k < K; k++) values[varying[0] * K + k] = out[k] - base[k];
    return finish(0);
  }
  const permutations = options.permutations ?? Math.max(1, Math.floor((options.maxEvals ?? 500) / (2 * m + 1)));
  if (!Number.isInteger(permutations) || permutations < 1) throw new InvalidParameterError('permutations must be a positive integer.', 'permutations');

  // Per permutation, the m − 1 coalitions between empty and full going forward, and the m − 1
  // going back.
  const rng = createRng(options.seed ?? 0);
  const orders = new Int32Array(permutations * m);
  const steps = 2 * (m - 1);
  const masks = new Uint8Array(permutations * steps * M);
  for (let q = 0; q < permutations; q++) {
    const order = orders.subarray(q * m, (q + 1) * m);
    shuffle(order, varying, rng);
    const at = q * steps;
    const current = new Uint8Array(M);
    for (let i = 0; i < m - 1; i++) {
      current[order[i]] = 1;
      masks.set(current, (at + i) * M);
    }
    current.fill(0);
    for (const j of varying) current[j] = 1;
    for (let i = 0; i < m - 1; i++) {
      current[order[i]] = 0;
      masks.set(current, (at + m - 1 + i) * M);
    }
  }
  const y = await model.evaluate(masks, permutations * steps);

  for (let q = 0; q < permutations; q++) {
    const at = q * steps;
    for (let k = 0; k < K; k++) {
      let previous = base[k];
      for (let i = 0; i < m; i++) {
        const next = i === m - 1 ? out[k] : applyLink(link, y[(at + i) * K + k]);
        values[orders[q * m + i] * K + k] += next - previous;
        previous = next;
      }
      previous = out[k];
      for (let i = 0; i < m; i++) {
        const next = i === m - 1 ? base[k] : applyLink(link, y[(at + m - 1 + i) * K + k]);
        values[orders[q * m + i] * K + k] += previous - next;
        previous = next;
      }
    }
  }
  for (let i = 0; i < values.length; i++) values[i] /= 2 * permutations;
  const result = finish(permutations * steps);
  const scale = Math.max(1, ...Array.from(out, Math.abs), ...Array.from(base, Math.abs));
  if (!(result.additivityError <= 1e-6 * scale)) {
    throw new PuenteError('INTERNAL_ERROR', `Permutation SHAP values do not add up to the prediction (error ${result.additivityError}); the model's outputs may not be finite.`);
  }
  return result;
}

function shuffle(into: Int32Array, items: readonly number[], rng: Rng): void {
  for (let i = 0; i < items.length; i++) into[i] = items[i];
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = into[i];
    into[i] = into[j];
    into[j] = t;
  }
}

export interface PermutationImportanceOptions {
  /** Shuffles per column; default 5 (scikit-learn's n_repeats). */
  readonly repeats?: number;
  readonly seed?: number;
}

/** How much a column matters to a score: the score lost when its values are shuffled across rows. */
export interface ColumnImportance {
  readonly column: string;
  /** Mean loss of score over the repeats (positive: the model relies on the column). */
  readonly importance: number;
  readonly std: number;
  /** The score of each repeat. */
  readonly scores: readonly number[];
}

/**
 * Permutation importance (Breiman 2001; scikit-learn's permutation_importance): for each column,
 * shuffle its values across the rows, score the model again, and report the loss against the
 * unshuffled score. `score` maps the model's outputs (n × K) to one number; losses are reported
 * as positive either way (`higherIsBetter` says which way the score goes).
 */
export async function permutationImportance(
  input: {
    readonly records: readonly Record<string, unknown>[];
    readonly columns: readonly string[];
    readonly predict: RecordPredict;
    readonly score: (outputs: Float64Array) => number;
    readonly higherIsBetter: boolean;
  },
  options: PermutationImportanceOptions = {},
): Promise<{ baseline: number; importances: ColumnImportance[] }> {
  const { records, columns, predict, score, higherIsBetter } = input;
  const n = records.length;
  if (n < 2) throw new InvalidParameterError('Permutation importance needs at least 2 rows with labels.', 'data');
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 100) throw new InvalidParameterError('repeats must be an integer from 1 to 100.', 'repeats');
  const rng = createRng(options.seed ?? 0);
  const baseline = score(await predict(records as Record<string, unknown>[]));
  const order = new Int32Array(n);
  const importances: ColumnImportance[] = [];
  for (const column of columns) {
    const scores: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      await yieldToEventLoop();
      const shuffled = records.map((rec, i) => ({ ...rec, [column]: records[order[i]][column] }));
      scores.push(score(await predict(shuffled)));
    }
    const losses = scores.map((s) => (higherIsBetter ? baseline - s : s - baseline));
    const mean = losses.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    importances.push({ column, importance: mean, std, scores });
  }
  return { baseline, importances };
}
