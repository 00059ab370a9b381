import { InvalidParameterError } from '../errors/index.js';
import { createRng, type Rng } from './random.js';

/**
 * Histogram gradient-boosted trees, written as an XGBoost JSON model so the native evaluator
 * serves them and Tree SHAP explains them like any XGBoost model.
 *
 * Every present value is replaced by its bin before training; bins are cut between quantiles of
 * the training values, and each cut is a float32 threshold t chosen so that, for a float32 x,
 * `x < t` holds exactly when x's bin is at or below the cut. The evaluator's test
 * (`fround(x) < t`, missing → default direction) therefore routes every row as training did.
 * Sums of gradients are float64 and margins float32, added tree after tree as the evaluator does,
 * so the margins returned with the model are the evaluator's margins bit for bit.
 */

export type GbdtObjective = 'binary:logistic' | 'reg:squarederror';

export interface GbdtOptions {
  objective: GbdtObjective;
  /** Boosting rounds (trees). Default 100. */
  nEstimators?: number;
  /** Default 6. */
  maxDepth?: number;
  /** eta, the shrinkage of each leaf. Default 0.3 (XGBoost's). */
  learningRate?: number;
  /** Bins per feature for present values (2..65535). Default 256. */
  maxBins?: number;
  /** Smallest hessian sum a child may have. Default 1. */
  minChildWeight?: number;
  /** L2 penalty on leaf weights. Default 1. */
  lambda?: number;
  /** Smallest loss reduction a split must bring. Default 0. */
  gamma?: number;
  /** Share of rows each tree sees, drawn per row. Default 1. */
  subsample?: number;
  /** Share of features each tree may split on. Default 1. */
  colsampleBytree?: number;
  /** Seed of the sampling. Default 0. */
  seed?: number;
  /** Column names written into the model; default f0, f1, … */
  featureNames?: readonly string[];
  /** Starting prediction (output space); default the mean label. */
  baseScore?: number;
}

export interface GbdtResult {
  /** The model in XGBoost's JSON layout; write it with stringifyXgboostModel for XGBoost itself to read. */
  modelJson: XgboostModelJson;
  featureNames: string[];
  /** The model's float32 margins for the training rows, as tracked while boosting. */
  trainMargins: Float32Array;
  /** base_score as written (output space, float32). */
  baseScore: number;
}

/** The parts of XGBoost's JSON model layout this trainer writes. */
export interface XgboostModelJson {
  learner: {
    attributes: Record<string, string>;
    feature_names: string[];
    feature_types: string[];
    gradient_booster: {
      model: {
        gbtree_model_param: { num_parallel_tree: string; num_trees: string; size_leaf_vector: string };
        tree_info: number[];
        trees: XgboostTreeJson[];
      };
      name: 'gbtree';
    };
    learner_model_param: { base_score: string; boost_from_average: string; num_class: string; num_feature: string; num_target: string };
    objective: { name: GbdtObjective; reg_loss_param: { scale_pos_weight: string } };
  };
  version: number[];
}

export interface XgboostTreeJson {
  base_weights: number[];
  categories: number[];
  categories_nodes: number[];
  categories_segments: number[];
  categories_sizes: number[];
  default_left: number[];
  id: number;
  left_children: number[];
  loss_changes: number[];
  parents: number[];
  right_children: number[];
  split_conditions: number[];
  split_indices: number[];
  split_type: number[];
  sum_hessian: number[];
  tree_param: { num_deleted: string; num_feature: string; num_nodes: string; size_leaf_vector: string };
}

// The file layout is the one XGBoost 1.7 writes; XGBoost reads `version` to choose its parser.
const LAYOUT_VERSION = [1, 7, 4];
/** Gains at or below this are rounding noise (XGBoost's kRtEps). */
const MIN_GAIN = 1e-6;
const MIN_HESSIAN = 1e-16;
const NO_PARENT = 2147483647;
/** Values per histogram slot: gradient sum, hessian sum, row count. */
const SLOT = 3;

interface Settings {
  objective: GbdtObjective;
  nEstimators: number;
  maxDepth: number;
  eta: number;
  maxBins: number;
  minChildWeight: number;
  lambda: number;
  gamma: number;
  subsample: number;
  colsample: number;
  seed: number;
}

/** Trains a boosted tree ensemble on the row-major N × nFeatures matrix `X` (NaN = missing). */
export function trainGbdt(X: Float32Array, y: Float32Array, nFeatures: number, options: GbdtOptions): GbdtResult {
  const s = readOptions(options);
  const F = nFeatures;
  if (!Number.isInteger(F) || F < 1) throw new InvalidParameterError(`nFeatures must be a positive integer, got ${String(F)}.`, 'nFeatures');
  if (!(X instanceof Float32Array) || !(y instanceof Float32Array)) {
    throw new InvalidParameterError('X and y must be Float32Arrays (X row-major N × nFeatures).', 'X');
  }
  if (X.length % F !== 0) throw new InvalidParameterError(`X has ${X.length} values, not a multiple of ${F} features.`, 'X');
  const N = X.length / F;
  if (N === 0) throw new InvalidParameterError('No training rows.', 'X');
  if (y.length !== N) throw new InvalidParameterError(`X has ${N} rows but y has ${y.length} labels.`, 'y');
  for (let i = 0; i < X.length; i++) {
    if (X[i] === Infinity || X[i] === -Infinity) {
      throw new InvalidParameterError(`X row ${Math.floor(i / F)}, feature ${i % F} is infinite; use NaN for a missing value.`, 'X');
    }
  }
  for (let i = 0; i < N; i++) {
    if (!Number.isFinite(y[i])) throw new InvalidParameterError(`Label ${i} is not a finite number.`, 'y');
    if (s.objective === 'binary:logistic' && !(y[i] >= 0 && y[i] <= 1)) {
      throw new InvalidParameterError(`binary:logistic needs labels between 0 and 1; label ${i} is ${y[i]}.`, 'y');
    }
  }
  const featureNames = options.featureNames ? [...options.featureNames] : Array.from({ length: F }, (_, j) => `f${j}`);
  if (featureNames.length !== F) {
    throw new InvalidParameterError(`featureNames lists ${featureNames.length} names for ${F} features.`, 'featureNames');
  }

  let mean = 0;
  for (let i = 0; i < N; i++) mean += y[i];
  mean /= N;
  const baseScore = Math.fround(options.baseScore ?? mean);
  if (!Number.isFinite(baseScore) || (s.objective === 'binary:logistic' && !(baseScore >= 0 && baseScore <= 1))) {
    throw new InvalidParameterError(`baseScore ${String(options.baseScore)} is outside the objective's range.`, 'baseScore');
  }
  const baseMargin = marginOfBaseScore(s.objective, baseScore);

  const binning = binFeatures(X, N, F, s.maxBins);
  const rng = createRng(s.seed);
  const margins = new Float32Array(N).fill(baseMargin);
  const grad = new Float64Array(N);
  const hess = new Float64Array(N);
  const builder = new TreeBuilder(binning, N, F, s, grad, hess);
  const trees: XgboostTreeJson[] = [];

  for (let t = 0; t < s.nEstimators; t++) {
    computeGradients(s.objective, margins, y, grad, hess);
    // Columns first, then rows: the order of draws is part of what a seed reproduces.
    const features = sampleFeatures(F, s.colsample, rng);
    const rows = sampleRows(N, s.subsample, rng);
    const tree = builder.build(rows, features);
    tree.addTo(margins, binning);
    trees.push(tree.toJson(t, F));
  }

  const modelJson: XgboostModelJson = {
    learner: {
      attributes: {},
      feature_names: featureNames,
      feature_types: featureNames.map(() => 'float'),
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' },
          tree_info: trees.map(() => 0),
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: formatFloat32(baseScore),
        boost_from_average: '0',
        num_class: '0',
        num_feature: String(F),
        num_target: '1',
      },
      objective: { name: s.objective, reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [...LAYOUT_VERSION],
  };
  return { modelJson, featureNames, trainMargins: margins, baseScore };
}

function readOptions(o: GbdtOptions): Settings {
  if (o === null || typeof o !== 'object') throw new InvalidParameterError('GBDT options must be an object.', 'options');
  if (o.objective !== 'binary:logistic' && o.objective !== 'reg:squarederror') {
    throw new InvalidParameterError(`objective must be binary:logistic or reg:squarederror, got '${String(o.objective)}'.`, 'objective');
  }
  const int = (v: number | undefined, name: string, fallback: number, min: number, max: number): number => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidParameterError(`${name} must be an integer from ${min} to ${max}, got ${String(n)}.`, name);
    return n;
  };
  const num = (v: number | undefined, name: string, fallback: number, ok: (n: number) => boolean, range: string): number => {
    const n = v ?? fallback;
    if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) throw new InvalidParameterError(`${name} must be ${range}, got ${String(n)}.`, name);
    return n;
  };
  return {
    objective: o.objective,
    nEstimators: int(o.nEstimators, 'nEstimators', 100, 1, 100_000),
    maxDepth: int(o.maxDepth, 'maxDepth', 6, 1, 30),
    eta: num(o.learningRate, 'learningRate', 0.3, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    maxBins: int(o.maxBins, 'maxBins', 256, 2, 65_535),
    minChildWeight: num(o.minChildWeight, 'minChildWeight', 1, (n) => n >= 0, 'at least 0'),
    lambda: num(o.lambda, 'lambda', 1, (n) => n >= 0, 'at least 0'),
    gamma: num(o.gamma, 'gamma', 0, (n) => n >= 0, 'at least 0'),
    subsample: num(o.subsample, 'subsample', 1, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    colsample: num(o.colsampleBytree, 'colsampleBytree', 1, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    seed: int(o.seed, 'seed', 0, 0, 2 ** 32 - 1),
  };
}

// XGBoost (and our evaluator) clamps a logistic base_score into [1e-6, 1 - 1e-6] before the logit.
const LOGIT_EPS = Math.fround(1e-6);
const LOGIT_MAX = Math.fround(1 - LOGIT_EPS);

/** The float32 starting margin the evaluator derives from base_score (float32 at every step). */
function marginOfBaseScore(objective: GbdtObjective, baseScore: number): number {
  if (objective === 'reg:squarederror') return Math.fround(baseScore);
  const q = Math.min(Math.max(Math.fround(baseScore), LOGIT_EPS), LOGIT_MAX);
  return Math.fround(-Math.log(Math.fround(Math.fround(1 / q) - 1)));
}

/** A float32 value the way XGBoost writes parameters: shortest digits that read back, "1.5225E-1". */
export function formatFloat32(v: number): string {
  const f = Math.fround(v);
  if (f === 0) return '0E0';
  for (let digits = 1; digits <= 9; digits++) {
    const text = f.toExponential(digits - 1);
    if (Math.fround(Number(text)) === f) {
      const [mantissa, exponent] = text.split('e');
      return `${mantissa}E${Number(exponent)}`;
    }
  }
  return String(f); // not reached: 9 significant digits always identify a float32
}

/** Fields of a tree that XGBoost reads as floats. */
const FLOAT_FIELDS = new Set(['base_weights', 'loss_changes', 'split_conditions', 'sum_hessian']);

/**
 * The model as JSON text XGBoost itself can load. XGBoost's parser tells integers from floats by
 * their spelling and refuses an integer where it expects a float, so the float fields are written
 * as XGBoost writes them ("0E0", "6.025E2"); JSON.stringify would write 0 or 602 as integers.
 * Our evaluator reads either form.
 */
export function stringifyXgboostModel(model: XgboostModelJson): string {
  return writeJson(model, '');
}

function writeJson(v: unknown, key: string): string {
  if (Array.isArray(v)) {
    if (FLOAT_FIELDS.has(key)) return `[${v.map((x: number) => formatFloat32(x)).join(',')}]`;
    return `[${v.map((x) => writeJson(x, '')).join(',')}]`;
  }
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${writeJson(x, k)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function computeGradients(objective: GbdtObjective, margins: Float32Array, y: Float32Array, grad: Float64Array, hess: Float64Array): void {
  const n = margins.length;
  if (objective === 'binary:logistic') {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-margins[i]));
      grad[i] = p - y[i];
      hess[i] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  } else {
    for (let i = 0; i < n; i++) {
      grad[i] = margins[i] - y[i];
      hess[i] = 1;
    }
  }
}

/** Features a tree may split on, ascending; all of them when rate is 1. */
function sampleFeatures(F: number, rate: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: F }, (_, j) => j);
  if (rate >= 1) return all;
  const k = Math.max(1, Math.floor(rate * F));
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (F - i));
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.slice(0, k).sort();
}

/** Indices of the rows a tree sees, ascending: each row with probability `rate`, at least one. */
function sampleRows(N: number, rate: number, rng: Rng): Int32Array {
  if (rate >= 1) return Int32Array.from({ length: N }, (_, i) => i);
  const picked = new Int32Array(N);
  let n = 0;
  for (let i = 0; i < N; i++) if (rng() < rate) picked[n++] = i;
  if (n === 0) picked[n++] = Math.floor(rng() * N);
  return picked.slice(0, n);
}

// ---------------------------------------------------------------------------------------------
// Binning

interface Binning {
  /** Per feature, ascending float32 cuts; bin(x) = number of cuts ≤ x. */
  readonly cuts: Float32Array[];
  /** Present-value bins per feature (cuts + 1); the code nBins[f] means missing. */
  readonly nBins: Int32Array;
  /** Row-major N × F bin codes. */
  readonly codes: Uint16Array;
  /** Start of each feature's slots in a histogram (in numbers, SLOT per bin, missing last). */
  readonly slotStart: Int32Array;
  readonly histSize: number;
}

function binFeatures(X: Float32Array, N: number, F: number, maxBins: number): Binning {
  const cuts: Float32Array[] = [];
  const nBins = new Int32Array(F);
  const slotStart = new Int32Array(F);
  const codes = new Uint16Array(N * F);
  const values = new Float32Array(N);
  let size = 0;
  for (let f = 0; f < F; f++) {
    let n = 0;
    for (let r = 0; r < N; r++) {
      const v = X[r * F + f];
      if (v === v) values[n++] = v;
    }
    const sorted = values.subarray(0, n).sort();
    const c = quantileCuts(sorted, maxBins);
    cuts.push(c);
    nBins[f] = c.length + 1;
    slotStart[f] = size;
    size += (nBins[f] + 1) * SLOT;
    for (let r = 0; r < N; r++) {
      const v = X[r * F + f];
      codes[r * F + f] = v === v ? upperBound(c, v) : nBins[f];
    }
  }
  return { cuts, nBins, codes, slotStart, histSize: size };
}

/**
 * Cuts between the distinct sorted values: one between every pair when they are few, else one
 * each time the running count passes the next of maxBins equal shares (exact quantiles).
 */
function quantileCuts(sorted: Float32Array, maxBins: number): Float32Array {
  const n = sorted.length;
  const out: number[] = [];
  if (n === 0) return new Float32Array(0);
  let distinct = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const step = distinct <= maxBins ? 0 : n / maxBins;
  let target = step;
  for (let i = 1; i < n; i++) {
    if (sorted[i] === sorted[i - 1]) continue;
    // i rows lie below sorted[i].
    if (step === 0) out.push(cutBetween(sorted[i - 1], sorted[i]));
    else if (i >= target) {
      out.push(cutBetween(sorted[i - 1], sorted[i]));
      while (target <= i) target += step;
    }
  }
  return Float32Array.from(out);
}

/** A float32 t with a < t ≤ b (a < b, both float32): the rounded midpoint, or b. */
function cutBetween(a: number, b: number): number {
  const mid = Math.fround(a + (b - a) / 2);
  return mid > a ? mid : b;
}

/** Number of entries of the ascending `cuts` that are ≤ v. */
function upperBound(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Trees

interface Pending {
  id: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array | null;
}

interface Split {
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gain: number;
  GL: number;
  HL: number;
  GR: number;
  HR: number;
}

/** A built tree: XGBoost's parallel node arrays, plus the cut bin of each split for routing codes. */
class Tree {
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly parent: number[] = [];
  readonly feature: number[] = [];
  readonly bin: number[] = [];
  readonly condition: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly baseWeight: number[] = [];
  readonly cover: number[] = [];
  readonly gain: number[] = [];

  addNode(parent: number, weight: number, cover: number): number {
    this.left.push(-1);
    this.right.push(-1);
    this.parent.push(parent);
    this.feature.push(0);
    this.bin.push(-1);
    this.condition.push(0);
    this.defaultLeft.push(0);
    this.baseWeight.push(Math.fround(weight));
    this.cover.push(Math.fround(cover));
    this.gain.push(0);
    return this.left.length - 1;
  }

  /** Adds each row's leaf value to its float32 margin. */
  addTo(margins: Float32Array, binning: Binning): void {
    const { codes, nBins } = binning;
    const F = nBins.length;
    const { left, right, feature, bin, defaultLeft, condition } = this;
    for (let r = 0; r < margins.length; r++) {
      let node = 0;
      while (left[node] !== -1) {
        const f = feature[node];
        const code = codes[r * F + f];
        const goLeft = code === nBins[f] ? defaultLeft[node] === 1 : code <= bin[node];
        node = goLeft ? left[node] : right[node];
      }
      margins[r] += condition[node];
    }
  }

  toJson(id: number, numFeatures: number): XgboostTreeJson {
    const n = this.left.length;
    const zeros = () => new Array<number>(n).fill(0);
    return {
      base_weights: this.baseWeight,
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      default_left: this.defaultLeft,
      id,
      left_children: this.left,
      loss_changes: this.gain,
      parents: this.parent,
      right_children: this.right,
      split_conditions: this.condition,
      split_indices: this.feature,
      split_type: zeros(),
      sum_hessian: this.cover,
      tree_param: { num_deleted: '0', num_feature: String(numFeatures), num_nodes: String(n), size_leaf_vector: '0' },
    };
  }
}

class TreeBuilder {
  readonly #pool: Float64Array[] = [];
  readonly #rows: Int32Array;
  readonly #scratch: Int32Array;

  constructor(
    readonly binning: Binning,
    readonly N: number,
    readonly F: number,
    readonly s: Settings,
    readonly grad: Float64Array,
    readonly hess: Float64Array,
  ) {
    this.#rows = new Int32Array(N);
    this.#scratch = new Int32Array(N);
  }

  /** Grows one tree depth by depth on the given rows and features. */
  build(sample: Int32Array, features: Int32Array): Tree {
    const s = this.s;
    const rows = this.#rows;
    rows.set(sample);
    const tree = new Tree();
    const rootHist = this.#take();
    const { G, H } = this.#fillHist(rootHist, 0, sample.length);
    let level: Pending[] = [{ id: tree.addNode(NO_PARENT, this.#weight(G, H), H), start: 0, end: sample.length, depth: 0, G, H, hist: rootHist }];
    while (level.length > 0) {
      const next: Pending[] = [];
      for (const node of level) {
        const split = node.hist && node.depth < s.maxDepth ? this.#bestSplit(node, features) : null;
        if (!split) {
          tree.condition[node.id] = Math.fround(this.#weight(node.G, node.H) * s.eta);
          if (node.hist) this.#pool.push(node.hist);
          continue;
        }
        const mid = this.#partition(node, split);
        const l = tree.addNode(node.id, this.#weight(split.GL, split.HL), split.HL);
        const r = tree.addNode(node.id, this.#weight(split.GR, split.HR), split.HR);
        tree.left[node.id] = l;
        tree.right[node.id] = r;
        tree.feature[node.id] = split.feature;
        tree.bin[node.id] = split.bin;
        tree.condition[node.id] = this.binning.cuts[split.feature][split.bin];
        tree.defaultLeft[node.id] = split.defaultLeft ? 1 : 0;
        tree.gain[node.id] = Math.fround(split.gain);
        const depth = node.depth + 1;
        const leftNode: Pending = { id: l, start: node.start, end: mid, depth, G: split.GL, H: split.HL, hist: null };
        const rightNode: Pending = { id: r, start: mid, end: node.end, depth, G: split.GR, H: split.HR, hist: null };
        this.#childHistograms(node.hist!, leftNode, rightNode);
        next.push(leftNode, rightNode);
      }
      level = next;
    }
    return tree;
  }

  #weight(G: number, H: number): number {
    return -G / (H + this.s.lambda);
  }

  #take(): Float64Array {
    return this.#pool.pop() ?? new Float64Array(this.binning.histSize);
  }

  /** Histograms for children that may still split: the smaller one summed, the other by subtraction. */
  #childHistograms(parent: Float64Array, a: Pending, b: Pending): void {
    const open = (p: Pending) => p.depth < this.s.maxDepth && p.end - p.start >= 2;
    if (!open(a) && !open(b)) {
      this.#pool.push(parent);
      return;
    }
    const [small, large] = a.end - a.start <= b.end - b.start ? [a, b] : [b, a];
    const hist = this.#take();
    this.#fillHist(hist, small.start, small.end);
    if (open(small)) small.hist = hist;
    if (open(large)) {
      for (let i = 0; i < parent.length; i++) parent[i] -= hist[i];
      large.hist = parent;
    } else this.#pool.push(parent);
    if (!open(small)) this.#pool.push(hist);
  }

  /** Sums gradient, hessian and count per (feature, bin) over rows[start, end); returns the totals. */
  #fillHist(hist: Float64Array, start: number, end: number): { G: number; H: number } {
    hist.fill(0);
    const { codes, slotStart } = this.binning;
    const F = this.F;
    const rows = this.#rows;
    const grad = this.grad;
    const hess = this.hess;
    let G = 0;
    let H = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const g = grad[r];
      const h = hess[r];
      G += g;
      H += h;
      const base = r * F;
      for (let f = 0; f < F; f++) {
        const k = slotStart[f] + codes[base + f] * SLOT;
        hist[k] += g;
        hist[k + 1] += h;
        hist[k + 2] += 1;
      }
    }
    return { G, H };
  }

  /**
   * The split with the largest loss reduction G_L²/(H_L+λ) + G_R²/(H_R+λ) - G²/(H+λ). Each cut is
   * tried with the missing rows sent right, then left; ties keep the first candidate (lowest
   * feature, lowest cut, missing right). Without missing rows in the node, missing values of later
   * rows follow the heavier child.
   */
  #bestSplit(node: Pending, features: Int32Array): Split | null {
    const hist = node.hist!;
    const { nBins, slotStart } = this.binning;
    const { lambda, minChildWeight, gamma } = this.s;
    const G = node.G;
    const H = node.H;
    const C = node.end - node.start;
    const parentScore = (G * G) / (H + lambda);
    let best: Split | null = null;
    const consider = (feature: number, bin: number, defaultLeft: boolean, GL: number, HL: number, CL: number): void => {
      const CR = C - CL;
      if (CL === 0 || CR === 0) return;
      const HR = H - HL;
      if (HL < minChildWeight || HR < minChildWeight) return;
      const GR = G - GL;
      const gain = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parentScore;
      // XGBoost keeps a split whose loss change is at least gamma (and above rounding noise).
      const better = best === null ? gain > MIN_GAIN && gain >= gamma : gain > best.gain;
      if (better) best = { feature, bin, defaultLeft, gain, GL, HL, GR, HR };
    };
    for (const f of features) {
      const base = slotStart[f];
      const nb = nBins[f];
      const miss = base + nb * SLOT;
      const mG = hist[miss];
      const mH = hist[miss + 1];
      const mC = hist[miss + 2];
      let GL = 0;
      let HL = 0;
      let CL = 0;
      for (let b = 0; b < nb - 1; b++) {
        const k = base + b * SLOT;
        const cb = hist[k + 2];
        GL += hist[k];
        HL += hist[k + 1];
        CL += cb;
        // An empty bin repeats the previous cut's partition; at b = 0 it still offers
        // "missing left, every present value right".
        if (cb === 0 && b > 0) continue;
        if (mC > 0) {
          consider(f, b, false, GL, HL, CL);
          consider(f, b, true, GL + mG, HL + mH, CL + mC);
        } else {
          consider(f, b, HL > H - HL, GL, HL, CL);
        }
      }
    }
    return best;
  }

  /** Stable in-place partition of the node's rows; returns where the right child starts. */
  #partition(node: Pending, split: Split): number {
    const { codes, nBins } = this.binning;
    const F = this.F;
    const rows = this.#rows;
    const scratch = this.#scratch;
    const f = split.feature;
    const missing = nBins[f];
    let l = node.start;
    let r = 0;
    for (let i = node.start; i < node.end; i++) {
      const row = rows[i];
      const code = codes[row * F + f];
      if (code === missing ? split.defaultLeft : code <= split.bin) rows[l++] = row;
      else scratch[r++] = row;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
  }
}
