/**
 * Element types and tensor shapes as this runtime reports them, independent of onnxruntime's own
 * types so that callers (serving, the CLI) never import the native package.
 */

/** ONNX tensor element types that onnxruntime-node can hand to JavaScript. */
export type OnnxElementType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'int4'
  | 'uint4';

/**
 * One dimension of a declared shape: a fixed size, the name of a symbolic dimension (e.g. 'N',
 * shared by every value that uses the same name), or null for a dynamic dimension without a name.
 */
export type OnnxDim = number | string | null;

/** Metadata of one model input or output. */
export interface OnnxValueInfo {
  readonly name: string;
  /** False for sequences and maps, which this runtime does not feed or return. */
  readonly isTensor: boolean;
  /** Element type; null when the value is not a tensor. */
  readonly type: OnnxElementType | null;
  /**
   * Declared shape. An empty array is either a scalar or a value declared without a shape: the
   * runtime cannot tell them apart, so validation does not check the rank of such a value.
   */
  readonly shape: readonly OnnxDim[];
}

/** The typed arrays onnxruntime reads and writes tensors in. */
export type OnnxTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Data a caller may feed. Typed arrays must match the input's element type; plain arrays are
 * converted to it (null in a float array stands for NaN, which JSON cannot carry).
 */
export type OnnxTensorData =
  | OnnxTypedArray
  | readonly (number | null)[]
  | readonly bigint[]
  | readonly string[]
  | readonly boolean[];

/** One input value: flat data in row-major order and its dimensions. */
export interface OnnxTensorInput {
  readonly data: OnnxTensorData;
  readonly dims: readonly number[];
}

/** Data as onnxruntime returns it: bool as Uint8Array (0/1), int64 as BigInt64Array, float16 as raw bits. */
export type OnnxOutputData = OnnxTypedArray | string[];

/** One output value. */
export interface OnnxTensorOutput {
  readonly data: OnnxOutputData;
  readonly dims: number[];
  readonly type: OnnxElementType;
}

/** A JSON-safe element: int64 beyond 2^53 stays exact as a decimal string, NaN and ±Infinity become null. */
export type JsonTensorElement = number | string | boolean | null;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * Converts tensor data to a plain array that JSON.stringify renders faithfully: int64/uint64
 * become numbers when they are safe integers (decimal strings otherwise, so no digit is lost),
 * bool data becomes booleans, float16 bits become numbers, NaN and ±Infinity become null.
 * `type` is needed only where the array alone is ambiguous: 'bool' and 'float16'.
 */
export function toJsonArray(data: OnnxOutputData | OnnxTensorData, type?: OnnxElementType): JsonTensorElement[] {
  const n = data.length;
  const out: JsonTensorElement[] = new Array(n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array || (n > 0 && typeof data[0] === 'bigint')) {
    const big = data as ArrayLike<bigint>;
    for (let i = 0; i < n; i++) {
      const v = big[i];
      out[i] = v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
    }
    return out;
  }
  if (type === 'bool') {
    for (let i = 0; i < n; i++) out[i] = Boolean((data as ArrayLike<unknown>)[i]);
    return out;
  }
  if (type === 'float16' && data instanceof Uint16Array) {
    for (let i = 0; i < n; i++) out[i] = finiteOrNull(halfToNumber(data[i]));
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = (data as ArrayLike<number | string | boolean>)[i];
    out[i] = typeof v === 'number' ? finiteOrNull(v) : v;
  }
  return out;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** IEEE 754 half precision bits to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A shape for messages: [N,16], with '?' for unnamed dynamic dimensions. */
export function formatShape(shape: readonly OnnxDim[] | readonly number[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}
