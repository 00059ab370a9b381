import { InvalidParameterError } from '../../errors/index.js';
import { formatShape, type OnnxElementType, type OnnxTensorInput, type OnnxValueInfo } from './tensor-types.js';

/** A feed checked against the model's inputs, with data in the form onnxruntime expects for `type`. */
export interface PreparedFeed {
  readonly name: string;
  readonly type: OnnxElementType;
  readonly data: ArrayLike<unknown>;
  readonly dims: readonly number[];
}

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** Which element types each typed array may feed without conversion (bool and float16 travel as their storage type). */
const TYPED_ARRAY_TYPES: ReadonlyArray<[TypedArrayCtor, readonly OnnxElementType[]]> = [
  [Float32Array, ['float32']],
  [Float64Array, ['float64']],
  [Int8Array, ['int8']],
  [Uint8Array, ['uint8', 'bool']],
  [Int16Array, ['int16']],
  [Uint16Array, ['uint16', 'float16']],
  [Int32Array, ['int32']],
  [Uint32Array, ['uint32']],
  [BigInt64Array, ['int64']],
  [BigUint64Array, ['uint64']],
];

/** Integer types a plain array of numbers converts into, with their ranges. */
const INTEGER_TYPES: Partial<Record<OnnxElementType, { ctor: TypedArrayCtor; min: number; max: number }>> = {
  int8: { ctor: Int8Array, min: -128, max: 127 },
  uint8: { ctor: Uint8Array, min: 0, max: 255 },
  int16: { ctor: Int16Array, min: -32768, max: 32767 },
  uint16: { ctor: Uint16Array, min: 0, max: 65535 },
  int32: { ctor: Int32Array, min: -2147483648, max: 2147483647 },
  uint32: { ctor: Uint32Array, min: 0, max: 4294967295 },
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** What a caller should send for each element type, for error messages. */
function expectedData(type: OnnxElementType): string {
  switch (type) {
    case 'float32':
      return 'a Float32Array or an array of numbers (null for NaN)';
    case 'float64':
      return 'a Float64Array or an array of numbers (null for NaN)';
    case 'int64':
      return 'a BigInt64Array or an array of integers';
    case 'uint64':
      return 'a BigUint64Array or an array of non-negative integers';
    case 'bool':
      return 'an array of booleans or a Uint8Array of 0/1';
    case 'string':
      return 'an array of strings';
    case 'float16':
      return 'a Uint16Array of IEEE half-precision bits';
    default: {
      const int = INTEGER_TYPES[type];
      return int ? `an ${int.ctor.name} or an array of integers` : 'data this runtime cannot build';
    }
  }
}

/** Describes what a caller sent, for error messages. */
function describeData(data: unknown): string {
  if (ArrayBuffer.isView(data)) return `${/^[AEIOU]/.test(data.constructor.name) ? 'an' : 'a'} ${data.constructor.name}`;
  if (Array.isArray(data)) {
    const first = data.find((v) => v !== null && v !== undefined);
    return first === undefined ? 'an array' : `an array of ${typeof first}s`;
  }
  return data === null ? 'null' : `a ${typeof data}`;
}

/**
 * Checks feeds against a model's declared inputs and returns them ready for onnxruntime. Every
 * rule onnxruntime would enforce with a terse native message is checked here first, so the caller
 * learns which input was wrong and what was expected. Built once per model: a single-row call
 * spends most of its time outside the model, so per-call work is kept to the checks themselves.
 */
export class FeedChecker {
  readonly #inputs: readonly OnnxValueInfo[];
  readonly #names: ReadonlySet<string>;

  constructor(inputs: readonly OnnxValueInfo[]) {
    this.#inputs = inputs;
    this.#names = new Set(inputs.map((i) => i.name));
  }

  prepare(feeds: Readonly<Record<string, OnnxTensorInput>>): PreparedFeed[] {
    if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds)) {
      throw new InvalidParameterError('Inputs must be an object that maps each input name to { data, dims }.', 'inputs');
    }
    const inputs = this.#inputs;
    let given = 0;
    for (const name in feeds) {
      if (!Object.hasOwn(feeds, name)) continue;
      if (!this.#names.has(name)) {
        throw new InvalidParameterError(`Unknown input '${name}': the model's inputs are ${this.#expected()}.`, name);
      }
      given++;
    }
    if (given < inputs.length) {
      const missing = inputs.filter((info) => feeds[info.name] === undefined).map((info) => info.name);
      throw new InvalidParameterError(
        `Missing input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}: the model needs ${this.#expected()}.`,
        missing[0],
      );
    }

    // Symbolic dimensions name one size across all inputs of a call.
    const bound = inputs.length > 1 ? new Map<string, { size: number; input: string }>() : undefined;
    const prepared: PreparedFeed[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const info = inputs[i];
      const feed = feeds[info.name];
      const type = checkedType(info);
      if (feed === null || typeof feed !== 'object' || !isArrayLike(feed.data) || !Array.isArray(feed.dims)) {
        throw new InvalidParameterError(`Input '${info.name}' must be an object { data, dims } with ${expectedData(type)} as data.`, info.name);
      }
      checkDataKind(info.name, type, feed.data);
      const dims = checkDims(info, feed.dims, bound);
      let size = 1;
      for (const d of dims) size *= d;
      if (size !== feed.data.length) {
        throw new InvalidParameterError(
          `Input '${info.name}' has dims ${formatShape(dims)}, which hold ${size} value${size === 1 ? '' : 's'}, but its data has ${feed.data.length}.`,
          info.name,
        );
      }
      prepared[i] = { name: info.name, type, data: convertData(info.name, type, feed.data), dims };
    }
    return prepared;
  }

  #expected(): string {
    return this.#inputs.map((i) => `'${i.name}'`).join(', ');
  }
}

function isArrayLike(data: unknown): data is ArrayLike<unknown> {
  return Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView));
}

/** The element type to feed; a model with an input it cannot feed still loads (its metadata is useful) and fails per call. */
function checkedType(info: OnnxValueInfo): OnnxElementType {
  if (!info.isTensor || info.type === null) {
    throw new InvalidParameterError(`Input '${info.name}' is not a tensor (a sequence or map); this runtime only feeds tensors.`, info.name);
  }
  if (info.type === 'int4' || info.type === 'uint4') {
    throw new InvalidParameterError(`Input '${info.name}' has element type ${info.type}, which this runtime cannot feed.`, info.name);
  }
  return info.type;
}

/** Rejects data whose element type cannot feed `type` (a cheap check: plain arrays are checked element by element later). */
function checkDataKind(name: string, type: OnnxElementType, data: ArrayLike<unknown>): void {
  const wrong = () =>
    new InvalidParameterError(`Input '${name}' is ${type}: expected ${expectedData(type)}, got ${describeData(data)}.`, name);
  if (ArrayBuffer.isView(data)) {
    const entry = TYPED_ARRAY_TYPES.find(([ctor]) => data instanceof ctor);
    if (!entry || !entry[1].includes(type)) throw wrong();
    return;
  }
  let first: unknown;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== null && data[i] !== undefined) {
      first = data[i];
      break;
    }
  }
  if (first === undefined) return; // empty or all null: decided element by element
  const kind = typeof first;
  const ok =
    type === 'string'
      ? kind === 'string'
      : type === 'bool'
        ? kind === 'boolean'
        : type === 'int64' || type === 'uint64'
          ? kind === 'number' || kind === 'bigint'
          : type !== 'float16' && kind === 'number';
  if (!ok) throw wrong();
}

function checkDims(info: OnnxValueInfo, dims: readonly unknown[], bound: Map<string, { size: number; input: string }> | undefined): number[] {
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new InvalidParameterError(
        `Input '${info.name}' has invalid dims [${dims.map(String).join(',')}]: each dimension must be a non-negative integer.`,
        info.name,
      );
    }
  }
  const sizes = dims as number[];
  const shape = info.shape;
  if (shape.length === 0) return sizes.slice();
  if (sizes.length !== shape.length) {
    throw new InvalidParameterError(
      `Input '${info.name}' expects ${shape.length} dimension${shape.length === 1 ? '' : 's'} ${formatShape(shape)}, got ${sizes.length}: ${formatShape(sizes)}.`,
      info.name,
    );
  }
  for (let axis = 0; axis < shape.length; axis++) {
    const declared = shape[axis];
    const size = sizes[axis];
    if (typeof declared === 'number' && declared >= 0 && size !== declared) {
      throw new InvalidParameterError(
        `Input '${info.name}' expects dimension ${axis} to be ${declared} (shape ${formatShape(shape)}), got ${size}.`,
        info.name,
      );
    }
    if (typeof declared === 'string' && bound) {
      const prior = bound.get(declared);
      if (prior && prior.size !== size) {
        throw new InvalidParameterError(
          `Input '${info.name}' sets dimension '${declared}' to ${size}, but input '${prior.input}' set it to ${prior.size}.`,
          info.name,
        );
      }
      if (!prior) bound.set(declared, { size, input: info.name });
    }
  }
  return sizes.slice();
}

/** Plain arrays become the typed array of `type`, checked element by element; typed arrays pass as they are. */
function convertData(name: string, type: OnnxElementType, data: OnnxTensorInput['data']): ArrayLike<unknown> {
  if (ArrayBuffer.isView(data)) return data;
  const values = data as readonly unknown[];
  const bad = (i: number, why: string) =>
    new InvalidParameterError(`Input '${name}' is ${type}: element ${i} (${String(values[i])}) ${why}.`, name);
  const n = values.length;

  if (type === 'float32' || type === 'float64') {
    const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'number') out[i] = v;
      else if (v === null) out[i] = NaN; // JSON has no NaN: null stands for a missing value
      else throw bad(i, 'is not a number');
    }
    return out;
  }
  if (type === 'int64' || type === 'uint64') {
    const out = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    const min = type === 'int64' ? INT64_MIN : 0n;
    const max = type === 'int64' ? INT64_MAX : UINT64_MAX;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      let big: bigint;
      if (typeof v === 'bigint') big = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
      else throw bad(i, typeof v === 'number' && Number.isInteger(v) ? 'is beyond 2^53: send it as a bigint' : 'is not an integer');
      if (big < min || big > max) throw bad(i, `is outside the ${type} range`);
      out[i] = big;
    }
    return out;
  }
  const int = INTEGER_TYPES[type];
  if (int) {
    const out = new int.ctor(n) as Int32Array;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(i, 'is not an integer');
      if (v < int.min || v > int.max) throw bad(i, `is outside the ${type} range ${int.min}..${int.max}`);
      out[i] = v;
    }
    return out;
  }
  if (type === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (typeof values[i] !== 'boolean') throw bad(i, 'is not a boolean');
      out[i] = values[i] ? 1 : 0;
    }
    return out;
  }
  if (type === 'string') {
    for (let i = 0; i < n; i++) if (typeof values[i] !== 'string') throw bad(i, 'is not a string');
    return values;
  }
  throw new InvalidParameterError(`Input '${name}' is ${type}: expected ${expectedData(type)}, got ${describeData(data)}.`, name);
}
