import { PuenteError } from '../errors/index.js';
import type { XgboostForest } from '../runtimes/xgboost/index.js';

/*
 * Exact path-dependent Tree SHAP (Lundberg et al. 2018) for the compiled trees of an XGBoost
 * model, with node covers (sum_hessian) as weights: what XGBoost's predict(pred_contribs=True)
 * computes.
 *
 * A leaf depends on the row only through one bit per distinct feature on its path: whether the
 * row follows every edge on that feature ("satisfied", o_k = 1). With d distinct features, the
 * leaf's contribution to feature k is
 *
 *   v · (o_k − z_k) · Σ_s w(s, d) · c_s^(k),   w(s, d) = s! (d − 1 − s)! / d!,
 *
 * with z_k the product of the cover fractions of the path's edges on feature k and c^(k) the
 * coefficients of Π_{j ≠ k} (z_j + o_j·t). As in Fast TreeSHAP v2 (Yang 2021), the 2^d bit
 * patterns of every leaf are enumerated once, when the explainer is built; a row then costs one
 * comparison per inner node (to get every leaf's pattern) and a table lookup plus d additions
 * per leaf — O(L·d) per tree instead of the original O(L·d²). Trees whose tables do not fit the
 * memory budget evaluate the formula per row instead (O(L·d²)). Nothing is allocated per row.
 */

/** The most distinct features on one path for which a 2^d table is built. */
const MAX_TABLE_DEPTH = 16;
/** Patterns are 31-bit masks: one bit per distinct feature on a path. */
const MAX_PATH_FEATURES = 30;
/** Rows explained together, tree by tree, so one tree's table stays in cache. */
const ROW_BLOCK = 256;
/** Int32 words per inner node: self, column, yes child, no child, yes bit, no bit. */
const INNER = 6;
/** Int32 words per leaf: node, distinct features d, first table entry, first path entry. */
const LEAF = 4;

export interface TreeShapOptions {
  /**
   * Most float32 table entries to precompute (4 bytes each); trees beyond the budget use the
   * per-row formula. Default 2^24 (64 MiB).
   */
  readonly maxTableEntries?: number;
}

/**
 * SHAP values of tree-ensemble margins, laid out as XGBoost's pred_contribs: per row and output
 * group, one value per model feature, then the bias (the expected margin).
 */
export class TreeShapExplainer {
  readonly numFeatures: number;
  readonly numGroups: number;
  /** Expected margin per output group: base margin plus each tree's cover-weighted mean leaf value. */
  readonly expectedValues: Float64Array;
  /** How many trees are explained through precomputed tables, and how many by the per-row formula. */
  readonly tableTrees: number;
  readonly formulaTrees: number;

  readonly #numTrees: number;
  readonly #treeGroup: Int32Array;
  readonly #treeUsesTable: Uint8Array;
  /*
   * Inner nodes, tree after tree. Each is one test on the row seen as [x, −x, 0] (2F + 1
   * values): `xs[column] >= threshold` picks the `yes` child, else `no` (node indices local to
   * the tree, parents before children). NaN fails every test, so column and sign are chosen to
   * send a missing value the default way. A child's bit is the position, on its path, of the
   * feature its parent tests: the child the row does not go to gets it in its pattern.
   */
  readonly #innerStart: Int32Array;
  readonly #inner: Int32Array;
  readonly #innerThreshold: Float32Array;
  /** Leaves, tree after tree (see LEAF), and their distinct path features and cover fractions. */
  readonly #leafStart: Int32Array;
  readonly #leaves: Int32Array;
  readonly #leafValue: Float64Array;
  readonly #pathFeature: Int32Array;
  readonly #pathZero: Float64Array;
  /** Per table leaf and pattern u: the contribution of each of its d path features, at first + u·d. */
  readonly #table: Float32Array;
  readonly #weights: Float64Array[];
  // Scratch, sized once.
  readonly #xs: Float32Array;
  readonly #mask: Int32Array;
  readonly #poly: Float64Array;
  readonly #contributions: Float64Array;

  constructor(forest: XgboostForest, baseMargins: readonly number[], options: TreeShapOptions = {}) {
    const { numTrees, numNodes, numFeatures: F, left, right, feature, threshold, defaultLeft, cover, leafValue, treeOffsets } = forest;
    if (numTrees === 0) {
      throw new PuenteError('INVALID_PARAMETER_VALUE', 'This model has no trees (a linear booster), so Tree SHAP does not apply; explain it with method kernel or permutation.');
    }
    if (baseMargins.length !== forest.numGroups) {
      throw new PuenteError('INVALID_PARAMETER_VALUE', `${baseMargins.length} base margins for ${forest.numGroups} output groups.`);
    }
    for (let t = 0; t < numTrees; t++) {
      if (!(cover[treeOffsets[t]] > 0)) {
        throw new PuenteError(
          'INVALID_PARAMETER_VALUE',
          `Tree ${t} of this model carries no node covers (sum_hessian), which exact Tree SHAP needs; save the model with XGBoost's save_model (JSON or UBJSON), or explain it with method kernel or permutation.`,
        );
      }
    }
    this.numFeatures = F;
    this.numGroups = forest.numGroups;
    this.#numTrees = numTrees;
    this.#treeGroup = forest.treeGroups;

    // Cover-weighted mean leaf value per node, bottom-up, dividing by the node's own cover (not
    // the sum of its children's) as XGBoost's FillNodeMeanValues does.
    const mean = new Float64Array(numNodes);
    this.expectedValues = Float64Array.from(baseMargins);
    for (let t = 0; t < numTrees; t++) {
      for (let n = treeOffsets[t + 1] - 1; n >= treeOffsets[t]; n--) {
        if (left[n] === -1) mean[n] = leafValue[n];
        else mean[n] = cover[n] > 0 ? (cover[left[n]] * mean[left[n]] + cover[right[n]] * mean[right[n]]) / cover[n] : 0;
      }
      this.expectedValues[forest.treeGroups[t]] += mean[treeOffsets[t]];
    }

    // Distinct features on each root-to-node path (root first) with the product of the cover
    // fractions of their edges, top-down; and each child's bit.
    const bit = new Int32Array(numNodes);
    const pathFeatures: number[][] = new Array(numNodes);
    const pathZeros: number[][] = new Array(numNodes);
    let numLeaves = 0;
    let pathLength = 0;
    let maxDepth = 0;
    let maxTreeNodes = 0;
    for (let t = 0; t < numTrees; t++) {
      maxTreeNodes = Math.max(maxTreeNodes, treeOffsets[t + 1] - treeOffsets[t]);
      pathFeatures[treeOffsets[t]] = [];
      pathZeros[treeOffsets[t]] = [];
      for (let n = treeOffsets[t]; n < treeOffsets[t + 1]; n++) {
        const feats = pathFeatures[n];
        const zeros = pathZeros[n];
        if (left[n] === -1) {
          if (feats.length > MAX_PATH_FEATURES) {
            throw new PuenteError(
              'INVALID_PARAMETER_VALUE',
              `Tree ${t} has a path through ${feats.length} distinct features; exact Tree SHAP here handles at most ${MAX_PATH_FEATURES}. Explain this model with method kernel or permutation.`,
            );
          }
          numLeaves++;
          pathLength += feats.length;
          maxDepth = Math.max(maxDepth, feats.length);
          continue;
        }
        const at = feats.indexOf(feature[n]);
        for (const child of [left[n], right[n]]) {
          const fraction = cover[n] > 0 ? cover[child] / cover[n] : 0;
          if (at === -1) {
            pathFeatures[child] = [...feats, feature[n]];
            pathZeros[child] = [...zeros, fraction];
            bit[child] = 1 << feats.length;
          } else {
            const z = zeros.slice();
            z[at] *= fraction;
            pathFeatures[child] = feats;
            pathZeros[child] = z;
            bit[child] = 1 << at;
          }
        }
      }
    }

    // Leaves, and which trees get tables: each tree whose paths are short enough, while the
    // budget lasts.
    const budget = options.maxTableEntries ?? 2 ** 24;
    this.#leafStart = new Int32Array(numTrees + 1);
    this.#leaves = new Int32Array(numLeaves * LEAF);
    this.#leafValue = new Float64Array(numLeaves);
    this.#pathFeature = new Int32Array(pathLength);
    this.#pathZero = new Float64Array(pathLength);
    this.#treeUsesTable = new Uint8Array(numTrees);
    let leaf = 0;
    let path = 0;
    let entries = 0;
    let tableTrees = 0;
    for (let t = 0; t < numTrees; t++) {
      this.#leafStart[t] = leaf;
      let size = 0;
      let short = true;
      for (let n = treeOffsets[t]; n < treeOffsets[t + 1]; n++) {
        if (left[n] !== -1) continue;
        const d = pathFeatures[n].length;
        if (d > MAX_TABLE_DEPTH) short = false;
        const a = leaf * LEAF;
        this.#leaves[a] = n - treeOffsets[t];
        this.#leaves[a + 1] = d;
        this.#leaves[a + 2] = entries + size;
        this.#leaves[a + 3] = path;
        this.#leafValue[leaf] = leafValue[n];
        for (let k = 0; k < d; k++) {
          this.#pathFeature[path + k] = pathFeatures[n][k];
          this.#pathZero[path + k] = pathZeros[n][k];
        }
        path += d;
        if (d <= MAX_TABLE_DEPTH) size += d << d;
        leaf++;
      }
      if (short && entries + size <= budget) {
        this.#treeUsesTable[t] = 1;
        entries += size;
        tableTrees++;
      }
    }
    this.#leafStart[numTrees] = leaf;
    this.tableTrees = tableTrees;
    this.formulaTrees = numTrees - tableTrees;

    // Inner nodes as tests on [x, −x, 0].
    const numInner = numNodes - numLeaves;
    const inner = new Int32Array(numInner * INNER);
    const innerThreshold = new Float32Array(numInner);
    this.#innerStart = new Int32Array(numTrees + 1);
    let i = 0;
    for (let t = 0; t < numTrees; t++) {
      const root = treeOffsets[t];
      this.#innerStart[t] = i;
      for (let n = root; n < treeOffsets[t + 1]; n++) {
        if (left[n] === -1) continue;
        const th = threshold[n];
        const f = feature[n];
        let column: number;
        let test: number;
        let yesGoesRight: boolean;
        if (Number.isNaN(th) || th === Number.NEGATIVE_INFINITY) {
          // x < th never holds, so present values go right; a missing one goes the default way.
          // −x >= −inf holds for every present value; the constant 0 column for every row.
          column = defaultLeft[n] ? F + f : 2 * F;
          test = Number.NEGATIVE_INFINITY;
          yesGoesRight = true;
        } else if (defaultLeft[n]) {
          column = f; // x >= th: right; NaN fails: left
          test = th;
          yesGoesRight = true;
        } else {
          column = F + f; // for float32 x, −x >= nextUp(−th) ⟺ x < th: left; NaN fails: right
          test = nextUp32(-th);
          yesGoesRight = false;
        }
        const yes = yesGoesRight ? right[n] : left[n];
        const no = yesGoesRight ? left[n] : right[n];
        const a = i * INNER;
        inner[a] = n - root;
        inner[a + 1] = column;
        inner[a + 2] = yes - root;
        inner[a + 3] = no - root;
        inner[a + 4] = bit[yes];
        inner[a + 5] = bit[no];
        innerThreshold[i] = test;
        i++;
      }
    }
    this.#innerStart[numTrees] = i;
    this.#inner = inner;
    this.#innerThreshold = innerThreshold;

    this.#weights = Array.from({ length: maxDepth + 1 }, (_, d) => shapleyWeights(d));
    this.#xs = new Float32Array(ROW_BLOCK * (2 * F + 1));
    this.#mask = new Int32Array(maxTreeNodes);
    this.#poly = new Float64Array(2 * (maxDepth + 2));
    this.#contributions = new Float64Array(maxDepth + 1);

    // The tables.
    this.#table = new Float32Array(entries);
    const out = this.#contributions;
    for (let t = 0; t < numTrees; t++) {
      if (!this.#treeUsesTable[t]) continue;
      for (let l = this.#leafStart[t]; l < this.#leafStart[t + 1]; l++) {
        const d = this.#leaves[l * LEAF + 1];
        const first = this.#leaves[l * LEAF + 2];
        for (let u = 0; u < 1 << d; u++) {
          this.#leafContributions(l, u, out);
          for (let k = 0; k < d; k++) this.#table[first + u * d + k] = out[k];
        }
      }
    }
  }

  /**
   * Explains `nRows` rows of a row-major N × numFeatures float32 matrix (NaN = missing). Returns
   * N × numGroups × (numFeatures + 1) values: per row and group, one per feature, bias last.
   */
  explain(rows: Float32Array, nRows: number): Float64Array {
    const F = this.numFeatures;
    if (!Number.isInteger(nRows) || nRows < 0 || rows.length < nRows * F) {
      throw new PuenteError('INVALID_PARAMETER_VALUE', `Expected ${nRows} rows of ${F} values, got ${rows.length} values.`);
    }
    const G = this.numGroups;
    const width = F + 1;
    const out = new Float64Array(nRows * G * width);
    for (let r = 0; r < nRows; r++) {
      for (let g = 0; g < G; g++) out[(r * G + g) * width + F] = this.expectedValues[g];
    }
    for (let first = 0; first < nRows; first += ROW_BLOCK) {
      const n = Math.min(ROW_BLOCK, nRows - first);
      this.#fillBlock(rows, first, n);
      for (let t = 0; t < this.#numTrees; t++) this.#addTree(t, n, out, first * G * width);
    }
    return out;
  }

  /** Rows [first, first + n) as the tests read them: [x, −x, 0] per row. */
  #fillBlock(rows: Float32Array, first: number, n: number): void {
    const F = this.numFeatures;
    const stride = 2 * F + 1;
    const xs = this.#xs;
    for (let r = 0; r < n; r++) {
      const src = (first + r) * F;
      const dst = r * stride;
      for (let j = 0; j < F; j++) {
        const x = rows[src + j];
        xs[dst + j] = x;
        xs[dst + F + j] = -x;
      }
      xs[dst + 2 * F] = 0;
    }
  }

  /** Adds tree t's contributions for the n rows of the block to `out` (the block's rows from `outOffset`). */
  #addTree(t: number, n: number, out: Float64Array, outOffset: number): void {
    const stride = 2 * this.numFeatures + 1;
    const width = this.numFeatures + 1;
    const rowWidth = this.numGroups * width;
    const group = this.#treeGroup[t] * width;
    const xs = this.#xs;
    const inner = this.#inner;
    const innerThreshold = this.#innerThreshold;
    const innerFirst = this.#innerStart[t];
    const innerLast = this.#innerStart[t + 1];
    const leaves = this.#leaves;
    const leafFirst = this.#leafStart[t];
    const leafLast = this.#leafStart[t + 1];
    const pathFeature = this.#pathFeature;
    const table = this.#table;
    const mask = this.#mask;
    const useTable = this.#treeUsesTable[t] === 1;
    const contributions = this.#contributions;
    for (let r = 0; r < n; r++) {
      const x0 = r * stride;
      // Each node's pattern, without branches: the child the test does not pick gets its bit.
      mask[0] = 0;
      for (let i = innerFirst, a = innerFirst * INNER; i < innerLast; i++, a += INNER) {
        const m = mask[inner[a]];
        const yes = Number(xs[x0 + inner[a + 1]] >= innerThreshold[i]);
        mask[inner[a + 2]] = m | (inner[a + 4] & (yes - 1));
        mask[inner[a + 3]] = m | (inner[a + 5] & -yes);
      }
      const phi = outOffset + r * rowWidth + group;
      if (useTable) {
        for (let a = leafFirst * LEAF, end = leafLast * LEAF; a < end; a += LEAF) {
          const d = leaves[a + 1];
          const at = leaves[a + 2] + mask[leaves[a]] * d;
          const p = leaves[a + 3];
          for (let k = 0; k < d; k++) out[phi + pathFeature[p + k]] += table[at + k];
        }
      } else {
        for (let l = leafFirst; l < leafLast; l++) {
          const a = l * LEAF;
          this.#leafContributions(l, mask[leaves[a]], contributions);
          const p = leaves[a + 3];
          for (let k = 0, d = leaves[a + 1]; k < d; k++) out[phi + pathFeature[p + k]] += contributions[k];
        }
      }
    }
  }

  /**
   * Contributions of leaf l to its d distinct path features when the features whose bits are
   * set in `u` are unsatisfied, written to out[0..d).
   */
  #leafContributions(l: number, u: number, out: Float64Array): void {
    const d = this.#leaves[l * LEAF + 1];
    if (d === 0) return;
    const p = this.#leaves[l * LEAF + 3];
    const v = this.#leafValue[l];
    const z = this.#pathZero;
    const w = this.#weights[d];
    // C(t) = Π_j (z_j + o_j·t): coefficients in poly[0..d].
    const C = this.#poly;
    C.fill(0, 0, d + 1);
    C[0] = 1;
    for (let j = 0; j < d; j++) {
      const zj = z[p + j];
      if ((u >> j) & 1) {
        for (let s = 0; s <= j; s++) C[s] *= zj;
      } else {
        for (let s = j + 1; s > 0; s--) C[s] = C[s] * zj + C[s - 1];
        C[0] *= zj;
      }
    }
    // Unsatisfied k: c^(k) = C / z_k, times (0 − z_k): the same −v·Σ w_s·C_s for each of them.
    let unsatisfied = 0;
    for (let s = 0; s < d; s++) unsatisfied += w[s] * C[s];
    unsatisfied *= -v;
    // Satisfied k: divide C by (z_k + t) from the top down, which needs no division.
    const c = this.#poly.subarray(d + 2);
    for (let k = 0; k < d; k++) {
      if ((u >> k) & 1) {
        out[k] = unsatisfied;
        continue;
      }
      const zk = z[p + k];
      c[d - 1] = C[d];
      for (let s = d - 1; s > 0; s--) c[s - 1] = C[s] - zk * c[s];
      let sum = 0;
      for (let s = 0; s < d; s++) sum += w[s] * c[s];
      out[k] = v * (1 - zk) * sum;
    }
  }
}

/** w(s, d) = s! (d − 1 − s)! / d! for s = 0 … d − 1, by a recurrence (no factorial overflows). */
function shapleyWeights(d: number): Float64Array {
  const w = new Float64Array(Math.max(d, 1));
  if (d === 0) return w;
  w[0] = 1 / d;
  for (let s = 0; s + 1 < d; s++) w[s + 1] = (w[s] * (s + 1)) / (d - 1 - s);
  return w;
}

const bits = new Float32Array(1);
const bitsInt = new Int32Array(bits.buffer);

/** The smallest float32 above the finite float32 `v`. */
function nextUp32(v: number): number {
  if (v === 0) return 2 ** -149;
  bits[0] = v;
  bitsInt[0] += v > 0 ? 1 : -1;
  return bits[0];
}
