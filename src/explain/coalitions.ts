import { InvalidParameterError } from '../errors/index.js';

/**
 * A model seen as a function of coalitions: which of its M features take the explained row's
 * value (mask 1) and which take a background row's (mask 0), the output averaged over the
 * weighted background. Kernel SHAP and the permutation explainer only need this.
 */
export interface CoalitionModel {
  /** Players (features or input columns). */
  readonly numFeatures: number;
  /** Outputs per prediction (1, or one per class). */
  readonly numOutputs: number;
  /** Rows of background behind every coalition (a model call costs this many rows). */
  readonly backgroundRows: number;
  /** Feature j can matter: some background row differs from the explained row on it. */
  varies(j: number): boolean;
  /** For n masks (n × M, row-major), the background-weighted mean output of each: n × K values. */
  evaluate(masks: Uint8Array, n: number): Promise<Float64Array>;
}

/** Predicts a row-major float32 matrix: n × K outputs. */
export type MatrixPredict = (matrix: Float32Array, nRows: number) => Float64Array | Promise<Float64Array>;

/** Predicts records: n × K outputs. */
export type RecordPredict = (records: Record<string, unknown>[]) => Float64Array | Promise<Float64Array>;

/** Model rows per predict call while evaluating coalitions (bounds memory, not results). */
const CHUNK_ROWS = 16_384;

/**
 * Lets other work of the process run between chunks: explanations cost many model calls, and a
 * server must keep answering predictions meanwhile.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function normalised(weights: ArrayLike<number> | undefined, n: number): Float64Array {
  if (n === 0) throw new InvalidParameterError('The background has no rows; send at least one background row.', 'background');
  const w = weights ? Float64Array.from(weights) : new Float64Array(n).fill(1);
  if (w.length !== n) throw new InvalidParameterError(`${w.length} background weights for ${n} background rows.`, 'background');
  let total = 0;
  for (const x of w) {
    if (!(x >= 0) || !Number.isFinite(x)) throw new InvalidParameterError('Background weights must be finite and not negative.', 'background');
    total += x;
  }
  if (!(total > 0)) throw new InvalidParameterError('Background weights add up to zero.', 'background');
  for (let i = 0; i < n; i++) w[i] /= total;
  return w;
}

function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/**
 * Coalitions over a float32 matrix model: feature j of the coalition is the set of matrix
 * columns c with groupOf[c] = j (the identity when omitted), so one-hot indicators of one input
 * column come and go together.
 */
export function matrixCoalitions(options: {
  readonly predict: MatrixPredict;
  readonly row: Float32Array;
  readonly background: Float32Array;
  readonly backgroundWeights?: ArrayLike<number>;
  readonly numOutputs: number;
  readonly groupOf?: Int32Array;
}): CoalitionModel {
  const { predict, row, background, numOutputs: K } = options;
  const D = row.length;
  if (D === 0 || background.length % D !== 0) {
    throw new InvalidParameterError(`The background must have ${D} columns per row, like the explained row.`, 'background');
  }
  const B = background.length / D;
  const weights = normalised(options.backgroundWeights, B);
  const groupOf = options.groupOf ?? Int32Array.from({ length: D }, (_, i) => i);
  if (groupOf.length !== D) throw new InvalidParameterError(`groupOf has ${groupOf.length} entries for ${D} columns.`, 'groups');
  let M = 0;
  for (const g of groupOf) M = Math.max(M, g + 1);
  const varying = new Uint8Array(M);
  for (let b = 0; b < B; b++) for (let c = 0; c < D; c++) if (!sameValue(background[b * D + c], row[c])) varying[groupOf[c]] = 1;

  return {
    numFeatures: M,
    numOutputs: K,
    backgroundRows: B,
    varies: (j) => varying[j] === 1,
    async evaluate(masks, n) {
      const out = new Float64Array(n * K);
      const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / B));
      const synth = new Float32Array(Math.min(n, perChunk) * B * D);
      for (let first = 0; first < n; first += perChunk) {
        const count = Math.min(perChunk, n - first);
        for (let s = 0; s < count; s++) {
          const mask = (first + s) * M;
          for (let b = 0; b < B; b++) {
            const at = (s * B + b) * D;
            for (let c = 0; c < D; c++) synth[at + c] = masks[mask + groupOf[c]] ? row[c] : background[b * D + c];
          }
        }
        if (first > 0) await yieldToEventLoop();
        addWeightedMeans(out, first, count, await predict(synth.subarray(0, count * B * D), count * B), weights, K);
      }
      return out;
    },
  };
}

/**
 * Coalitions over named input columns of records: a synthetic record takes the explained
 * record's value of every column in the coalition and the background record's value of the
 * others. Works with any model that takes records, whatever its preprocessing.
 */
export function recordCoalitions(options: {
  readonly predict: RecordPredict;
  readonly row: Record<string, unknown>;
  readonly background: readonly Record<string, unknown>[];
  readonly backgroundWeights?: ArrayLike<number>;
  readonly numOutputs: number;
  readonly columns: readonly string[];
}): CoalitionModel {
  const { predict, row, background, columns, numOutputs: K } = options;
  const B = background.length;
  const weights = normalised(options.backgroundWeights, B);
  const M = columns.length;
  const same = (a: unknown, b: unknown) => a === b || ((a === null || a === undefined) && (b === null || b === undefined)) || (typeof a === 'number' && typeof b === 'number' && sameValue(a, b));
  const varying = Uint8Array.from(columns, (c) => (background.some((b) => !same(b[c], row[c])) ? 1 : 0));

  return {
    numFeatures: M,
    numOutputs: K,
    backgroundRows: B,
    varies: (j) => varying[j] === 1,
    async evaluate(masks, n) {
      const out = new Float64Array(n * K);
      const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / B));
      for (let first = 0; first < n; first += perChunk) {
        const count = Math.min(perChunk, n - first);
        const records: Record<string, unknown>[] = new Array(count * B);
        for (let s = 0; s < count; s++) {
          const mask = (first + s) * M;
          for (let b = 0; b < B; b++) {
            const record: Record<string, unknown> = {};
            const from = background[b];
            for (let j = 0; j < M; j++) {
              const c = columns[j];
              record[c] = masks[mask + j] ? row[c] : from[c];
            }
            records[s * B + b] = record;
          }
        }
        if (first > 0) await yieldToEventLoop();
        addWeightedMeans(out, first, count, await predict(records), weights, K);
      }
      return out;
    },
  };
}

/**
 * Adds to `out` (coalition × output) the background-weighted mean of the model's outputs for
 * `count` coalitions starting at `first`, given as count × B rows of K outputs.
 */
function addWeightedMeans(out: Float64Array, first: number, count: number, y: ArrayLike<number>, weights: ArrayLike<number>, K: number): void {
  const B = weights.length;
  if (y.length !== count * B * K) throw new InvalidParameterError(`The model gave ${y.length} outputs for ${count * B} rows; expected ${K} per row.`, 'model');
  for (let s = 0; s < count; s++) {
    for (let b = 0; b < B; b++) {
      const w = weights[b]!;
      for (let k = 0; k < K; k++) out[(first + s) * K + k] += w * y[(s * B + b) * K + k]!;
    }
  }
}
