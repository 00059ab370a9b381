import { describe, expect, it } from 'vitest';
import { InvalidParameterError, PuenteError } from '../../../src/errors/index.js';
import { expf } from '../../../src/runtimes/xgboost/expf.js';
import { detectModelFormat, loadXgboostModel, SUPPORTED_OBJECTIVES, UbjsonError, type XgboostModel } from '../../../src/runtimes/xgboost/index.js';
import {
  compareExact,
  docBytes,
  encodeXgboostUbjson,
  flat,
  matrixFor,
  MODELS,
  modelBytes,
  modelDoc,
  readGolden,
  referenceMargins,
  tinyModel,
  type TinyTree,
  type XgbDoc,
} from './helpers.js';

const ENGINES = ['wasm', 'js'] as const;

/** The InvalidParameterError that loading `bytes` fails with. */
function loadFailure(bytes: Uint8Array | string, name = 'm'): InvalidParameterError {
  try {
    loadXgboostModel(bytes, name);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterError);
    return err as InvalidParameterError;
  }
  throw new Error('loading did not fail');
}

/** A stump on `feature`: x < cond goes to a leaf of `lo`, else `hi`. */
function stump(feature: number, cond: number, lo: number, hi: number, defaultLeft: number | boolean, group = 0): TinyTree {
  return { left: [1, -1, -1], right: [2, -1, -1], feature: [feature, 0, 0], cond: [cond, lo, hi], defaultLeft: [defaultLeft, 0, 0], group };
}

describe('UBJSON models', () => {
  it.each(MODELS)('%s: the UBJSON file predicts exactly what the JSON file predicts', (name) => {
    const golden = readGolden(name);
    const matrix = matrixFor(golden);
    const ubj = encodeXgboostUbjson(modelDoc(name));
    expect(detectModelFormat(ubj)).toBe('ubjson');
    expect(ubj.length).toBeLessThan(modelBytes(name).length);
    for (const engine of ENGINES) {
      const fromUbj = loadXgboostModel(ubj, name, { engine });
      expect(fromUbj.format).toBe('ubjson');
      expect(fromUbj.featureNames).toEqual(golden.feature_names);
      expect(fromUbj.xgboostVersion).toEqual([1, 7, 4]);
      const out = fromUbj.predict(matrix.rows);
      expect(compareExact(out.margins, flat(golden.output_margin)).mismatches).toBe(0);
      expect(compareExact(out.predictions, flat(golden.predictions)).mismatches).toBe(0);
    }
    const fromJson = loadXgboostModel(modelBytes(name), name);
    expect(loadXgboostModel(ubj, name).forest).toEqual(fromJson.forest);
  });

  it('reports malformed UBJSON with its byte offset', () => {
    const ubj = encodeXgboostUbjson(modelDoc('house'));
    const err = loadFailure(ubj.subarray(0, 5000), 'house');
    expect(err).toBeInstanceOf(UbjsonError);
    expect(err.message).toMatch(/^Malformed UBJSON at byte offset \d+: /);
    expect((err as UbjsonError).offset).toBeGreaterThan(0);
    expect((err as UbjsonError).offset).toBeLessThanOrEqual(5000);
  });
});

describe('format detection and refusals', () => {
  it('tells JSON text from UBJSON by the byte after the opening brace', () => {
    expect(detectModelFormat(Buffer.from('{"learner":{}}'))).toBe('json');
    expect(detectModelFormat(Buffer.from(' \n\t{"learner":{}}'))).toBe('json');
    expect(detectModelFormat(Buffer.from('\ufeff{"a":1}'))).toBe('json');
    expect(detectModelFormat(Buffer.from('{}'))).toBe('json');
    expect(detectModelFormat(Uint8Array.from([0x7b, 0x4c, 0, 0, 0, 0, 0, 0, 0, 7]))).toBe('ubjson'); // { L <int64>
    expect(detectModelFormat(Buffer.from('{i\u0007learner{}}'))).toBe('ubjson');
    expect(detectModelFormat(Buffer.from('{#i\u0001'))).toBe('ubjson');
    expect(detectModelFormat(Buffer.from('NN{i'))).toBe('ubjson');
    expect(detectModelFormat(Buffer.from('binf\u0000\u0000'))).toBe('unknown');
    expect(detectModelFormat(new Uint8Array(0))).toBe('unknown');
  });

  it("refuses XGBoost's legacy binary format and tells how to re-save", () => {
    const legacy = Buffer.concat([Buffer.from('binf'), Buffer.from([0, 0, 0, 0x3f, 16, 0, 0, 0, 1, 0, 0, 0])]);
    const err = loadFailure(legacy, 'credit');
    expect(err.message).toBe(
      "Model 'credit' is in XGBoost's legacy binary format. XGBoost's legacy binary format is not supported; " +
        "re-save the model with booster.save_model('model.json') or 'model.ubj'.",
    );
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    expect(err.status).toBe(400);
  });

  it('refuses random bytes with the same advice', () => {
    let seed = 12345;
    const random = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    random[0] = 0x07; // not '{', not whitespace
    const err = loadFailure(random);
    expect(err.message).toContain('is neither XGBoost JSON nor UBJSON');
    expect(err.message).toContain("re-save the model with booster.save_model('model.json') or 'model.ubj'");
  });

  it('refuses empty files, broken JSON and documents that are not models', () => {
    expect(loadFailure(new Uint8Array(0)).message).toBe("Model 'm' is not a valid XGBoost model: the file is empty.");
    expect(loadFailure(Buffer.from('{"learner": ')).message).toMatch(/^Model 'm' is not a valid XGBoost JSON model: /);
    expect(loadFailure(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])).message).toContain('not UTF-8');
    expect(loadFailure('{"model": {}}').message).toContain("it has no 'learner' object");
    expect(loadFailure('[1, 2]').message).toContain("it has no 'learner' object");
    expect(() => loadXgboostModel(42 as unknown as Uint8Array)).toThrow(InvalidParameterError);
  });

  it('loads JSON given as text, and names "the model" when no name is given', () => {
    const model = loadXgboostModel(modelBytes('house').toString('utf8'));
    expect(model.name).toBeUndefined();
    expect(model.format).toBe('json');
    const doc = modelDoc('house');
    doc.learner.objective.name = 'reg:nonsense';
    expect(() => loadXgboostModel(JSON.stringify(doc))).toThrow(/^The model: learner\.objective\.name is 'reg:nonsense'/);
  });

  it('refuses an unknown objective, listing the supported ones', () => {
    const doc = modelDoc('credit');
    doc.learner.objective.name = 'survival:aft';
    const err = loadFailure(docBytes(doc));
    expect(err.message).toContain("learner.objective.name is 'survival:aft', which this evaluator does not support");
    for (const name of ['binary:logistic', 'reg:logistic', 'multi:softprob', 'multi:softmax', 'reg:squarederror', 'binary:logitraw', 'reg:linear']) {
      expect(SUPPORTED_OBJECTIVES).toContain(name);
      expect(err.message).toContain(name);
    }
  });

  it('refuses a categorical split, naming the tree and suggesting one-hot encoding', () => {
    const doc = tinyModel({
      numFeature: 2,
      trees: [
        stump(0, 0.5, 1, 2, 1),
        {
          left: [1, -1, -1],
          right: [2, -1, -1],
          feature: [1, 0, 0],
          cond: [0, 3, 4],
          defaultLeft: [0, 0, 0],
          splitType: [1, 0, 0],
          categories: [{ node: 0, values: [1, 3] }],
        },
      ],
    });
    for (const bytes of [docBytes(doc), encodeXgboostUbjson(doc)]) {
      const err = loadFailure(bytes);
      expect(err.message).toContain('tree 1 has a categorical split (node 0)');
      expect(err.message).toContain('one-hot encoded');
    }
    // A file with categories recorded but split_type left at 0 is refused the same way.
    doc.learner.gradient_booster.model!.trees[1].split_type = [0, 0, 0];
    expect(loadFailure(docBytes(doc)).message).toContain('tree 1 has a categorical split (node 0)');
  });

  it('evaluates gblinear models: bias plus weight × value, missing values contributing nothing', () => {
    // Two features, binary:logistic with base_score 0.5 (margin 0): margin = 0.25 + 2·x0 - 1·x1.
    const learner = modelDoc('credit').learner;
    const doc = {
      learner: {
        ...learner,
        feature_names: ['a', 'b'],
        feature_types: ['float', 'float'],
        learner_model_param: { ...learner.learner_model_param, num_feature: '2', base_score: '5E-1' },
        gradient_booster: { name: 'gblinear', model: { weights: [2, -1, 0.25] } },
      },
    };
    const model = loadXgboostModel(docBytes(doc), 'linear');
    expect(model.booster).toBe('gblinear');
    const out = model.predict([[1, 2], [NaN, 2], [3, null]], { outputMargin: true });
    expect(Array.from(out.margins)).toEqual([0.25, -1.75, 6.25]);
    const p = model.predict([[1, 2]]).predictions[0]!;
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 6);
    expect(loadFailure(docBytes({ learner: { ...doc.learner, gradient_booster: { name: 'gblinear', model: { weights: [1] } } } })).message).toContain('weights');
  });

  it('refuses vector-leaf trees', () => {
    const vector = modelDoc('house');
    vector.learner.gradient_booster.model!.gbtree_model_param!.size_leaf_vector = '3';
    expect(loadFailure(docBytes(vector)).message).toContain('vector-leaf trees');
  });

  it('refuses inconsistent trees with the path of the field', () => {
    const cases: [(doc: XgbDoc) => void, string | RegExp][] = [
      [(d) => d.learner.gradient_booster.model!.trees[3].right_children.pop(), /trees\[3\]\.right_children has (\d+) entries, expected \d+/],
      [(d) => (d.learner.gradient_booster.model!.trees[0].left_children[0] = 500), 'tree 0 node 0 points to child 500'],
      [(d) => (d.learner.gradient_booster.model!.trees[0].left_children[1] = 1), 'tree 0 reaches node 1 twice'],
      [(d) => (d.learner.gradient_booster.model!.trees[0].split_indices[0] = 9), 'tree 0 node 0 splits on feature 9, but the model has 9 features'],
      [(d) => (d.learner.gradient_booster.model!.trees[2].default_left[0] = 7), 'trees[2].default_left[0] must be 0, 1 or a boolean, got 7'],
      [(d) => (d.learner.gradient_booster.model!.trees[2].split_conditions[4] = 'x' as unknown as number), 'trees[2].split_conditions[4] must be a number'],
      [(d) => (d.learner.gradient_booster.model!.tree_info[5] = 1), 'tree 5 adds to output group 1, but the model has 1'],
      [(d) => d.learner.gradient_booster.model!.tree_info.pop(), 'tree_info has 99 entries, expected 100'],
      [(d) => d.learner.gradient_booster.model!.trees.pop(), 'has 99 trees, but num_trees is 100'],
      [(d) => (d.learner.learner_model_param.base_score = 'abc'), "base_score 'abc' is not a finite number"],
      [(d) => (d.learner.learner_model_param.num_feature = '-1'), 'num_feature must be a non-negative integer'],
      [(d) => (d.learner.feature_names = ['a', 'b']), 'learner.feature_names lists 2 names, but num_feature is 9'],
      [(d) => (d.learner.gradient_booster.model!.trees = {} as never), 'learner.gradient_booster.model.trees must be an array, got an object'],
    ];
    for (const [change, message] of cases) {
      const doc = modelDoc('house');
      change(doc);
      const err = loadFailure(docBytes(doc), 'house');
      if (typeof message === 'string') expect(err.message).toContain(message);
      else expect(err.message).toMatch(message);
      expect(err.message.startsWith("Model 'house': ")).toBe(true);
    }
  });

  it("checks the engine option and reports which kernel runs", () => {
    expect(loadXgboostModel(modelBytes('house')).engine).toBe('wasm');
    expect(loadXgboostModel(modelBytes('house'), 'h', { engine: 'js' }).engine).toBe('js');
    expect(() => loadXgboostModel(modelBytes('house'), 'h', { engine: 'gpu' as 'js' })).toThrow(/engine must be 'auto', 'wasm' or 'js'/);
  });
});

describe('base_score', () => {
  it('accepts the bracketed form of XGBoost 3 ("[5E-1]") with the same results', () => {
    for (const name of ['credit', 'multiclass'] as const) {
      const golden = readGolden(name);
      const matrix = matrixFor(golden);
      const doc = modelDoc(name);
      const plain = doc.learner.learner_model_param.base_score;
      doc.learner.learner_model_param.base_score = `[${plain}]`;
      for (const bytes of [docBytes(doc), encodeXgboostUbjson(doc)]) {
        const model = loadXgboostModel(bytes, name);
        expect(model.baseScore).toEqual(new Array(model.numOutputs).fill(Number(plain)));
        expect(compareExact(model.predict(matrix.rows).predictions, flat(golden.predictions)).mismatches).toBe(0);
      }
    }
  });

  it('takes one intercept per class from a bracketed list', () => {
    const golden = readGolden('multiclass');
    const matrix = matrixFor(golden);
    const doc = modelDoc('multiclass');
    doc.learner.learner_model_param.base_score = '[1E0,2.5E-1,-7.5E-1]';
    const model = loadXgboostModel(docBytes(doc));
    expect(model.baseMargins).toEqual([1, 0.25, -0.75]);
    const rows = matrix.rows.subarray(0, 500 * matrix.nCols);
    expect(model.predict(rows).margins).toEqual(referenceMargins(doc, rows, 16, [1, 0.25, -0.75]));

    doc.learner.learner_model_param.base_score = '[1E0,2E0]';
    expect(loadFailure(docBytes(doc)).message).toContain('base_score has 2 values, but the model has 3 output groups');
  });

  it('turns a logistic base_score into a margin with float32 steps', () => {
    const model = loadXgboostModel(modelBytes('credit'));
    expect(model.baseScore).toEqual([0.15225]);
    const p = Math.fround(0.15225);
    expect(model.baseMargins).toEqual([Math.fround(-Math.log(Math.fround(Math.fround(1 / p) - 1)))]);
    expect(model.baseMargins[0]).toBe(-1.7170618772506714);
    const doc = modelDoc('credit');
    doc.learner.learner_model_param.base_score = '1.5E0';
    expect(loadFailure(docBytes(doc)).message).toContain('base_score 1.5 (output 0) must be between 0 and 1 for binary:logistic');
  });
});

describe('objectives', () => {
  const golden = readGolden('credit');
  const matrix = matrixFor(golden);
  const rows = matrix.rows.subarray(0, 1000 * matrix.nCols);

  it('reg:logistic predicts as binary:logistic', () => {
    const doc = modelDoc('credit');
    doc.learner.objective.name = 'reg:logistic';
    const out = loadXgboostModel(docBytes(doc)).predict(rows);
    expect(compareExact(out.predictions, flat(golden.predictions).slice(0, 1000)).mismatches).toBe(0);
  });

  it('binary:logitraw keeps base_score as the margin and outputs margins', () => {
    const doc = modelDoc('credit');
    doc.learner.objective.name = 'binary:logitraw';
    const model = loadXgboostModel(docBytes(doc));
    expect(model.baseMargins).toEqual([Math.fround(0.15225)]);
    const out = model.predict(rows);
    expect(out.predictions).toEqual(out.margins);
    expect(out.margins).toEqual(referenceMargins(doc, rows, 16, [Math.fround(0.15225)]));
  });

  it('multi:softmax predicts the class index, from the same margins', () => {
    const multi = readGolden('multiclass');
    const doc = modelDoc('multiclass');
    doc.learner.objective.name = 'multi:softmax';
    const model = loadXgboostModel(encodeXgboostUbjson(doc));
    expect(model.transform).toBe('argmax');
    const out = model.predict(matrix.rows);
    expect(out.predictions.length).toBe(5000);
    expect(compareExact(out.margins, flat(multi.output_margin)).mismatches).toBe(0);
    expect(Array.from(out.predictions)).toEqual(multi.predicted_class);
    expect(Array.from(out.classes!)).toEqual(multi.predicted_class);
    const margins = model.predict(matrix.rows, { outputMargin: true });
    expect(margins.predictions).toEqual(out.margins);
    expect(Array.from(margins.classes!)).toEqual(multi.predicted_class);
  });

  it('count:poisson starts from log(base_score) and predicts expf(margin)', () => {
    const doc = tinyModel({ objective: 'count:poisson', baseScore: '2.5E0', numFeature: 1, trees: [stump(0, 0, -0.5, 0.75, 1)] });
    const model = loadXgboostModel(docBytes(doc));
    const base = Math.fround(Math.log(2.5));
    expect(model.baseMargins).toEqual([base]);
    const out = model.predict([[-1], [1], [null]]);
    expect(Array.from(out.margins)).toEqual([Math.fround(base - 0.5), Math.fround(base + 0.75), Math.fround(base - 0.5)]);
    expect(Array.from(out.predictions)).toEqual(Array.from(out.margins, expf));
    doc.learner.learner_model_param.base_score = '0E0';
    expect(loadFailure(docBytes(doc)).message).toContain('must be positive for count:poisson');
  });

  it('binary:hinge predicts 0 or 1 from the sign of the margin', () => {
    const doc = tinyModel({ objective: 'binary:hinge', numFeature: 1, trees: [stump(0, 0, -1, 1, 0)] });
    expect(Array.from(loadXgboostModel(docBytes(doc)).predict([[-3], [3], [NaN]]).predictions)).toEqual([0, 1, 1]);
  });
});

describe('missing values and thresholds (hand-made models)', () => {
  // Tree 0 sends missing values left, tree 1 right; both split at 0.5.
  const doc = tinyModel({ numFeature: 2, trees: [stump(0, 0.5, 1, 2, 1), stump(1, 0.5, 10, 20, 0)] });

  it.each(ENGINES)('missing values follow default_left (%s kernel)', (engine) => {
    const model = loadXgboostModel(docBytes(doc), 'tiny', { engine });
    const out = model.predict([
      [NaN, NaN],
      [0, 0],
      [1, 1],
      [null, 0],
      [0, undefined],
      [0.5, 0.5], // equal to the threshold: not < 0.5, so right
      [-Infinity, Infinity],
    ]);
    expect(Array.from(out.margins)).toEqual([21, 11, 22, 11, 21, 22, 21]);
    expect(Array.from(model.predict(Float32Array.from([NaN, NaN, 0.25, NaN])).margins)).toEqual([21, 21]);
  });

  it('accepts default_left as booleans', () => {
    const withBooleans = tinyModel({ numFeature: 2, trees: [stump(0, 0.5, 1, 2, true), stump(1, 0.5, 10, 20, false)] });
    const model = loadXgboostModel(docBytes(withBooleans));
    expect(Array.from(model.predict([[NaN, NaN], [0, 0], [1, 1]]).margins)).toEqual([21, 11, 22]);
  });

  it.each(ENGINES)('compares in float32: an input rounds to float before the test (%s kernel)', (engine) => {
    // Threshold fround(0.1) > 0.1: the double 0.1 is below it, but its float32 is equal, so right.
    const t = Math.fround(0.1);
    const model = loadXgboostModel(docBytes(tinyModel({ numFeature: 1, trees: [stump(0, t, 1, 2, 0)] })), 't', { engine });
    const below = Math.fround(t - 2 ** -28); // the float32 just below t
    expect(below).toBeLessThan(t);
    expect(Array.from(model.predict([[0.1], [t], [below], [0.09999999]]).margins)).toEqual([2, 2, 1, 1]);
  });

  it.each(ENGINES)('walks deeper trees with missing values at several levels (%s kernel)', (engine) => {
    // Node 0: f0 < 0 (missing right) → 2 | 4; node 2: f1 < 5 (missing left) → 5 | 6; node 4:
    // f2 < -1 (missing right) → 1 | 3; leaves 5, 6, 1, 3 hold 1, 2, 3, 4. Ids are not breadth-first.
    const deep = tinyModel({
      numFeature: 3,
      trees: [
        {
          left: [2, -1, 5, -1, 1, -1, -1],
          right: [4, -1, 6, -1, 3, -1, -1],
          feature: [0, 0, 1, 0, 2, 0, 0],
          cond: [0, 3, 5, 4, -1, 1, 2],
          defaultLeft: [0, 0, 1, 0, 0, 0, 0],
        },
      ],
    });
    const model = loadXgboostModel(docBytes(deep), 'deep', { engine });
    const rows = [
      [-1, 0, 0],
      [-1, 9, 0],
      [-1, NaN, 0],
      [1, 0, -5],
      [1, 0, 5],
      [1, 0, NaN],
      [NaN, 0, -5],
      [NaN, NaN, NaN],
    ];
    expect(Array.from(model.predict(rows).margins)).toEqual([1, 2, 1, 3, 4, 4, 3, 4]);
    expect(model.forest.treeDepths[0]).toBe(2);
    expect(model.forest.numNodes).toBe(7);
    // Breadth-first renumbering: root, its children (2, 4), then theirs (5, 6, 1, 3).
    expect(Array.from(model.forest.leafValue)).toEqual([0, 0, 0, 1, 2, 3, 4]);
  });

  it('drops nodes the pruner left unreachable and handles a tree that is a single leaf', () => {
    const pruned = tinyModel({
      numFeature: 1,
      trees: [
        { left: [1, -1, -1, -1], right: [2, -1, -1, -1], feature: [0, 0, 0, 0], cond: [0, 1, 2, 99], defaultLeft: [0, 0, 0, 0] },
        { left: [-1], right: [-1], feature: [0], cond: [0.5], defaultLeft: [0] },
      ],
    });
    const model = loadXgboostModel(docBytes(pruned));
    expect(model.forest.numNodes).toBe(4);
    expect(Array.from(model.forest.treeDepths)).toEqual([1, 0]);
    expect(Array.from(model.predict([[-1], [1]]).margins)).toEqual([1.5, 2.5]);
  });

  it('applies DART tree weights to the leaves', () => {
    const dart = tinyModel({ numFeature: 1, trees: [stump(0, 0, 1, 2, 0), stump(0, 0, 10, 20, 0)] });
    const gbtree = dart.learner.gradient_booster;
    dart.learner.gradient_booster = { name: 'dart', gbtree, weight_drop: [0.5, 0.25] };
    const model = loadXgboostModel(docBytes(dart));
    expect(model.booster).toBe('dart');
    expect(Array.from(model.predict([[-1], [1]]).margins)).toEqual([0.5 + 2.5, 1 + 5]);
    dart.learner.gradient_booster.weight_drop = [1];
    expect(loadFailure(docBytes(dart)).message).toContain('learner.gradient_booster.weight_drop has 1 entries, expected 2');
  });

  it.each(ENGINES)('handles models with many features, one row per block (%s kernel)', (engine) => {
    const F = 50000;
    const trees = [stump(49999, 0, 1, 2, 1), stump(7, 0, 10, 20, 0), stump(30000, 1, 100, 200, 1)];
    const wide = tinyModel({ numFeature: F, trees });
    const model = loadXgboostModel(docBytes(wide), 'wide', { engine });
    const rows = new Float32Array(20 * F).fill(NaN);
    for (let r = 0; r < 20; r++) {
      rows[r * F + 49999] = r % 2 ? 1 : -1;
      if (r % 3 === 0) rows[r * F + 7] = -1;
      if (r % 5 === 0) rows[r * F + 30000] = 5;
    }
    expect(model.predict(rows).margins).toEqual(referenceMargins(wide, rows, F, [0]));
  });
});

describe('predict input checks', () => {
  let model: XgboostModel;
  it('loads', () => {
    model = loadXgboostModel(modelBytes('house'), 'house');
  });

  it('refuses rows of the wrong width and values that are not numbers', () => {
    expect(() => model.predict(new Float32Array(10))).toThrow("Model 'house' expects 9 features per row: a Float32Array of N × 9 values, got 10 values.");
    expect(() => model.predict([[1, 2, 3]])).toThrow("Model 'house' expects 9 features per row; row 0 has 3 values.");
    expect(() => model.predict([new Array(9).fill(1), 'x' as unknown as number[]])).toThrow('row 1 has string');
    expect(() => model.predict([[1, 2, 3, 4, 5, 6, 7, 8, '9' as unknown as number]])).toThrow('Row 0, feature 8: expected a number or null, got string.');
    expect(() => model.predict({} as Float32Array)).toThrow(InvalidParameterError);
    expect(() => model.predict(new Float32Array(9), { outputMargin: 'yes' as unknown as boolean })).toThrow('outputMargin must be true or false.');
    try {
      model.predict(new Float32Array(10));
    } catch (err) {
      expect(err).toBeInstanceOf(PuenteError);
      expect((err as PuenteError).status).toBe(400);
    }
  });

  it('returns empty outputs for no rows', () => {
    const out = model.predict(new Float32Array(0));
    expect(out.margins.length).toBe(0);
    expect(out.predictions.length).toBe(0);
    expect(model.predict([]).margins.length).toBe(0);
  });
});

describe('expf', () => {
  it("reproduces glibc's rounding where it differs from the correctly rounded value", () => {
    // Row 2589 of the credit test set: margin -3.8262734; xgboost's sigmoid there needs glibc's
    // expf(3.8262734) = 45.891204833984375, while the float nearest to e^x is 45.89120101928711.
    const x = 3.8262734413146973;
    expect(Math.fround(Math.exp(x))).toBe(45.89120101928711);
    expect(expf(x)).toBe(45.891204833984375);
  });

  it('agrees with Math.exp to within one float ulp and handles the edges', () => {
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const x = Math.fround((seed / 2 ** 32) * 175 - 87);
      const want = Math.fround(Math.exp(x));
      const got = expf(x);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23);
    }
    expect(expf(0)).toBe(1);
    expect(expf(-0)).toBe(1);
    expect(expf(Number.NaN)).toBeNaN();
    expect(expf(Infinity)).toBe(Infinity);
    expect(expf(-Infinity)).toBe(0);
    expect(expf(88.72283935546875)).toBe(Math.fround(Math.exp(88.72283935546875)));
    expect(expf(Math.fround(88.7229))).toBe(Infinity);
    expect(expf(-104)).toBe(0);
    expect(expf(-100)).toBeGreaterThan(0); // a float32 subnormal
  });
});
