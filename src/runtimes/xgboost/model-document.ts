import { InvalidParameterError } from '../../errors/index.js';
import type { SourceTree } from './forest.js';
import { SUPPORTED_OBJECTIVES, objectiveSpec, type ObjectiveSpec } from './objectives.js';
import type { UbjsonValue } from './ubjson.js';

/**
 * Reads the document of a model saved by `Booster.save_model` (JSON or UBJSON decode to the same
 * tree): learner parameters, objective and trees. Everything the evaluator relies on is checked
 * here, with the path of the offending field in the message.
 */

export interface ModelDocument {
  readonly version: readonly number[] | undefined;
  readonly objective: ObjectiveSpec;
  readonly booster: 'gbtree' | 'dart' | 'gblinear';
  /**
   * gblinear models: (num_feature + 1) × groups weights as XGBoost stores them, feature f of
   * group g at [f * groups + g], the biases last. Absent for tree models.
   */
  readonly linearWeights?: Float32Array;
  /** base_score as stored (output space), one per output group after broadcasting. */
  readonly baseScore: readonly number[];
  readonly numClass: number;
  readonly numFeatures: number;
  /** Margins per row: classes, targets, or 1. */
  readonly numGroups: number;
  readonly featureNames: readonly string[] | undefined;
  readonly featureTypes: readonly string[] | undefined;
  readonly trees: readonly SourceTree[];
}

type Json = UbjsonValue;
type JsonObject = { [key: string]: Json };

class Reader {
  constructor(readonly label: string) {}

  fail(path: string, detail: string): never {
    throw new InvalidParameterError(`${this.label}: ${path} ${detail}.`, 'model');
  }

  object(v: Json | undefined, path: string): JsonObject {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) this.fail(path, `must be an object, got ${kind(v)}`);
    return v as JsonObject;
  }

  string(v: Json | undefined, path: string): string {
    if (typeof v !== 'string') this.fail(path, `must be a string, got ${kind(v)}`);
    return v;
  }

  /** XGBoost stores parameters as decimal strings ("16"); plain numbers are accepted too. */
  count(v: Json | undefined, path: string, fallback?: number): number {
    if (v === undefined && fallback !== undefined) return fallback;
    const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'number' ? v : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0) this.fail(path, `must be a non-negative integer, got ${describe(v)}`);
    return n;
  }

  list(v: Json | undefined, path: string): ArrayLike<Json> {
    if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return v as ArrayLike<Json>;
    return this.fail(path, `must be an array, got ${kind(v)}`);
  }

  /** An array of integers of length n, from JSON numbers or any integer typed array. */
  ints(v: Json | undefined, path: string, n: number): Int32Array {
    const src = this.list(v, path);
    if (src.length !== n) this.fail(path, `has ${src.length} entries, expected ${n}`);
    if (src instanceof Int32Array) return src;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = typeof src[i] === 'bigint' ? Number(src[i]) : src[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
        this.fail(`${path}[${i}]`, `must be a 32-bit integer, got ${describe(src[i])}`);
      }
      out[i] = x;
    }
    return out;
  }

  /** An array of float32 values of length n (JSON numbers are rounded to float32, as XGBoost reads them). */
  floats(v: Json | undefined, path: string, n: number): Float32Array {
    const src = this.list(v, path);
    if (src.length !== n) this.fail(path, `has ${src.length} entries, expected ${n}`);
    if (src instanceof Float32Array) return src;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = src[i];
      if (typeof x !== 'number') this.fail(`${path}[${i}]`, `must be a number, got ${describe(x)}`);
      out[i] = x;
    }
    return out;
  }

  /** 0/1 flags from integers (JSON, UBJSON uint8 arrays) or booleans. */
  flags(v: Json | undefined, path: string, n: number): Uint8Array {
    const src = this.list(v, path);
    if (src.length !== n) this.fail(path, `has ${src.length} entries, expected ${n}`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = src[i];
      if (x === true || x === 1) out[i] = 1;
      else if (!(x === false || x === 0)) this.fail(`${path}[${i}]`, `must be 0, 1 or a boolean, got ${describe(x)}`);
    }
    return out;
  }
}

/** Reads a decoded model document; `label` names the model in error messages. */
export function readModelDocument(doc: Json, label: string): ModelDocument {
  const rd: Reader = new Reader(label);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || ArrayBuffer.isView(doc) || !('learner' in doc)) {
    return rd.fail('the document', "is not an XGBoost model: it has no 'learner' object (save it with booster.save_model)");
  }
  const root = doc as JsonObject;
  const version = readVersion(root.version);
  const learner = rd.object(root.learner, 'learner');
  const params = rd.object(learner.learner_model_param, 'learner.learner_model_param');

  const objectiveName = rd.string(rd.object(learner.objective, 'learner.objective').name, 'learner.objective.name');
  const objective = objectiveSpec(objectiveName);
  if (!objective) {
    rd.fail('learner.objective.name', `is '${objectiveName}', which this evaluator does not support; supported objectives: ${SUPPORTED_OBJECTIVES.join(', ')}`);
  }

  const numClass = rd.count(params.num_class, 'learner.learner_model_param.num_class', 0);
  const numTarget = rd.count(params.num_target, 'learner.learner_model_param.num_target', 1);
  if (objective.multiclass && numClass < 2) rd.fail('learner.learner_model_param.num_class', `is ${numClass}, but ${objectiveName} needs at least 2 classes`);
  const numGroups = Math.max(numClass, numTarget, 1);

  const featureNames = readStrings(rd, learner.feature_names, 'learner.feature_names');
  const featureTypes = readStrings(rd, learner.feature_types, 'learner.feature_types');
  let numFeatures = rd.count(params.num_feature, 'learner.learner_model_param.num_feature', 0);
  if (featureNames) {
    if (numFeatures === 0) numFeatures = featureNames.length;
    else if (featureNames.length !== numFeatures) {
      rd.fail('learner.feature_names', `lists ${featureNames.length} names, but num_feature is ${numFeatures}`);
    }
  }

  const baseScore = readBaseScore(rd, params.base_score, numGroups);
  const booster = rd.object(learner.gradient_booster, 'learner.gradient_booster');
  const boosterName = rd.string(booster.name, 'learner.gradient_booster.name');
  let modelPath: string;
  let model: JsonObject;
  let weights: Json | undefined;
  let weightsPath = 'learner.gradient_booster.weight_drop';
  if (boosterName === 'gbtree') {
    modelPath = 'learner.gradient_booster.model';
    model = rd.object(booster.model, modelPath);
  } else if (boosterName === 'dart') {
    // DART files wrap a gbtree and keep the tree weights beside it; newer files may keep them in the model.
    if (booster.gbtree !== undefined) {
      modelPath = 'learner.gradient_booster.gbtree.model';
      model = rd.object(rd.object(booster.gbtree, 'learner.gradient_booster.gbtree').model, modelPath);
    } else {
      modelPath = 'learner.gradient_booster.model';
      model = rd.object(booster.model, modelPath);
    }
    weights = booster.weight_drop;
  } else if (boosterName === 'gblinear') {
    if (numFeatures === 0) rd.fail('learner.learner_model_param.num_feature', 'must be set for a gblinear model');
    const linear = rd.object(booster.model, 'learner.gradient_booster.model');
    const size = (numFeatures + 1) * numGroups;
    const linearWeights = Float32Array.from(rd.floats(linear.weights, 'learner.gradient_booster.model.weights', size));
    return { version, objective, booster: 'gblinear', linearWeights, baseScore, numClass, numFeatures, numGroups, featureNames, featureTypes, trees: [] };
  } else {
    return rd.fail('learner.gradient_booster.name', `is '${boosterName}'; only gbtree, dart and gblinear models are supported`);
  }
  if (weights === undefined && model.weight_drop !== undefined) {
    weights = model.weight_drop;
    weightsPath = `${modelPath}.weight_drop`;
  }

  const treesJson = rd.list(model.trees, `${modelPath}.trees`);
  const numTrees = treesJson.length;
  const modelParams = model.gbtree_model_param === undefined ? undefined : rd.object(model.gbtree_model_param, `${modelPath}.gbtree_model_param`);
  if (modelParams?.num_trees !== undefined) {
    const declared = rd.count(modelParams.num_trees, `${modelPath}.gbtree_model_param.num_trees`);
    if (declared !== numTrees) rd.fail(`${modelPath}.trees`, `has ${numTrees} trees, but num_trees is ${declared}`);
  }
  if (rd.count(modelParams?.size_leaf_vector, `${modelPath}.gbtree_model_param.size_leaf_vector`, 0) > 1) {
    rd.fail(modelPath, "has vector-leaf trees (multi_strategy='multi_output_tree'), which are not supported");
  }
  const groups = rd.ints(model.tree_info, `${modelPath}.tree_info`, numTrees);
  const treeWeights = weights === undefined ? undefined : rd.floats(weights, weightsPath, numTrees);

  const trees: SourceTree[] = [];
  for (let t = 0; t < numTrees; t++) {
    trees.push(readTree(rd, treesJson[t], `${modelPath}.trees[${t}]`, t, groups[t], treeWeights ? treeWeights[t] : 1));
  }
  if (numFeatures === 0) {
    // Old files may leave num_feature at 0: the widest split decides.
    for (const tree of trees) for (let i = 0; i < tree.feature.length; i++) if (tree.left[i] !== -1) numFeatures = Math.max(numFeatures, tree.feature[i] + 1);
    numFeatures = Math.max(numFeatures, 1);
  }
  return {
    version,
    objective,
    booster: boosterName,
    baseScore,
    numClass,
    numFeatures,
    numGroups,
    featureNames,
    featureTypes,
    trees,
  };
}

function readTree(rd: Reader, v: Json, path: string, index: number, group: number, weight: number): SourceTree {
  const tree = rd.object(v, path);
  const treeParam = tree.tree_param === undefined ? undefined : rd.object(tree.tree_param, `${path}.tree_param`);
  if (rd.count(treeParam?.size_leaf_vector, `${path}.tree_param.size_leaf_vector`, 0) > 1) {
    rd.fail(path, "is a vector-leaf tree (multi_strategy='multi_output_tree'), which is not supported");
  }
  const n = rd.list(tree.left_children, `${path}.left_children`).length;
  if (treeParam?.num_nodes !== undefined) {
    const declared = rd.count(treeParam.num_nodes, `${path}.tree_param.num_nodes`);
    if (declared !== n) rd.fail(`${path}.left_children`, `has ${n} entries, but num_nodes is ${declared}`);
  }
  const left = rd.ints(tree.left_children, `${path}.left_children`, n);
  refuseCategorical(rd, tree, path, index, left);
  return {
    left,
    right: rd.ints(tree.right_children, `${path}.right_children`, n),
    feature: readFeatureIndices(rd, tree.split_indices, `${path}.split_indices`, n),
    condition: rd.floats(tree.split_conditions, `${path}.split_conditions`, n),
    defaultLeft: rd.flags(tree.default_left, `${path}.default_left`, n),
    cover: tree.sum_hessian === undefined ? undefined : rd.floats(tree.sum_hessian, `${path}.sum_hessian`, n),
    group,
    weight,
  };
}

/** split_indices is int32, or int64 in models with more than 2^31 - 1 features. */
function readFeatureIndices(rd: Reader, v: Json | undefined, path: string, n: number): Int32Array {
  const src = rd.list(v, path);
  if (src instanceof BigInt64Array) {
    const out = new Int32Array(n);
    if (src.length !== n) rd.fail(path, `has ${src.length} entries, expected ${n}`);
    for (let i = 0; i < n; i++) {
      if (src[i] < 0n || src[i] >= 2n ** 31n) rd.fail(`${path}[${i}]`, `is feature ${src[i]}, beyond what this evaluator indexes`);
      out[i] = Number(src[i]);
    }
    return out;
  }
  return rd.ints(v, path, n);
}

function refuseCategorical(rd: Reader, tree: JsonObject, path: string, index: number, left: Int32Array): void {
  let node = -1;
  if (tree.split_type !== undefined) {
    const types = rd.list(tree.split_type, `${path}.split_type`);
    for (let i = 0; i < types.length && i < left.length; i++) {
      if (left[i] !== -1 && types[i] !== 0 && types[i] !== 0n) {
        node = i;
        break;
      }
    }
  }
  if (node === -1 && tree.categories_nodes !== undefined) {
    const nodes = rd.list(tree.categories_nodes, `${path}.categories_nodes`);
    if (nodes.length > 0) node = Number(nodes[0]);
  }
  if (node !== -1) {
    rd.fail(
      `tree ${index}`,
      `has a categorical split (node ${node}); categorical splits are not supported. ` +
        'Retrain with the categorical features one-hot encoded (enable_categorical=False) to serve this model',
    );
  }
}

function readVersion(v: Json | undefined): readonly number[] | undefined {
  if (!Array.isArray(v) && !(v instanceof Int32Array) && !(v instanceof Int8Array) && !(v instanceof Uint8Array)) return undefined;
  const out = Array.from(v as ArrayLike<Json>, Number);
  return out.every(Number.isInteger) ? Object.freeze(out) : undefined;
}

function readStrings(rd: Reader, v: Json | undefined, path: string): readonly string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = rd.list(v, path);
  if (list.length === 0) return undefined;
  return Object.freeze(Array.from(list, (s, i) => rd.string(s, `${path}[${i}]`)));
}

/**
 * base_score: a number as a string ("1.5225E-1"), or from XGBoost 3 on a bracketed list
 * ("[5E-1]", one value per output group); a single value is shared by every group.
 */
function readBaseScore(rd: Reader, v: Json | undefined, numGroups: number): readonly number[] {
  const path = 'learner.learner_model_param.base_score';
  let values: number[];
  if (typeof v === 'number') values = [v];
  else if (typeof v === 'string') {
    const text = v.trim().replace(/^\(/, '[').replace(/\)$/, ']');
    if (text.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return rd.fail(path, `'${v}' is not a number or a list of numbers`);
      }
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'number')) {
        return rd.fail(path, `'${v}' is not a number or a list of numbers`);
      }
      values = parsed as number[];
    } else {
      values = [text === '' ? Number.NaN : Number(text)];
    }
  } else {
    return rd.fail(path, `must be a number written as a string, got ${kind(v)}`);
  }
  if (!values.every(Number.isFinite)) rd.fail(path, `'${String(v)}' is not a finite number`);
  if (values.length === 1) return Object.freeze(new Array<number>(numGroups).fill(values[0]));
  if (values.length !== numGroups) rd.fail(path, `has ${values.length} values, but the model has ${numGroups} output groups`);
  return Object.freeze(values);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return kind(v);
}
