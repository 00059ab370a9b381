import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, PuenteError } from '../../../src/errors/index.js';
import { loadOnnxModel, matrixInput, predictMatrix, toJsonArray, type OnnxModel, type OnnxTensorInput } from '../../../src/runtimes/onnx/index.js';
import { fixtureBytes } from './fixtures.js';

/** The PuenteError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<PuenteError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PuenteError);
  return err as PuenteError;
}

async function invalid(promise: Promise<unknown>, message: RegExp, field?: string): Promise<void> {
  const err = await failure(promise);
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect(err.code).toBe('INVALID_PARAMETER_VALUE');
  expect(err.message).toMatch(message);
  if (field !== undefined) expect((err as InvalidParameterError).field).toBe(field);
}

const row = (n = 1) => new Float32Array(16 * n).fill(0.5);

describe('a model with typed inputs', () => {
  let model: OnnxModel;
  const feeds = (): Record<string, OnnxTensorInput> => ({
    ids: { data: BigInt64Array.from([1n, -2n, 2n ** 60n]), dims: [3] },
    names: { data: ['a', 'b', 'é'], dims: [3] },
    flags: { data: [true, false, true], dims: [3] },
    values: { data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), dims: [3, 3] },
    bias: { data: Float32Array.from([10, 20, 30]), dims: [3] },
  });
  beforeAll(async () => {
    model = await loadOnnxModel(fixtureBytes('typed_io.onnx'), { name: 'typed' });
  });
  afterAll(() => model.close());

  it('reports element types, fixed and symbolic dims, and unnamed dims as null', () => {
    expect(model.inputs).toEqual([
      { name: 'ids', isTensor: true, type: 'int64', shape: ['N'] },
      { name: 'names', isTensor: true, type: 'string', shape: ['N'] },
      { name: 'flags', isTensor: true, type: 'bool', shape: ['N'] },
      { name: 'values', isTensor: true, type: 'float64', shape: ['N', null] },
      { name: 'bias', isTensor: true, type: 'float32', shape: [3] },
    ]);
    expect(model.outputs.map((o) => [o.name, o.type])).toEqual([
      ['ids_out', 'int64'],
      ['names_out', 'string'],
      ['flags_out', 'bool'],
      ['shifted', 'float64'],
    ]);
    expect(matrixInput(model)).toBeNull();
  });

  it('runs every element type and returns all outputs', async () => {
    const out = await model.run(feeds());
    expect(out.ids_out).toEqual({ data: BigInt64Array.from([1n, -2n, 2n ** 60n]), dims: [3], type: 'int64' });
    expect(out.names_out).toEqual({ data: ['a', 'b', 'é'], dims: [3], type: 'string' });
    expect(out.flags_out.type).toBe('bool');
    expect(toJsonArray(out.flags_out.data, out.flags_out.type)).toEqual([false, true, false]);
    expect(out.shifted.dims).toEqual([3, 3]);
    expect(Array.from(out.shifted.data as Float64Array)).toEqual([11, 22, 33, 14, 25, 36, 17, 28, 39]);
  });

  it('returns only the outputs asked for, and rejects unknown ones', async () => {
    const out = await model.run(feeds(), ['shifted', 'ids_out']);
    expect(Object.keys(out).sort()).toEqual(['ids_out', 'shifted']);
    await invalid(model.run(feeds(), ['nope']), /Unknown output 'nope': the model's outputs are 'ids_out', 'names_out', 'flags_out', 'shifted'/);
    await invalid(model.run(feeds(), []), /at least one output/);
  });

  it('converts plain arrays from JSON callers to the declared types', async () => {
    const out = await model.run({
      ...feeds(),
      ids: { data: [1, 2, 9007199254740991], dims: [3] },
      values: { data: [1, null, 3, 4, 5, 6, 7, 8, 9], dims: [3, 3] },
      bias: { data: [0.5, 0, 0], dims: [3] },
    });
    expect(toJsonArray(out.ids_out.data)).toEqual([1, 2, 9007199254740991]);
    // null stands for NaN in a float input; NaN comes back as null in JSON.
    expect(toJsonArray(out.shifted.data).slice(0, 3)).toEqual([1.5, null, 3]);
    await invalid(model.run({ ...feeds(), ids: { data: [1, 2.5, 3], dims: [3] } }), /Input 'ids' is int64: element 1 \(2\.5\) is not an integer/, 'ids');
    await invalid(model.run({ ...feeds(), ids: { data: [1, 2, 2 ** 60], dims: [3] } }), /element 2 .* is beyond 2\^53/, 'ids');
    await invalid(model.run({ ...feeds(), names: { data: ['a', 7, 'c'] as unknown as string[], dims: [3] } }), /Input 'names' is string: element 1 \(7\) is not a string/);
    await invalid(model.run({ ...feeds(), flags: { data: [true, 1, false] as unknown as boolean[], dims: [3] } }), /element 1 \(1\) is not a boolean/);
  });

  it('names the input and the expected type when the element type is wrong', async () => {
    await invalid(model.run({ ...feeds(), ids: { data: Int32Array.from([1, 2, 3]), dims: [3] } }), /Input 'ids' is int64: expected a BigInt64Array or an array of integers, got an Int32Array/, 'ids');
    await invalid(model.run({ ...feeds(), names: { data: [1, 2, 3], dims: [3] } }), /Input 'names' is string: expected an array of strings, got an array of numbers/, 'names');
    await invalid(model.run({ ...feeds(), values: { data: new Float32Array(9), dims: [3, 3] } }), /Input 'values' is float64: expected a Float64Array/, 'values');
    await invalid(model.run({ ...feeds(), flags: { data: ['yes', 'no', 'yes'], dims: [3] } }), /Input 'flags' is bool: expected an array of booleans/, 'flags');
  });

  it('lists every missing input', async () => {
    const { names: _n, flags: _f, ...rest } = feeds();
    await invalid(model.run(rest), /Missing inputs 'names', 'flags': the model needs 'ids', 'names', 'flags', 'values', 'bias'/, 'names');
  });

  it('checks fixed dims, ranks and symbolic dims shared between inputs', async () => {
    await invalid(model.run({ ...feeds(), bias: { data: new Float32Array(4), dims: [4] } }), /Input 'bias' expects dimension 0 to be 3 \(shape \[3\]\), got 4/, 'bias');
    await invalid(model.run({ ...feeds(), values: { data: new Float64Array(9), dims: [9] } }), /Input 'values' expects 2 dimensions \[N,\?\], got 1: \[9\]/, 'values');
    await invalid(
      model.run({ ...feeds(), names: { data: ['a', 'b'], dims: [2] } }),
      /Input 'names' sets dimension 'N' to 2, but input 'ids' set it to 3/,
      'names',
    );
    // The unnamed dimension of 'values' takes any size.
    const out = await model.run({ ...feeds(), values: { data: new Float64Array(3), dims: [3, 1] } });
    expect(out.shifted.dims).toEqual([3, 3]);
  });
});

describe('feeds of the credit model', () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(fixtureBytes('credit_logreg.onnx'), { name: 'credit' });
  });
  afterAll(() => model.close());

  it('rejects an unknown input name and names the real ones', async () => {
    await invalid(model.run({ input: { data: row(), dims: [1, 16] }, extra: { data: row(), dims: [1, 16] } }), /Unknown input 'extra': the model's inputs are 'input'/, 'extra');
    await invalid(model.run({ features: { data: row(), dims: [1, 16] } }), /Unknown input 'features'/);
  });

  it('rejects a missing input', async () => {
    await invalid(model.run({}), /Missing input 'input': the model needs 'input'/, 'input');
  });

  it('rejects dims whose product differs from the data length', async () => {
    await invalid(model.run({ input: { data: row(2), dims: [3, 16] } }), /Input 'input' has dims \[3,16\], which hold 48 values, but its data has 32/, 'input');
    await invalid(model.run({ input: { data: row(1).subarray(1), dims: [1, 16] } }), /hold 16 values, but its data has 15/);
  });

  it('rejects a wrong feature count, rank, or malformed dims', async () => {
    await invalid(model.run({ input: { data: new Float32Array(15), dims: [1, 15] } }), /Input 'input' expects dimension 1 to be 16 \(shape \[N,16\]\), got 15/);
    await invalid(model.run({ input: { data: row(), dims: [16] } }), /expects 2 dimensions \[N,16\], got 1: \[16\]/);
    await invalid(model.run({ input: { data: row(), dims: [1.5, 16] } }), /invalid dims \[1\.5,16\]: each dimension must be a non-negative integer/);
    await invalid(model.run({ input: { data: row(), dims: [-1, 16] } }), /non-negative integer/);
    await invalid(model.run({ input: { data: row() } as unknown as OnnxTensorInput }), /Input 'input' must be an object \{ data, dims \}/);
    await invalid(model.run(null as unknown as Record<string, OnnxTensorInput>), /Inputs must be an object/);
  });

  it('rejects a wrong element type, naming what was expected', async () => {
    await invalid(
      model.run({ input: { data: new Float64Array(16), dims: [1, 16] } }),
      /Input 'input' is float32: expected a Float32Array or an array of numbers \(null for NaN\), got a Float64Array/,
      'input',
    );
    await invalid(model.run({ input: { data: new Array(16).fill('1'), dims: [1, 16] } }), /Input 'input' is float32: .* got an array of strings/);
  });

  it('predictMatrix checks the matrix before running', async () => {
    await invalid(predictMatrix(model, row(2), 2, 15), /expects 16 features per row, got 15/);
    await invalid(predictMatrix(model, row(2), 3, 16), /A 3 × 16 matrix holds 48 values, but rows has 32/);
    await invalid(predictMatrix(model, row(2), -2, 16), /nRows must be a non-negative integer/);
    await invalid(predictMatrix(model, new Float64Array(32) as unknown as Float32Array, 2, 16), /rows must be a Float32Array/);
    const typed = await loadOnnxModel(fixtureBytes('typed_io.onnx'));
    try {
      await invalid(predictMatrix(typed, row(), 1, 16), /The model does not take a single float32 matrix \[N, F\]; its inputs are 'ids' int64 \[N\], 'names' string \[N\]/);
    } finally {
      await typed.close();
    }
  });
});

describe('loading', () => {
  it('turns corrupt, truncated and empty files into a clear error', async () => {
    const trees = fixtureBytes('credit_trees.onnx');
    const cases: Array<[string, Uint8Array]> = [
      ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 251)],
      ['truncated', trees.subarray(0, trees.length >> 1)],
      ['text', Buffer.from('this is not a model\n')],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, bytes] of cases) {
      const err = await failure(loadOnnxModel(bytes, { name: `broken-${what}` }));
      expect(err.code, what).toBe('INVALID_PARAMETER_VALUE');
      expect(err.message, what).toMatch(new RegExp(`^Model 'broken-${what}' is not a valid ONNX model: \\S`));
    }
  });

  it('reports a well-formed file whose graph uses an unknown operator as invalid', async () => {
    const bytes = Buffer.from(fixtureBytes('typed_io.onnx'));
    const at = bytes.indexOf('Identity');
    expect(at).toBeGreaterThan(0);
    bytes.write('Identitx', at); // same length: the protobuf stays valid
    const err = await failure(loadOnnxModel(bytes));
    expect(err.message).toMatch(/^The model is not a valid ONNX model: .*Identitx/);
  });

  it('accepts thread settings and rejects impossible ones', async () => {
    const model = await loadOnnxModel(fixtureBytes('credit_mlp.onnx'), { intraOpThreads: 1, interOpThreads: 1 });
    const out = await predictMatrix(model, row(3), 3, 16);
    expect(out.probabilities.dims).toEqual([3, 2]);
    await model.close();
    for (const bad of [-1, 1.5, Number.NaN, 100_000]) {
      await invalid(loadOnnxModel(fixtureBytes('credit_mlp.onnx'), { intraOpThreads: bad }), /intraOpThreads must be a whole number from 0/, 'intraOpThreads');
      await invalid(loadOnnxModel(fixtureBytes('credit_mlp.onnx'), { interOpThreads: bad }), /interOpThreads must be a whole number from 0/, 'interOpThreads');
    }
  });

  it('rejects bytes that are not a Uint8Array', async () => {
    await invalid(loadOnnxModel('model.onnx' as unknown as Uint8Array), /must be a Uint8Array or Buffer/);
  });
});

describe('closing', () => {
  it('lets started runs finish, then refuses new ones; outputs stay readable', async () => {
    const model = await loadOnnxModel(fixtureBytes('credit_trees.onnx'));
    const pending = [predictMatrix(model, row(100), 100, 16), predictMatrix(model, row(1), 1, 16)];
    const closed = model.close();
    const results = await Promise.all(pending);
    await closed;
    expect(results.map((r) => r.probabilities.dims)).toEqual([[100, 2], [1, 2]]);
    expect((results[0].probabilities.data as Float32Array)[1]).toBeGreaterThan(0);
    const err = await failure(predictMatrix(model, row(), 1, 16));
    expect(err.code).toBe('TEMPORARILY_UNAVAILABLE');
    await model.close(); // a second close is harmless
  });
});

describe('toJsonArray', () => {
  it('keeps safe int64 values as numbers and larger ones exact as strings', () => {
    const big = BigInt64Array.from([0n, -5n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 63n)]);
    expect(toJsonArray(big)).toEqual([0, -5, 9007199254740991, -9007199254740991, '9007199254740992', '-9223372036854775808']);
    expect(toJsonArray(BigUint64Array.from([7n, 2n ** 64n - 1n]))).toEqual([7, '18446744073709551615']);
    expect(JSON.parse(JSON.stringify(toJsonArray(big)))).toEqual(toJsonArray(big));
  });

  it('turns non-finite floats into null, bool bytes into booleans, float16 bits into numbers', () => {
    expect(toJsonArray(Float32Array.from([0.25, NaN, Infinity, -Infinity]))).toEqual([0.25, null, null, null]);
    expect(toJsonArray(Uint8Array.from([1, 0, 1]), 'bool')).toEqual([true, false, true]);
    expect(toJsonArray(Uint8Array.from([1, 0, 255]), 'uint8')).toEqual([1, 0, 255]);
    // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), +Infinity, NaN
    expect(toJsonArray(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e00]), 'float16')).toEqual([1, -2, 65504, 2 ** -24, null, null]);
    expect(toJsonArray(['a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('lazy loading', () => {
  it('importing the module does not load the native runtime; loading a model does', async () => {
    // A fresh process, so no other test has loaded the library yet; /proc/self/maps lists the shared objects mapped.
    const script = [
      "import { readFileSync } from 'node:fs';",
      "const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes('libonnxruntime');",
      "const onnx = await import('./src/runtimes/onnx/index.ts');",
      'const before = mapped();',
      "const model = await onnx.loadOnnxModel(readFileSync('test/fixtures/onnx/credit_logreg.onnx'));",
      'console.log(JSON.stringify({ before, after: mapped(), inputs: model.inputs.length }));',
      'await model.close();',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../../', import.meta.url),
    });
    expect(JSON.parse(stdout.trim())).toEqual({ before: false, after: true, inputs: 1 });
  });
});
