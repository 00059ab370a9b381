import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import {
  FittedPipeline, fitPipeline, parsePipelineSpec, PreprocessingInputError,
  type FittedPipelineJSON, type PipelineSpec, type Row,
} from '../../src/preprocessing/index.js';

const train: Row[] = [
  { age: 30, income: 50_000, state: 'CA', tier: 'b' },
  { age: 40, income: null, state: 'TX', tier: 'a' },
  { age: 50, income: 70_000, state: 'NY', tier: 'c' },
];

const spec: PipelineSpec = {
  steps: [
    { type: 'impute', columns: ['income'], strategy: 'median' },
    { type: 'standard_scale', columns: ['income'] },
    { type: 'one_hot', column: 'state' },
    { type: 'ordinal', column: 'tier', output: 'tier_code', handle_unknown: 'nan' },
    { passthrough: ['age'] },
  ],
};

function errorOf(fn: () => unknown): PreprocessingInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PreprocessingInputError);
    expect(err).toBeInstanceOf(InvalidParameterError);
    return err as PreprocessingInputError;
  }
  throw new Error('expected an error');
}

describe('transform', () => {
  const p = fitPipeline(spec, train);

  it('lays out features in the order the steps make them, row-major float32', () => {
    expect(p.featureNames).toEqual(['income', 'state=CA', 'state=NY', 'state=TX', 'tier_code', 'age']);
    expect(p.inputColumns).toEqual(['income', 'state', 'tier', 'age']);
    const { matrix } = p.transform(train);
    expect(matrix).toBeInstanceOf(Float32Array);
    // income: median 60000 fills row 1 → [50000, 60000, 70000]: mean 60000, std sqrt(2e8/3).
    const z = 10_000 / Math.sqrt(2e8 / 3);
    expect(Array.from(matrix)).toEqual([
      Math.fround(-z), 1, 0, 0, 1, 30,
      0, 0, 0, 1, 0, 40,
      Math.fround(z), 0, 1, 0, 2, 50,
    ]);
  });

  it('follows an explicit output order', () => {
    const q = fitPipeline({ ...spec, output: ['age', 'tier_code', 'state=TX'] }, train);
    expect(q.featureNames).toEqual(['age', 'tier_code', 'state=TX']);
    expect(Array.from(q.transformRow({ age: 1, income: 0, state: 'TX', tier: 'zzz' }))).toEqual([1, NaN, 1]);
  });

  it('writes into a caller buffer at an offset, and refuses a buffer too small', () => {
    const out = new Float32Array(2 + 2 * p.numFeatures).fill(-7);
    p.transformInto(train.slice(0, 2), out, 2);
    expect(out[0]).toBe(-7);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(p.transform(train.slice(0, 2)).matrix));
    p.transformRowInto(train[2]!, out, 2);
    expect(Array.from(out.subarray(2, 2 + p.numFeatures))).toEqual(Array.from(p.transformRow(train[2]!)));
    expect(() => p.transformInto(train, out, 2)).toThrow(/too small/);
  });

  it('handles zero rows', () => {
    expect(p.transform([]).matrix.length).toBe(0);
  });

  it('names the row and column of a missing column', () => {
    const e = errorOf(() => p.transform([train[0]!, { age: 1, income: 1, tier: 'a' }]));
    expect(e).toMatchObject({ row: 1, column: 'state', code: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect(e.message).toMatch(/Row 1, column 'state': the column is missing/);
  });

  it('treats a present undefined as a missing value, not a missing column', () => {
    const x = p.transformRow({ age: 1, income: undefined as unknown as null, state: 'CA', tier: 'a' });
    expect(x[0]).toBe(Math.fround(0)); // imputed with the median = the mean
  });

  it('names the row and column of a wrong type', () => {
    expect(errorOf(() => p.transform([train[0]!, train[1]!, { ...train[2]!, age: '50' }]))).toMatchObject({ row: 2, column: 'age' });
    expect(errorOf(() => p.transformRow({ ...train[0]!, income: Number.POSITIVE_INFINITY }, 5))).toMatchObject({ row: 5, column: 'income' });
    expect(errorOf(() => p.transformRow({ ...train[0]!, state: {} as unknown as string }))).toMatchObject({ column: 'state' });
    expect(errorOf(() => p.transform([null as unknown as Row]))).toMatchObject({ row: 0 });
  });

  it('reads booleans as 1/0 in numeric columns', () => {
    expect(p.transformRow({ ...train[0]!, age: true })[5]).toBe(1);
  });

  it('refuses an unknown category under the error policy and names it', () => {
    const e = errorOf(() => p.transform([train[0]!, { ...train[0]!, state: 'ZZ' }]));
    expect(e).toMatchObject({ row: 1, column: 'state' });
    expect(e.message).toMatch(/unknown category "ZZ"; step 2 \(one_hot\) knows "CA", "NY", "TX"/);
  });

  it('refuses a missing category under the error policy (one_hot defaults to handle_unknown)', () => {
    expect(errorOf(() => p.transformRow({ ...train[0]!, state: '' }, 3))).toMatchObject({ row: 3, column: 'state' });
  });

  it("unknown categories under 'ignore', 'nan' and 'value'", () => {
    const steps: PipelineSpec['steps'] = [
      { type: 'one_hot', column: 'c', handle_unknown: 'ignore' },
      { type: 'ordinal', column: 'c', output: 'n', handle_unknown: 'nan' },
      { type: 'ordinal', column: 'c', output: 'v', handle_unknown: 'value', unknown_value: -1 },
    ];
    const q = fitPipeline({ steps }, [{ c: 'a' }, { c: 'b' }]);
    expect(q.featureNames).toEqual(['c=a', 'c=b', 'n', 'v']);
    expect(Array.from(q.transformRow({ c: 'b' }))).toEqual([0, 1, 1, 1]);
    expect(Array.from(q.transformRow({ c: 'zz' }))).toEqual([0, 0, NaN, -1]);
    // Missing: one_hot follows handle_unknown ('ignore'); ordinal keeps it missing.
    expect(Array.from(q.transformRow({ c: null }))).toEqual([0, 0, NaN, NaN]);
    // A step left out of the output still runs, so its error policy holds.
    const r = fitPipeline({ steps: [...steps, { type: 'ordinal', column: 'c', output: 'e' }], output: ['c=a', 'v'] }, [{ c: 'a' }, { c: 'b' }]);
    expect(errorOf(() => r.transformRow({ c: 'zz' }, 8))).toMatchObject({ row: 8, column: 'c' });
  });

  it('refuses NaN where the step forbids it', () => {
    const q = fitPipeline({
      steps: [{ type: 'passthrough', columns: ['a'], handle_missing: 'error' }, { type: 'bucketize', column: 'b', boundaries: [0] }],
    }, [{ a: 1, b: 1 }]);
    expect(errorOf(() => q.transformRow({ a: Number.NaN, b: 1 }, 1))).toMatchObject({ row: 1, column: 'a' });
    const e = errorOf(() => q.transform([{ a: 1, b: 1 }, { a: 1, b: '' }]));
    expect(e).toMatchObject({ row: 1, column: 'b' });
    expect(e.message).toMatch(/missing and step 1 \(bucketize\) does not accept missing values/);
  });

  it('categories match strictly by type', () => {
    const q = fitPipeline({ steps: [{ type: 'one_hot', column: 'n', handle_unknown: 'ignore' }] }, [{ n: 1 }, { n: 2 }]);
    expect(Array.from(q.transformRow({ n: '1' }))).toEqual([0, 0]);
    expect(Array.from(q.transformRow({ n: 1 }))).toEqual([1, 0]);
  });

  it('a category column can be read as numbers after encoding, and a numeric one as categories', () => {
    const q = fitPipeline({
      steps: [
        { type: 'ordinal', column: 's' },
        { type: 'standard_scale', columns: ['s'] },
        { type: 'one_hot', column: 'k' },
        { passthrough: ['k'] },
      ],
    }, [{ s: 'a', k: 3 }, { s: 'c', k: 4 }]);
    expect(q.featureNames).toEqual(['s', 'k=3', 'k=4', 'k']);
    expect(Array.from(q.transformRow({ s: 'c', k: 3 }))).toEqual([1, 1, 0, 3]);
    expect(errorOf(() => q.transformRow({ s: 'c', k: 'x' }))).toMatchObject({ column: 'k' });
  });
});

describe('spec checks', () => {
  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /pipeline must be an object/],
    ['steps missing', {}, /steps must be a list/],
    ['an unknown step type', { steps: [{ type: 'pca', columns: ['a'] }] }, /steps\[0\]\.type must be one of/],
    ['a misspelt option', { steps: [{ type: 'one_hot', column: 'a', handle_unkown: 'ignore' }] }, /steps\[0\]\.handle_unkown is not an option/],
    ['fitted values in a spec', { steps: [{ type: 'standard_scale', columns: ['a'], mean: [0] }] }, /steps\[0\]\.mean is not an option/],
    ['no columns', { steps: [{ type: 'passthrough', columns: [] }] }, /columns must be a non-empty list/],
    ['a column twice', { steps: [{ passthrough: ['a', 'a'] }] }, /lists 'a' twice/],
    ['constant without fill_value', { steps: [{ type: 'impute', columns: ['a'], strategy: 'constant' }] }, /fill_value is required/],
    ['fill_value with mean', { steps: [{ type: 'impute', columns: ['a'], strategy: 'mean', fill_value: 0 }] }, /only applies to strategy 'constant'/],
    ['an empty fill_value', { steps: [{ type: 'impute', columns: ['a'], strategy: 'constant', fill_value: '' }] }, /empty string means missing/],
    ['a bad strategy', { steps: [{ type: 'impute', columns: ['a'], strategy: 'avg' }] }, /strategy must be one of mean, median, most_frequent, constant/],
    ['an inverted range', { steps: [{ type: 'min_max_scale', columns: ['a'], range: [1, 0] }] }, /min < max/],
    ['boundaries and n_bins', { steps: [{ type: 'bucketize', column: 'a', boundaries: [1], n_bins: 3 }] }, /either boundaries or n_bins/],
    ['neither', { steps: [{ type: 'bucketize', column: 'a' }] }, /either boundaries or n_bins/],
    ['unsorted boundaries', { steps: [{ type: 'bucketize', column: 'a', boundaries: [1, 1] }] }, /strictly increasing/],
    ['one bin', { steps: [{ type: 'bucketize', column: 'a', n_bins: 1 }] }, /n_bins must be an integer from 2/],
    ['strategy without n_bins', { steps: [{ type: 'bucketize', column: 'a', boundaries: [1], strategy: 'uniform' }] }, /only applies with n_bins/],
    ["'value' without unknown_value", { steps: [{ type: 'ordinal', column: 'a', handle_unknown: 'value' }] }, /unknown_value is required/],
    ['unknown_value equal to a code', { steps: [{ type: 'ordinal', column: 'a', categories: ['x', 'y'], handle_unknown: 'value', unknown_value: 1 }] }, /must not be a category code/],
    ['mixed categories', { steps: [{ type: 'one_hot', column: 'a', categories: ['x', 1] }] }, /must not mix strings and numbers/],
    ['a category twice', { steps: [{ type: 'one_hot', column: 'a', categories: ['x', 'x'] }] }, /lists a category twice/],
    ['an output twice', { steps: [{ passthrough: ['a'] }], output: ['a', 'a'] }, /output lists 'a' twice/],
  ])('%s', (_what, value, message) => {
    expect(() => parsePipelineSpec(value)).toThrow(InvalidParameterError);
    expect(() => parsePipelineSpec(value)).toThrow(message);
  });

  it('checks names when fitting', () => {
    const rows: Row[] = [{ a: 1, c: 'x', 'c=x': 2 }];
    expect(() => fitPipeline({ steps: [{ passthrough: ['a'] }], output: ['b'] }, rows)).toThrow(/'b' is not produced by any step/);
    expect(() => fitPipeline({ steps: [{ type: 'one_hot', column: 'c' }, { passthrough: ['a'] }], output: ['c'] }, rows)).toThrow(/'c' holds categories/);
    expect(() => fitPipeline({ steps: [{ passthrough: ['c=x'] }, { type: 'one_hot', column: 'c' }] }, rows)).toThrow(/feature name 'c=x' is already used/);
    expect(() => fitPipeline({ steps: [{ passthrough: ['a'] }, { type: 'ordinal', column: 'c', output: 'a' }] }, rows)).toThrow(/feature name 'a' is already used/);
    expect(() => fitPipeline({ steps: [{ type: 'impute', columns: ['a'], strategy: 'mean' }] }, rows)).toThrow(/produces no features/);
  });
});

describe('FittedPipeline.fromJSON checks what it loads', () => {
  const good = fitPipeline(spec, train).toJSON();
  const withStep = (i: number, patch: Record<string, unknown>): unknown => ({
    ...good, steps: good.steps.map((s, k) => (k === i ? { ...s, ...patch } : s)),
  });
  it.each<[string, unknown, RegExp]>([
    ['another format', { ...good, format: 'x/2' }, /format must be 'puente.preprocessing\/1'/],
    ['no output', { ...good, output: undefined }, /output must be a non-empty list/],
    ['missing fitted values', withStep(1, { mean: undefined }), /steps\[1\]\.mean must be a list of numbers/],
    ['a length mismatch', withStep(1, { std: [1, 2] }), /steps\[1\]\.std must have one number per column/],
    ['a negative std', withStep(1, { std: [-1] }), /must not be negative/],
    ['a non-finite value', withStep(0, { values: [null] }), /steps\[0\]\.values\[0\] must be a finite number/],
    ['no categories', withStep(2, { categories: undefined }), /steps\[2\]\.categories must be a non-empty list/],
    ['an unknown key', withStep(3, { extra: 1 }), /steps\[3\]\.extra is not an option/],
    ['an output nobody makes', { ...good, output: ['nope'] }, /'nope' is not produced/],
  ])('%s', (_what, value, message) => {
    expect(() => FittedPipeline.fromJSON(value)).toThrow(InvalidParameterError);
    expect(() => FittedPipeline.fromJSON(value)).toThrow(message);
  });

  it('fills defaults of a hand-written fitted pipeline', () => {
    const hand: unknown = {
      format: 'puente.preprocessing/1',
      steps: [{ type: 'one_hot', column: 'c', categories: ['a', 'b'], handle_unknown: 'ignore' }, { type: 'min_max_scale', columns: ['x'], data_min: [0], data_max: [2] }],
      output: ['c=a', 'c=b', 'x'],
    };
    const p = FittedPipeline.fromJSON(hand);
    const json: FittedPipelineJSON = p.toJSON();
    expect(json.steps[0]).toMatchObject({ handle_missing: 'ignore' });
    expect(json.steps[1]).toMatchObject({ range: [0, 1], clip: false, handle_missing: 'keep' });
    expect(Array.from(p.transformRow({ c: null, x: 1 }))).toEqual([0, 0, 0.5]);
  });

  it('toJSON returns a copy', () => {
    const p = FittedPipeline.fromJSON(good);
    (p.toJSON().steps[1] as unknown as { mean: number[] }).mean[0] = 123;
    expect(p.toJSON()).toEqual(good);
  });
});
