// Fixtures, a UBJSON writer that lays models out as XGBoost does, tiny hand-made models, and a
// plain reference walk of the JSON trees (the README's semantics, one branch at a time).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'xgboost');

export const MODELS = ['credit', 'multiclass', 'house'] as const;
export type ModelName = (typeof MODELS)[number];

export function fixtureBytes(file: string): Buffer {
  return readFileSync(join(FIXTURES, file));
}

export function modelBytes(name: ModelName): Buffer {
  return fixtureBytes(`${name}_xgb.json`);
}

/** The parsed JSON document of a fixture model (a fresh copy each call). */
export function modelDoc(name: ModelName): XgbDoc {
  return JSON.parse(modelBytes(name).toString('utf8')) as XgbDoc;
}

export interface Matrix {
  rows: Float32Array;
  nRows: number;
  nCols: number;
  header: string[];
}

/** An encoded matrix CSV: float32, row after row, NaN for empty cells. */
export function readMatrix(file: string): Matrix {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  const nCols = header.length;
  const nRows = lines.length - 1;
  const rows = new Float32Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== nCols) throw new Error(`${file}: row ${r} has ${cells.length} cells`);
    for (let c = 0; c < nCols; c++) rows[r * nCols + c] = cells[c] === '' ? NaN : Number(cells[c]);
  }
  return { rows, nRows, nCols, header };
}

export interface GoldenOutputs {
  X_csv: string;
  n_rows: number;
  output_margin: number[] | number[][];
  predictions: number[] | number[][];
}

export interface Golden extends GoldenOutputs {
  objective: string;
  base_score: number;
  feature_names: string[];
  predicted_class?: number[];
  extra_sets?: { drifted: GoldenOutputs };
}

export function readGolden(name: ModelName): Golden {
  return JSON.parse(fixtureBytes(`${name}_xgb_golden.json`).toString('utf8')) as Golden;
}

export function matrixFor(outputs: GoldenOutputs): Matrix {
  return readMatrix(outputs.X_csv.replace(/^golden\//, ''));
}

// ---------------------------------------------------------------- the model document

export interface XgbTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  split_type?: number[];
  categories?: number[];
  categories_nodes?: number[];
  categories_segments?: number[];
  categories_sizes?: number[];
  [key: string]: unknown;
}

export interface XgbDoc {
  version?: number[];
  learner: {
    feature_names?: string[];
    feature_types?: string[];
    learner_model_param: { base_score: string; num_class: string; num_feature: string; num_target?: string; [key: string]: unknown };
    objective: { name: string; [key: string]: unknown };
    gradient_booster: {
      name: string;
      model?: { gbtree_model_param?: Record<string, string>; tree_info: number[]; trees: XgbTree[]; [key: string]: unknown };
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
}

export interface TinyTree {
  left: number[];
  right: number[];
  feature: number[];
  cond: number[];
  defaultLeft: (number | boolean)[];
  group?: number;
  splitType?: number[];
  categories?: { node: number; values: number[] }[];
}

/** A model document shaped like XGBoost 1.7's save_model JSON, from bare tree arrays. */
export function tinyModel(opts: {
  objective?: string;
  baseScore?: string;
  numClass?: number;
  numFeature: number;
  trees: TinyTree[];
  featureNames?: string[];
}): XgbDoc {
  const trees: XgbTree[] = opts.trees.map((t, id) => {
    const n = t.left.length;
    const parents = new Array<number>(n).fill(2147483647);
    t.left.forEach((l, i) => {
      if (l !== -1) {
        parents[l] = i;
        parents[t.right[i]] = i;
      }
    });
    const cats = t.categories ?? [];
    const categories: number[] = [];
    const segments: number[] = [];
    for (const c of cats) {
      segments.push(categories.length);
      categories.push(...c.values);
    }
    return {
      base_weights: new Array<number>(n).fill(0),
      categories,
      categories_nodes: cats.map((c) => c.node),
      categories_segments: segments,
      categories_sizes: cats.map((c) => c.values.length),
      default_left: t.defaultLeft,
      id,
      left_children: t.left,
      loss_changes: new Array<number>(n).fill(0),
      parents,
      right_children: t.right,
      split_conditions: t.cond,
      split_indices: t.feature,
      split_type: t.splitType ?? new Array<number>(n).fill(0),
      sum_hessian: new Array<number>(n).fill(1),
      tree_param: { num_deleted: '0', num_feature: String(opts.numFeature), num_nodes: String(n), size_leaf_vector: '0' },
    };
  });
  return {
    learner: {
      attributes: {},
      feature_names: opts.featureNames ?? [],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' },
          tree_info: opts.trees.map((t) => t.group ?? 0),
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: opts.baseScore ?? '0E0',
        boost_from_average: '0',
        num_class: String(opts.numClass ?? 0),
        num_feature: String(opts.numFeature),
        num_target: '1',
      },
      objective: { name: opts.objective ?? 'reg:squarederror' },
    },
    version: [1, 7, 4],
  };
}

export function docBytes(doc: unknown): Buffer {
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

// ---------------------------------------------------------------- UBJSON as XGBoost writes it

/** Tree fields XGBoost saves as typed arrays, with their UBJSON element type. */
const TYPED_FIELDS: Record<string, 'd' | 'l' | 'U' | 'L'> = {
  loss_changes: 'd',
  sum_hessian: 'd',
  base_weights: 'd',
  split_conditions: 'd',
  left_children: 'l',
  right_children: 'l',
  parents: 'l',
  split_indices: 'l',
  categories_nodes: 'l',
  categories: 'l',
  default_left: 'U',
  split_type: 'U',
  categories_segments: 'L',
  categories_sizes: 'L',
};

/**
 * Encodes a model document the way XGBoost's UBJWriter does: objects with 'L'-length keys in
 * sorted order and a closing '}', arrays with a '#L' count, the tree fields above as '$' typed
 * arrays, integers in the smallest of i/I/l/L, other numbers as float32 'd', big-endian.
 */
export function encodeXgboostUbjson(doc: unknown): Uint8Array {
  const out = new ByteWriter();
  const value = (v: unknown, typed?: 'd' | 'l' | 'U' | 'L'): void => {
    if (v === null) out.byte('Z');
    else if (typeof v === 'boolean') out.byte(v ? 'T' : 'F');
    else if (typeof v === 'string') {
      out.byte('S');
      out.str(v);
    } else if (typeof v === 'number') {
      if (Number.isInteger(v)) out.int(v);
      else {
        out.byte('d');
        out.f32(v);
      }
    } else if (Array.isArray(v)) {
      out.byte('[');
      if (typed) {
        out.byte('$');
        out.byte(typed);
      }
      out.byte('#');
      out.byte('L');
      out.i64(v.length);
      for (const item of v) {
        if (!typed) value(item);
        else if (typed === 'd') out.f32(Number(item));
        else if (typed === 'l') out.i32(Number(item));
        else if (typed === 'U') out.u8(Number(item));
        else out.i64(Number(item));
      }
    } else if (typeof v === 'object') {
      out.byte('{');
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, item] of entries) {
        out.str(key);
        value(item, Array.isArray(item) ? TYPED_FIELDS[key] : undefined);
      }
      out.byte('}');
    } else throw new Error(`cannot encode ${typeof v}`);
  };
  value(doc);
  return out.bytes();
}

class ByteWriter {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
    this.#view = new DataView(bigger.buffer);
  }

  byte(marker: string): void {
    this.u8(marker.charCodeAt(0));
  }
  u8(v: number): void {
    this.#room(1);
    this.#buf[this.#len++] = v;
  }
  i32(v: number): void {
    this.#room(4);
    this.#view.setInt32(this.#len, v);
    this.#len += 4;
  }
  i64(v: number): void {
    this.#room(8);
    this.#view.setBigInt64(this.#len, BigInt(v));
    this.#len += 8;
  }
  f32(v: number): void {
    this.#room(4);
    this.#view.setFloat32(this.#len, v);
    this.#len += 4;
  }
  /** XGBoost's integer encoding: int8 strictly inside (-128, 127), then int16, int32, int64. */
  int(v: number): void {
    if (v > -128 && v < 127) {
      this.byte('i');
      this.#room(1);
      this.#view.setInt8(this.#len++, v);
    } else if (v > -32768 && v < 32767) {
      this.byte('I');
      this.#room(2);
      this.#view.setInt16(this.#len, v);
      this.#len += 2;
    } else if (v > -(2 ** 31) && v < 2 ** 31 - 1) {
      this.byte('l');
      this.i32(v);
    } else {
      this.byte('L');
      this.i64(v);
    }
  }
  /** A string body as XGBoost writes keys and strings: 'L', int64 byte length, UTF-8 bytes. */
  str(s: string): void {
    const utf8 = Buffer.from(s, 'utf8');
    this.byte('L');
    this.i64(utf8.length);
    this.#room(utf8.length);
    this.#buf.set(utf8, this.#len);
    this.#len += utf8.length;
  }
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

// ---------------------------------------------------------------- reference evaluation

/**
 * Margins computed straight from the JSON document, one node and one branch at a time, as the
 * fixtures README states the semantics (float32 inputs and sums, x < threshold goes left, NaN
 * follows default_left, leaf value = split_conditions). baseMargins: one per output group.
 */
export function referenceMargins(doc: XgbDoc, rows: Float32Array, numFeatures: number, baseMargins: number[]): Float32Array {
  const model = doc.learner.gradient_booster.model!;
  const K = baseMargins.length;
  const n = rows.length / numFeatures;
  const out = new Float32Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < K; k++) out[r * K + k] = baseMargins[k];
    model.trees.forEach((tree, t) => {
      let node = 0;
      while (tree.left_children[node] !== -1) {
        const x = rows[r * numFeatures + tree.split_indices[node]];
        const threshold = Math.fround(tree.split_conditions[node]);
        let left: boolean;
        if (Number.isNaN(x)) left = tree.default_left[node] === 1 || tree.default_left[node] === true;
        else left = x < threshold;
        node = left ? tree.left_children[node] : tree.right_children[node];
      }
      const at = r * K + model.tree_info[t];
      out[at] = Math.fround(out[at] + Math.fround(tree.split_conditions[node]));
    });
  }
  return out;
}

/** Flattens golden [N] or [N][K] arrays. */
export function flat(values: number[] | number[][]): number[] {
  return (values as (number | number[])[]).flat();
}

/** Bit-exact comparison of float32 outputs with golden doubles; counts and the largest difference. */
export function compareExact(actual: Float32Array, expected: number[]): { mismatches: number; maxAbs: number; maxRel: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let mismatches = 0;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === expected[i]) continue;
    mismatches++;
    const d = Math.abs(actual[i] - expected[i]);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(expected[i]), 1e-30));
  }
  return { mismatches, maxAbs, maxRel };
}
