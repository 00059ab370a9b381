// Properties: both kernels agree with a one-branch-at-a-time reference walk on random rows and
// random trees (edge thresholds, missing values, infinities), and predictions stay finite.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadXgboostModel, type XgboostModel } from '../../../src/runtimes/xgboost/index.js';
import { encodeXgboostUbjson, MODELS, modelBytes, modelDoc, referenceMargins, tinyModel, type ModelName, type TinyTree, type XgbDoc } from './helpers.js';

const MAX_F32 = 3.4028234663852886e38;
const MIN_SUBNORMAL = 2 ** -149;

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** The float32 `steps` representable values away from `v` (finite v). */
function ulpStep(v: number, steps: number): number {
  f32[0] = v;
  if (v === 0) return steps * MIN_SUBNORMAL;
  i32[0] += v > 0 ? steps : -steps;
  return f32[0];
}

/** Values worth testing around each split threshold of a model: the threshold and its neighbours. */
function thresholdsByFeature(doc: XgbDoc, numFeatures: number): number[][] {
  const out: number[][] = Array.from({ length: numFeatures }, () => []);
  for (const tree of doc.learner.gradient_booster.model!.trees) {
    tree.left_children.forEach((l, i) => {
      if (l === -1) return;
      const t = Math.fround(tree.split_conditions[i]);
      if (Number.isFinite(t)) out[tree.split_indices[i]].push(t, ulpStep(t, -1), ulpStep(t, 1));
    });
  }
  return out.map((values) => (values.length > 0 ? values : [0]));
}

function cellArbitrary(edges: number[], withInfinities: boolean): fc.Arbitrary<number> {
  const options: fc.Arbitrary<number>[] = [
    fc.constantFrom(...edges),
    fc.constant(Number.NaN),
    fc.float({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, MIN_SUBNORMAL, -MIN_SUBNORMAL, MAX_F32, -MAX_F32),
  ];
  if (withInfinities) options.push(fc.constantFrom(Infinity, -Infinity));
  return fc.oneof(...options);
}

function rowsArbitrary(edgesByFeature: number[][], withInfinities: boolean): fc.Arbitrary<number[][]> {
  const row = fc.tuple(...edgesByFeature.map((edges) => cellArbitrary(edges, withInfinities)));
  return fc.array(row, { minLength: 1, maxLength: 40 });
}

describe.each(MODELS)('%s_xgb on random rows', (name: ModelName) => {
  const doc = modelDoc(name);
  const wasm = loadXgboostModel(modelBytes(name), name, { engine: 'wasm' });
  const js = loadXgboostModel(modelBytes(name), name, { engine: 'js' });
  const F = wasm.numFeatures;
  const edges = thresholdsByFeature(doc, F);

  it('predicts finite values for finite and missing inputs', () => {
    fc.assert(
      fc.property(rowsArbitrary(edges, false), (rows) => {
        const out = wasm.predict(rows);
        expect(out.margins.every(Number.isFinite)).toBe(true);
        expect(out.predictions.every(Number.isFinite)).toBe(true);
        if (wasm.transform === 'softmax') {
          for (let r = 0; r < rows.length; r++) {
            const p = out.predictions.subarray(r * 3, r * 3 + 3);
            expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
            expect(Math.abs(p[0] + p[1] + p[2] - 1)).toBeLessThan(1e-5);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives the reference walk, with both kernels, also for infinite inputs', () => {
    fc.assert(
      fc.property(rowsArbitrary(edges, true), (rows) => {
        const flatRows = Float32Array.from(rows.flat());
        const want = referenceMargins(doc, flatRows, F, wasm.baseMargins as number[]);
        expect(wasm.predict(rows).margins).toEqual(want);
        expect(js.predict(flatRows).margins).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------- random trees

/** Deterministic generator for tree shapes (fast-check draws the seed). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const EDGE_THRESHOLDS = [0, -0, MIN_SUBNORMAL, -MIN_SUBNORMAL, MAX_F32, -MAX_F32, Infinity, -Infinity, NaN, 1, -1, 0.5, Math.fround(0.1)];

/** A random tree over `numFeatures` features with shuffled node ids (root stays 0). */
function randomTree(rand: () => number, numFeatures: number, maxDepth: number, group: number): TinyTree {
  type N = { leaf: boolean; feature: number; cond: number; defaultLeft: number; children: N[] };
  const threshold = () =>
    rand() < 0.3 ? EDGE_THRESHOLDS[Math.floor(rand() * EDGE_THRESHOLDS.length)] : Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 6));
  const grow = (depth: number): N => {
    if (depth >= maxDepth || (depth > 0 && rand() < 0.3)) {
      return { leaf: true, feature: 0, cond: Math.fround((rand() - 0.5) * 4), defaultLeft: 0, children: [] };
    }
    return {
      leaf: false,
      feature: Math.floor(rand() * numFeatures),
      cond: threshold(),
      defaultLeft: rand() < 0.5 ? 1 : 0,
      children: [grow(depth + 1), grow(depth + 1)],
    };
  };
  const nodes: N[] = [];
  const collect = (n: N) => {
    nodes.push(n);
    n.children.forEach(collect);
  };
  collect(grow(0));
  // Shuffle ids 1..n-1.
  const ids = nodes.map((_, i) => i);
  for (let i = ids.length - 1; i > 1; i--) {
    const j = 1 + Math.floor(rand() * i);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const idOf = new Map(nodes.map((n, i) => [n, ids[i]]));
  const size = nodes.length;
  const tree: TinyTree = {
    left: new Array<number>(size),
    right: new Array<number>(size),
    feature: new Array<number>(size),
    cond: new Array<number>(size),
    defaultLeft: new Array<number>(size),
    group,
  };
  for (const n of nodes) {
    const id = idOf.get(n)!;
    tree.left[id] = n.leaf ? -1 : idOf.get(n.children[0])!;
    tree.right[id] = n.leaf ? -1 : idOf.get(n.children[1])!;
    tree.feature[id] = n.feature;
    tree.cond[id] = n.cond;
    tree.defaultLeft[id] = n.defaultLeft;
  }
  return tree;
}

describe('random trees with edge-case thresholds', () => {
  it('both kernels agree with the reference walk', () => {
    const numFeatures = 5;
    const cell = fc.oneof(
      fc.constantFrom(...EDGE_THRESHOLDS),
      fc.constantFrom(...EDGE_THRESHOLDS.filter(Number.isFinite).flatMap((t) => [ulpStep(t, -1), ulpStep(t, 1)])),
      fc.float(),
    );
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(cell, { minLength: numFeatures, maxLength: numFeatures }), { minLength: 1, maxLength: 50 }),
        (seed, numGroups, rows) => {
          const rand = mulberry32(seed);
          const trees = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, t) => randomTree(rand, numFeatures, 1 + Math.floor(rand() * 7), t % numGroups));
          const doc = numGroups > 1
            ? tinyModel({ objective: 'multi:softprob', baseScore: '5E-1', numClass: numGroups, numFeature: numFeatures, trees })
            : tinyModel({ numFeature: numFeatures, trees });
          // UBJSON carries infinite and NaN thresholds, which JSON text cannot.
          const bytes = encodeXgboostUbjson(doc);
          const models: XgboostModel[] = (['wasm', 'js'] as const).map((engine) => loadXgboostModel(bytes, 'random', { engine }));
          const flatRows = Float32Array.from(rows.flat());
          const want = referenceMargins(doc, flatRows, numFeatures, models[0].baseMargins as number[]);
          for (const model of models) expect(model.predict(rows).margins).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
