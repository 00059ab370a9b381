import { RECORD_WORDS, writeKernelTable, type XgboostForest } from './forest.js';
import { fillRowBlock, type XgboostRows } from './rows.js';

/** Adds the leaf values of every tree to the margins of rows; the caller initialises margins. */
export interface ForestEngine {
  readonly kind: 'wasm' | 'js';
  /** margins: n × numGroups, already holding the base margins; trees are added in model order. */
  accumulate(rows: XgboostRows, n: number, margins: Float32Array): void;
}

/** Rows per block: their doubled copy stays within about 256 KiB, cache-sized. */
export function blockRowsFor(numFeatures: number): number {
  return Math.max(1, Math.min(256, Math.floor((1 << 18) / (8 * Math.max(1, numFeatures)))));
}

/**
 * The JavaScript kernel: the same table and walk as the WebAssembly one, used where WebAssembly
 * is not available. Trees are the outer loop so one tree's records stay in cache while a block of
 * rows walks it; four rows walk together so their loads overlap.
 */
export class JsForestEngine implements ForestEngine {
  readonly kind = 'js';
  readonly #ints: Int32Array;
  readonly #floats: Float32Array;
  readonly #roots: Int32Array;
  readonly #depths: Int32Array;
  readonly #groups: Int32Array;
  readonly #numFeatures: number;
  readonly #numGroups: number;
  readonly #blockRows: number;
  readonly #xs: Float32Array;

  constructor(forest: XgboostForest) {
    const buffer = new ArrayBuffer(forest.numNodes * RECORD_WORDS * 4);
    this.#ints = new Int32Array(buffer);
    this.#floats = new Float32Array(buffer);
    this.#roots = writeKernelTable(forest, { ints: this.#ints, floats: this.#floats, start: 0, scale: 1 });
    this.#depths = forest.treeDepths;
    this.#groups = forest.treeGroups;
    this.#numFeatures = forest.numFeatures;
    this.#numGroups = forest.numGroups;
    this.#blockRows = blockRowsFor(forest.numFeatures);
    this.#xs = new Float32Array(this.#blockRows * 2 * forest.numFeatures);
  }

  accumulate(rows: XgboostRows, n: number, margins: Float32Array): void {
    for (let first = 0; first < n; first += this.#blockRows) {
      const count = Math.min(this.#blockRows, n - first);
      fillRowBlock(rows, this.#numFeatures, first, count, this.#xs);
      this.#walk(count, margins, first * this.#numGroups);
    }
  }

  #walk(count: number, out: Float32Array, outStart: number): void {
    const nodes = this.#ints;
    const values = this.#floats;
    const xs = this.#xs;
    const stride = 2 * this.#numFeatures;
    const K = this.#numGroups;
    const numTrees = this.#roots.length;
    for (let t = 0; t < numTrees; t++) {
      const root = this.#roots[t];
      const depth = this.#depths[t];
      let o = outStart + this.#groups[t];
      let r = 0;
      // `+(a >= b)` turns the comparison into 0/1 without a branch.
      for (; r + 4 <= count; r += 4) {
        const x0 = r * stride;
        const x1 = x0 + stride;
        const x2 = x1 + stride;
        const x3 = x2 + stride;
        let n0 = root;
        let n1 = root;
        let n2 = root;
        let n3 = root;
        for (let d = 0; d < depth; d++) {
          n0 = nodes[n0 + +(xs[x0 + nodes[n0 + 2]] >= values[n0 + 3])];
          n1 = nodes[n1 + +(xs[x1 + nodes[n1 + 2]] >= values[n1 + 3])];
          n2 = nodes[n2 + +(xs[x2 + nodes[n2 + 2]] >= values[n2 + 3])];
          n3 = nodes[n3 + +(xs[x3 + nodes[n3 + 2]] >= values[n3 + 3])];
        }
        // Float32Array stores round each sum to float32, as XGBoost's float accumulation.
        out[o] += values[n0 + 3];
        out[o + K] += values[n1 + 3];
        out[o + 2 * K] += values[n2 + 3];
        out[o + 3 * K] += values[n3 + 3];
        o += 4 * K;
      }
      for (; r < count; r++) {
        const x0 = r * stride;
        let n0 = root;
        for (let d = 0; d < depth; d++) n0 = nodes[n0 + +(xs[x0 + nodes[n0 + 2]] >= values[n0 + 3])];
        out[o] += values[n0 + 3];
        o += K;
      }
    }
  }
}

/**
 * gblinear: each margin gains its group's bias plus weight × value for every present feature.
 * A missing value contributes nothing, as in XGBoost (its linear booster reads rows as sparse).
 */
export class LinearEngine implements ForestEngine {
  readonly kind = 'js';
  readonly #weights: Float32Array;
  readonly #numFeatures: number;
  readonly #numGroups: number;
  readonly #row: Float32Array;

  constructor(weights: Float32Array, numFeatures: number, numGroups: number) {
    this.#weights = weights;
    this.#numFeatures = numFeatures;
    this.#numGroups = numGroups;
    this.#row = new Float32Array(2 * numFeatures);
  }

  accumulate(rows: XgboostRows, n: number, margins: Float32Array): void {
    const F = this.#numFeatures;
    const G = this.#numGroups;
    const w = this.#weights;
    for (let r = 0; r < n; r++) {
      fillRowBlock(rows, F, r, 1, this.#row);
      for (let g = 0; g < G; g++) {
        let sum = w[F * G + g]!;
        for (let f = 0; f < F; f++) {
          const x = this.#row[f]!;
          if (x === x) sum += w[f * G + g]! * x;
        }
        margins[r * G + g] = Math.fround(margins[r * G + g]! + sum);
      }
    }
  }
}
