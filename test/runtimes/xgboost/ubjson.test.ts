import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/errors/index.js';
import { decodeUbjson, UbjsonError } from '../../../src/runtimes/xgboost/index.js';
import { encodeXgboostUbjson, tinyModel } from './helpers.js';

/** Bytes from ASCII strings (markers, text) and numbers (raw bytes). */
function b(...parts: (string | number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of Buffer.from(p, 'utf8')) out.push(c);
    else if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** Big-endian bytes of a number of the given UBJSON type. */
function be(type: 'I' | 'l' | 'L' | 'd' | 'D', v: number): number[] {
  const size = { I: 2, l: 4, L: 8, d: 4, D: 8 }[type];
  const view = new DataView(new ArrayBuffer(size));
  if (type === 'I') view.setInt16(0, v);
  else if (type === 'l') view.setInt32(0, v);
  else if (type === 'L') view.setBigInt64(0, BigInt(v));
  else if (type === 'd') view.setFloat32(0, v);
  else view.setFloat64(0, v);
  return Array.from(new Uint8Array(view.buffer));
}

function failure(bytes: Uint8Array, maxDepth?: number): UbjsonError {
  try {
    decodeUbjson(bytes, maxDepth === undefined ? {} : { maxDepth });
  } catch (err) {
    expect(err).toBeInstanceOf(UbjsonError);
    expect(err).toBeInstanceOf(InvalidParameterError);
    return err as UbjsonError;
  }
  throw new Error('decoding did not fail');
}

describe('values', () => {
  it('decodes every scalar type, big-endian', () => {
    expect(decodeUbjson(b('Z'))).toBeNull();
    expect(decodeUbjson(b('T'))).toBe(true);
    expect(decodeUbjson(b('F'))).toBe(false);
    expect(decodeUbjson(b('i', 0xfb))).toBe(-5);
    expect(decodeUbjson(b('U', 200))).toBe(200);
    expect(decodeUbjson(b('I', be('I', -300)))).toBe(-300);
    expect(decodeUbjson(b('l', be('l', 70000)))).toBe(70000);
    expect(decodeUbjson(b('L', be('L', 2 ** 40 + 3)))).toBe(2 ** 40 + 3);
    expect(decodeUbjson(b('d', be('d', 1.5)))).toBe(1.5);
    expect(decodeUbjson(b('d', be('d', 0.1)))).toBe(Math.fround(0.1));
    expect(decodeUbjson(b('D', be('D', 0.1)))).toBe(0.1);
    expect(decodeUbjson(b('C', 'a'))).toBe('a');
    expect(decodeUbjson(b('S', 'i', 6, 'héllo'))).toBe('héllo');
    expect(decodeUbjson(b('S', 'L', be('L', 3), 'abc'))).toBe('abc');
    expect(decodeUbjson(b('H', 'i', 6, '1.25e3'))).toBe(1250);
  });

  it('keeps int64 values beyond 2^53 exact as bigint', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigInt64(0, 2n ** 60n + 1n);
    expect(decodeUbjson(b('L', new Uint8Array(view.buffer)))).toBe(2n ** 60n + 1n);
  });

  it('skips no-op markers between values and at the end', () => {
    expect(decodeUbjson(b('N', 'N', '[', 'N', 'i', 1, 'N', 'i', 2, ']', 'N'))).toEqual([1, 2]);
  });
});

describe('containers', () => {
  it('decodes plain and counted arrays', () => {
    expect(decodeUbjson(b('[', 'i', 1, 'S', 'i', 1, 'x', 'T', 'Z', ']'))).toEqual([1, 'x', true, null]);
    expect(decodeUbjson(b('[', ']'))).toEqual([]);
    // XGBoost's generic arrays: '#' 'L' count, then marked values, no closing bracket.
    expect(decodeUbjson(b('[', '#', 'L', be('L', 2), 'i', 7, 'd', be('d', 2.5)))).toEqual([7, 2.5]);
  });

  it('decodes optimized numeric arrays into typed arrays', () => {
    const f32 = decodeUbjson(b('[', '$', 'd', '#', 'i', 3, be('d', 1.5), be('d', -0.1), be('d', 3e38)));
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f32 as Float32Array)).toEqual([1.5, Math.fround(-0.1), Math.fround(3e38)]);

    const i32 = decodeUbjson(b('[', '$', 'l', '#', 'L', be('L', 3), be('l', -1), be('l', 2147483647), be('l', 5)));
    expect(i32).toBeInstanceOf(Int32Array);
    expect(Array.from(i32 as Int32Array)).toEqual([-1, 2147483647, 5]);

    const u8 = decodeUbjson(b('[', '$', 'U', '#', 'i', 4, 0, 1, 255, 7));
    expect(u8).toEqual(Uint8Array.from([0, 1, 255, 7]));
    expect(decodeUbjson(b('[', '$', 'i', '#', 'i', 2, 0xff, 0x7f))).toEqual(Int8Array.from([-1, 127]));
    expect(decodeUbjson(b('[', '$', 'I', '#', 'i', 2, be('I', -2), be('I', 300)))).toEqual(Int16Array.from([-2, 300]));
    expect(decodeUbjson(b('[', '$', 'D', '#', 'i', 1, be('D', 0.1)))).toEqual(Float64Array.from([0.1]));
    expect(decodeUbjson(b('[', '$', 'L', '#', 'i', 2, be('L', -3), be('L', 2 ** 40)))).toEqual(BigInt64Array.from([-3n, 2n ** 40n]));
    expect(decodeUbjson(b('[', '$', 'd', '#', 'i', 0))).toEqual(new Float32Array(0));
  });

  it('decodes a typed array that does not start on an aligned byte', () => {
    // The float array's data starts at byte 6, not a multiple of 4.
    const doc = decodeUbjson(b('[', 'U', 9, '[', '$', 'd', '#', 'i', 2, be('d', 1.25), be('d', -2), ']'));
    expect(doc).toEqual([9, Float32Array.from([1.25, -2])]);
  });

  it('decodes optimized containers of non-numeric types', () => {
    expect(decodeUbjson(b('[', '$', 'S', '#', 'i', 2, 'i', 1, 'a', 'i', 2, 'bc'))).toEqual(['a', 'bc']);
    expect(decodeUbjson(b('[', '$', 'T', '#', 'i', 3))).toEqual([true, true, true]);
    expect(decodeUbjson(b('[', '$', 'Z', '#', 'i', 2))).toEqual([null, null]);
    expect(decodeUbjson(b('[', '$', '[', '#', 'i', 2, '$', 'U', '#', 'i', 1, 4, ']'))).toEqual([Uint8Array.from([4]), []]);
  });

  it('decodes objects: plain, counted and typed, with any integer key length', () => {
    expect(decodeUbjson(b('{', 'L', be('L', 1), 'a', 'i', 1, 'U', 2, 'bb', 'S', 'i', 1, 'x', '}'))).toEqual({ a: 1, bb: 'x' });
    expect(decodeUbjson(b('{', '}'))).toEqual({});
    expect(decodeUbjson(b('{', '#', 'i', 2, 'i', 1, 'a', 'T', 'i', 1, 'b', 'F'))).toEqual({ a: true, b: false });
    expect(decodeUbjson(b('{', '$', 'd', '#', 'i', 2, 'i', 1, 'x', be('d', 0.5), 'i', 1, 'y', be('d', -1)))).toEqual({ x: 0.5, y: -1 });
    expect(decodeUbjson(b('{', 'i', 1, 'k', 'i', 1, 'N', 'i', 1, 'k', 'i', 2, '}'))).toEqual({ k: 2 });
  });

  it("stores a '__proto__' key as data, never as the object's prototype", () => {
    const doc = decodeUbjson(b('{', 'i', 9, '__proto__', '{', 'i', 1, 'x', 'i', 1, '}', '}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toEqual({ x: 1 });
    expect((doc as { x?: unknown }).x).toBeUndefined();
  });

  it('decodes what the test encoder writes for a model, as XGBoost lays it out', () => {
    const doc = tinyModel({
      numFeature: 2,
      trees: [{ left: [1, -1, -1], right: [2, -1, -1], feature: [1, 0, 0], cond: [0.5, -0.25, 0.75], defaultLeft: [1, 0, 0] }],
    });
    const decoded = decodeUbjson(encodeXgboostUbjson(doc)) as any;
    const tree = decoded.learner.gradient_booster.model.trees[0];
    expect(tree.split_conditions).toEqual(Float32Array.from([0.5, -0.25, 0.75]));
    expect(tree.left_children).toEqual(Int32Array.from([1, -1, -1]));
    expect(tree.default_left).toEqual(Uint8Array.from([1, 0, 0]));
    expect(tree.categories_segments).toEqual(new BigInt64Array(0));
    expect(tree.tree_param).toEqual({ num_deleted: '0', num_feature: '2', num_nodes: '3', size_leaf_vector: '0' });
    expect(decoded.learner.gradient_booster.model.tree_info).toEqual([0]);
    expect(decoded.version).toEqual([1, 7, 4]);
    expect(decoded.learner.objective).toEqual({ name: 'reg:squarederror' });
  });
});

describe('malformed input', () => {
  it('names the byte offset where decoding stopped', () => {
    const truncated = failure(b('[', 'l', 0, 0));
    expect(truncated.offset).toBe(2);
    expect(truncated.message).toMatch(/^Malformed UBJSON at byte offset 2: truncated int32/);
    expect(truncated.code).toBe('INVALID_PARAMETER_VALUE');

    const unknown = failure(b('[', 'i', 1, 'X', ']'));
    expect(unknown.offset).toBe(3);
    expect(unknown.message).toContain("unknown type marker 'X' (0x58)");
  });

  it('refuses an empty input and a missing end', () => {
    expect(failure(b()).message).toContain('unexpected end of input');
    expect(failure(b('[', 'i', 1)).message).toContain('unexpected end of input');
    expect(failure(b('{', 'i', 1, 'a', 'T')).message).toContain('unexpected end of input inside an object');
  });

  it('refuses bad container headers and counts', () => {
    expect(failure(b('[', '$', 'd', 'i', 1)).message).toContain("a typed container ('$') must give its count ('#')");
    expect(failure(b('[', '$', 'N', '#', 'i', 1)).message).toContain('invalid container element type');
    expect(failure(b('[', '#', 'i', 0xff)).message).toContain('container count -1 is out of range');
    expect(failure(b('[', '#', 'd', be('d', 1))).message).toContain('container count must be an integer');
    const big = failure(b('[', '$', 'd', '#', 'l', be('l', 1000), be('d', 1)));
    expect(big.message).toContain('container count 1000 does not fit in the 4 byte(s) left');
    expect(big.offset).toBe(0);
    expect(failure(b('[', '#', 'L', be('L', 2 ** 40))).message).toContain('does not fit');
    expect(failure(b('[', '$', 'T', '#', 'l', be('l', 2 ** 30))).message).toContain('does not fit');
  });

  it('refuses truncated strings, invalid UTF-8 and non-decimal high-precision numbers', () => {
    expect(failure(b('S', 'i', 10, 'abc')).message).toContain('truncated string: needs 10 byte(s), 3 left');
    expect(failure(b('S', 'i', 2, 0xc3, 0x28)).message).toContain('not valid UTF-8');
    expect(failure(b('{', 'i', 1, 0xff, 'T', '}')).message).toContain('object key is not valid UTF-8');
    expect(failure(b('H', 'i', 3, 'abc')).message).toContain("high-precision number 'abc' is not a decimal number");
    expect(failure(b('C', 0xe9)).message).toContain('char must be a single ASCII byte');
  });

  it('refuses trailing data and nesting beyond the limit', () => {
    const trailing = failure(b('T', 'N', 'F'));
    expect(trailing.message).toContain('unexpected data after the end of the document');
    expect(trailing.offset).toBe(2);
    const deep = b(...new Array<string>(600).fill('['), ...new Array<string>(600).fill(']'));
    expect(failure(deep).message).toContain('nesting deeper than 512 levels');
    expect(decodeUbjson(b('[', '[', ']', ']'), { maxDepth: 2 })).toEqual([[]]);
    expect(failure(b('[', '[', '[', ']', ']', ']'), 2).message).toContain('nesting deeper than 2 levels');
  });

  it('refuses input that is not bytes', () => {
    expect(() => decodeUbjson('T' as unknown as Uint8Array)).toThrow(InvalidParameterError);
  });
});
