import { InvalidParameterError } from '../../errors/index.js';

/** One tree as read from the model file: parallel arrays indexed by XGBoost's node id. */
export interface SourceTree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  /** split_conditions: the threshold of an inner node, the value of a leaf. */
  readonly condition: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly cover: Float32Array | undefined;
  /** Output group (class or target) the tree adds to. */
  readonly group: number;
  /** DART tree weight (1 for gbtree). */
  readonly weight: number;
}

/**
 * All trees of a model in flat arrays. Nodes are renumbered breadth-first per tree (root first),
 * trees follow each other in model order; nodes XGBoost's pruner left unreachable are dropped.
 * Node i of tree t lies in [treeOffsets[t], treeOffsets[t + 1]).
 */
export interface XgboostForest {
  readonly numTrees: number;
  readonly numNodes: number;
  readonly numFeatures: number;
  /** Margins per row: classes, targets, or 1. */
  readonly numGroups: number;
  readonly treeOffsets: Int32Array;
  readonly treeGroups: Int32Array;
  /** Edges on the longest root-to-leaf path of each tree. */
  readonly treeDepths: Int32Array;
  /** Global index of the left child; -1 at a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Split feature; -1 at a leaf. */
  readonly feature: Int32Array;
  /** Split threshold (float32): a present value x goes left iff x < threshold. 0 at a leaf. */
  readonly threshold: Float32Array;
  /** 1 when a missing value (NaN) goes left. */
  readonly defaultLeft: Uint8Array;
  /** Leaf output, times the DART weight of the tree; 0 at an inner node. */
  readonly leafValue: Float32Array;
  /** sum_hessian of each node (Tree SHAP's cover); zeros when the file has none. */
  readonly cover: Float32Array;
}

/** Renumbers and validates the trees; `label` names the model in error messages. */
export function compileForest(trees: readonly SourceTree[], numFeatures: number, numGroups: number, label: string): XgboostForest {
  let capacity = 0;
  for (const t of trees) capacity += t.left.length;
  const left = new Int32Array(capacity);
  const right = new Int32Array(capacity);
  const feature = new Int32Array(capacity);
  const threshold = new Float32Array(capacity);
  const defaultLeft = new Uint8Array(capacity);
  const leafValue = new Float32Array(capacity);
  const cover = new Float32Array(capacity);
  const treeOffsets = new Int32Array(trees.length + 1);
  const treeGroups = new Int32Array(trees.length);
  const treeDepths = new Int32Array(trees.length);

  let next = 0;
  for (let t = 0; t < trees.length; t++) {
    const tree = trees[t];
    const n = tree.left.length;
    const where = (detail: string) => new InvalidParameterError(`${label}: tree ${t} ${detail}.`, 'model');
    if (n === 0) throw where('has no nodes');
    if (!(tree.group >= 0 && tree.group < numGroups)) {
      throw where(`adds to output group ${tree.group}, but the model has ${numGroups} (tree_info is inconsistent with num_class/num_target)`);
    }
    treeOffsets[t] = next;
    treeGroups[t] = tree.group;
    // Breadth-first from the root; `order[q]` is the source id of new node `base + q`.
    const base = next;
    const newId = new Int32Array(n).fill(-1);
    const depth = new Int32Array(n);
    const order: number[] = [0];
    newId[0] = base;
    let maxDepth = 0;
    for (let q = 0; q < order.length; q++) {
      const src = order[q];
      const id = base + q;
      const l = tree.left[src];
      const r = tree.right[src];
      if (tree.cover) cover[id] = tree.cover[src];
      if (l === -1) {
        if (r !== -1) throw where(`node ${src} has a right child but no left child`);
        left[id] = -1;
        right[id] = -1;
        feature[id] = -1;
        leafValue[id] = Math.fround(tree.condition[src] * tree.weight);
        continue;
      }
      for (const child of [l, r]) {
        if (!(child > 0 && child < n)) throw where(`node ${src} points to child ${child}, outside the tree's ${n} nodes`);
        if (newId[child] !== -1) throw where(`reaches node ${child} twice: it is not a tree`);
        newId[child] = base + order.length;
        depth[child] = depth[src] + 1;
        if (depth[child] > maxDepth) maxDepth = depth[child];
        order.push(child);
      }
      const f = tree.feature[src];
      if (!(f >= 0 && f < numFeatures)) {
        throw where(`node ${src} splits on feature ${f}, but the model has ${numFeatures} features`);
      }
      left[id] = newId[l];
      right[id] = newId[r];
      feature[id] = f;
      threshold[id] = tree.condition[src];
      defaultLeft[id] = tree.defaultLeft[src] ? 1 : 0;
    }
    next += order.length;
    treeDepths[t] = maxDepth;
  }
  treeOffsets[trees.length] = next;
  return {
    numTrees: trees.length,
    numNodes: next,
    numFeatures,
    numGroups,
    treeOffsets,
    treeGroups,
    treeDepths,
    left: left.slice(0, next),
    right: right.slice(0, next),
    feature: feature.slice(0, next),
    threshold: threshold.slice(0, next),
    defaultLeft: defaultLeft.slice(0, next),
    leafValue: leafValue.slice(0, next),
    cover: cover.slice(0, next),
  };
}

/*
 * Kernel table: what the prediction kernels walk. Each node is a record of 4 x 32 bits
 *   [0] next node when the test is false   [1] next node when the test is true
 *   [2] column of the test                 [3] float32 threshold, or the value at a leaf
 * and the step is `node = record[(xs[column] >= threshold) ? 1 : 0]`, with no branch. A leaf
 * points to itself twice, so walking a tree for exactly its depth always ends on the right leaf.
 *
 * The kernels see each row twice, as [x_0 … x_F-1, -x_0 … -x_F-1], which lets one comparison
 * handle both missing-value directions (NaN fails every comparison):
 *   default left:  column f,     threshold t,            false → left,  true → right.
 *     x >= t is XGBoost's "not x < t"; NaN fails the test and goes left.
 *   default right: column F + f, threshold nextUp32(-t), false → right, true → left.
 *     For float32 x, -x >= nextUp32(-t) ⟺ -x > -t ⟺ x < t; NaN fails and goes right.
 */

/** Words per node record. */
export const RECORD_WORDS = 4;

export interface KernelTableTarget {
  /** Int32 and Float32 views of the same memory; records start at index `start`. */
  readonly ints: Int32Array;
  readonly floats: Float32Array;
  readonly start: number;
  /**
   * Scale of node references and columns: 1 for typed-array indices (node i at RECORD_WORDS * i,
   * column c at c), 4 for byte addresses in memory starting at byte 0.
   */
  readonly scale: 1 | 4;
}

/** Writes the kernel records of `forest`; returns, per tree, the reference of its root. */
export function writeKernelTable(forest: XgboostForest, target: KernelTableTarget): Int32Array {
  const { ints, floats, start, scale } = target;
  const F = forest.numFeatures;
  const ref = (node: number) => (start + node * RECORD_WORDS) * scale;
  for (let i = 0; i < forest.numNodes; i++) {
    const at = start + i * RECORD_WORDS;
    if (forest.left[i] === -1) {
      ints[at] = ref(i);
      ints[at + 1] = ref(i);
      ints[at + 2] = 0;
      floats[at + 3] = forest.leafValue[i];
      continue;
    }
    const t = forest.threshold[i];
    const l = ref(forest.left[i]);
    const r = ref(forest.right[i]);
    const f = forest.feature[i];
    if (Number.isNaN(t)) {
      // x < NaN is false: every present value goes right; only a missing one may go left.
      ints[at] = forest.defaultLeft[i] ? l : r;
      ints[at + 1] = r;
      ints[at + 2] = (F + f) * scale;
      floats[at + 3] = Number.NEGATIVE_INFINITY; // -x >= -inf holds for every present x
    } else if (forest.defaultLeft[i]) {
      ints[at] = l;
      ints[at + 1] = r;
      ints[at + 2] = f * scale;
      floats[at + 3] = t;
    } else {
      ints[at] = r;
      ints[at + 1] = l;
      ints[at + 2] = (F + f) * scale;
      // t = -inf: x < -inf never holds, so the test must never pass: NaN fails every comparison.
      floats[at + 3] = t === Number.NEGATIVE_INFINITY ? Number.NaN : nextUp32(-t);
    }
  }
  const roots = new Int32Array(forest.numTrees);
  for (let t = 0; t < forest.numTrees; t++) roots[t] = ref(forest.treeOffsets[t]);
  return roots;
}

const bits = new Float32Array(1);
const bitsInt = new Int32Array(bits.buffer);

/** The smallest float32 greater than the float32 `v` (v finite or -inf). */
export function nextUp32(v: number): number {
  if (v === 0) return 2 ** -149; // from either zero to the smallest subnormal
  bits[0] = v;
  bitsInt[0] += v > 0 ? 1 : -1;
  return bits[0];
}
