import { InvalidParameterError } from '../../errors/index.js';

/**
 * Universal Binary JSON (UBJSON draft 12) decoder, as XGBoost writes it for `.ubj` models:
 * big-endian numbers, objects with length-prefixed keys, and optimized containers (`$` type and
 * `#` count) for its typed arrays.
 */

/** A typed array decoded from an optimized container whose elements are fixed-size numbers. */
export type UbjsonTypedArray = Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/**
 * A decoded value. Integers are numbers, except int64 values outside the safe range, which stay
 * bigint so that nothing is rounded silently. `C` gives a one-character string, `H` (high
 * precision) the number its decimal text denotes.
 */
export type UbjsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | UbjsonTypedArray
  | UbjsonValue[]
  | { [key: string]: UbjsonValue };

/** Malformed UBJSON; `offset` is the byte where decoding stopped. */
export class UbjsonError extends InvalidParameterError {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`Malformed UBJSON at byte offset ${offset}: ${detail}`, 'model');
  }
}

export interface UbjsonDecodeOptions {
  /** Deepest nesting of arrays and objects accepted (guards the stack against hostile input). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 512;
// A typed container of T, F or Z carries no payload, so its count cannot be checked against the
// bytes left; this bounds what such a header can make us allocate.
const MAX_EMPTY_PAYLOAD_COUNT = 1 << 24;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one UBJSON document; trailing bytes other than no-op markers are an error. */
export function decodeUbjson(bytes: Uint8Array, options: UbjsonDecodeOptions = {}): UbjsonValue {
  if (!(bytes instanceof Uint8Array)) throw new InvalidParameterError('UBJSON input must be a Uint8Array or Buffer.', 'model');
  return new Reader(bytes, options.maxDepth ?? DEFAULT_MAX_DEPTH).document();
}

/** Fixed-size numeric element types, with the typed array each optimized container becomes. */
const FIXED_TYPES: Record<string, { size: number; make: (n: number) => UbjsonTypedArray } | undefined> = {
  i: { size: 1, make: (n) => new Int8Array(n) },
  U: { size: 1, make: (n) => new Uint8Array(n) },
  I: { size: 2, make: (n) => new Int16Array(n) },
  l: { size: 4, make: (n) => new Int32Array(n) },
  L: { size: 8, make: (n) => new BigInt64Array(n) },
  d: { size: 4, make: (n) => new Float32Array(n) },
  D: { size: 8, make: (n) => new Float64Array(n) },
};

const HIGH_PRECISION = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #maxDepth: number;
  #pos = 0;

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#maxDepth = maxDepth;
  }

  document(): UbjsonValue {
    const value = this.#value(this.#marker(), 0);
    while (this.#pos < this.#bytes.length && this.#bytes[this.#pos] === 0x4e /* N */) this.#pos++;
    if (this.#pos !== this.#bytes.length) this.#fail('unexpected data after the end of the document', this.#pos);
    return value;
  }

  #fail(detail: string, at = this.#pos): never {
    throw new UbjsonError(at, detail);
  }

  #need(n: number, what: string): void {
    if (n > this.#bytes.length - this.#pos) {
      this.#fail(`truncated ${what}: needs ${n} byte(s), ${this.#bytes.length - this.#pos} left`);
    }
  }

  /** The next type marker, skipping no-op markers between values. */
  #marker(): string {
    for (;;) {
      if (this.#pos >= this.#bytes.length) this.#fail('unexpected end of input where a value was expected');
      const m = this.#bytes[this.#pos++];
      if (m !== 0x4e) return String.fromCharCode(m);
    }
  }

  #value(marker: string, depth: number): UbjsonValue {
    const at = this.#pos - 1;
    switch (marker) {
      case 'Z':
        return null;
      case 'T':
        return true;
      case 'F':
        return false;
      case '[':
        return this.#array(depth + 1, at);
      case '{':
        return this.#object(depth + 1, at);
      case 'S':
        return this.#string();
      case 'C':
        return this.#char();
      case 'H':
        return this.#highPrecision();
      default: {
        if (FIXED_TYPES[marker]) return this.#scalar(marker);
        return this.#fail(`unknown type marker ${describeByte(marker.charCodeAt(0))}`, at);
      }
    }
  }

  #scalar(marker: string): number | bigint {
    const view = this.#view;
    const at = this.#pos;
    switch (marker) {
      case 'i':
        this.#need(1, 'int8');
        this.#pos += 1;
        return view.getInt8(at);
      case 'U':
        this.#need(1, 'uint8');
        this.#pos += 1;
        return view.getUint8(at);
      case 'I':
        this.#need(2, 'int16');
        this.#pos += 2;
        return view.getInt16(at, false);
      case 'l':
        this.#need(4, 'int32');
        this.#pos += 4;
        return view.getInt32(at, false);
      case 'L': {
        this.#need(8, 'int64');
        this.#pos += 8;
        const big = view.getBigInt64(at, false);
        const n = Number(big);
        return Number.isSafeInteger(n) ? n : big;
      }
      case 'd':
        this.#need(4, 'float32');
        this.#pos += 4;
        return view.getFloat32(at, false);
      case 'D':
        this.#need(8, 'float64');
        this.#pos += 8;
        return view.getFloat64(at, false);
      default:
        return this.#fail(`unknown numeric marker ${describeByte(marker.charCodeAt(0))}`, at - 1);
    }
  }

  /** A length or count: an integer of any integer type, not negative. */
  #length(what: string): number {
    const at = this.#pos;
    const marker = this.#marker();
    if (!'iUIlL'.includes(marker)) this.#fail(`${what} must be an integer (i, U, I, l or L), got marker ${describeByte(marker.charCodeAt(0))}`, at);
    const n = this.#scalar(marker);
    if (typeof n === 'bigint' || n < 0) this.#fail(`${what} ${String(n)} is out of range`, at);
    return n;
  }

  #string(): string {
    const n = this.#length('string length');
    this.#need(n, 'string');
    const at = this.#pos;
    this.#pos += n;
    try {
      return utf8.decode(this.#bytes.subarray(at, at + n));
    } catch {
      return this.#fail('string is not valid UTF-8', at);
    }
  }

  #char(): string {
    this.#need(1, 'char');
    const c = this.#bytes[this.#pos];
    if (c > 0x7f) this.#fail('char must be a single ASCII byte');
    this.#pos++;
    return String.fromCharCode(c);
  }

  #highPrecision(): number {
    const at = this.#pos;
    const text = this.#string();
    if (!HIGH_PRECISION.test(text)) this.#fail(`high-precision number '${text.slice(0, 40)}' is not a decimal number`, at);
    return Number(text);
  }

  /** Reads the optional `$type` and `#count` header of a container. */
  #header(): { type: string | undefined; count: number | undefined } {
    let type: string | undefined;
    let count: number | undefined;
    if (this.#bytes[this.#pos] === 0x24 /* $ */) {
      const at = this.#pos;
      this.#pos++;
      this.#need(1, 'container type');
      type = String.fromCharCode(this.#bytes[this.#pos++]);
      if (!'ZTFiUIlLdDCSH[{'.includes(type)) this.#fail(`invalid container element type ${describeByte(type.charCodeAt(0))}`, at + 1);
      if (this.#bytes[this.#pos] !== 0x23 /* # */) this.#fail("a typed container ('$') must give its count ('#')");
    }
    if (this.#bytes[this.#pos] === 0x23) {
      this.#pos++;
      count = this.#length('container count');
    }
    return { type, count };
  }

  /** Checks a declared count against the bytes left, before allocating for it. */
  #checkCount(count: number, type: string | undefined, at: number): void {
    const left = this.#bytes.length - this.#pos;
    const size = type === undefined ? 1 : type === 'Z' || type === 'T' || type === 'F' ? 0 : (FIXED_TYPES[type]?.size ?? 1);
    if (size === 0 ? count > MAX_EMPTY_PAYLOAD_COUNT : count > left / size) {
      this.#fail(`container count ${count} does not fit in the ${left} byte(s) left`, at);
    }
  }

  #array(depth: number, at: number): UbjsonValue[] | UbjsonTypedArray {
    if (depth > this.#maxDepth) this.#fail(`nesting deeper than ${this.#maxDepth} levels`, at);
    const { type, count } = this.#header();
    if (count !== undefined) this.#checkCount(count, type, at);
    if (type !== undefined && count !== undefined) {
      const fixed = FIXED_TYPES[type];
      if (fixed) return this.#typedArray(type, count);
      const out: UbjsonValue[] = new Array<UbjsonValue>(count);
      for (let i = 0; i < count; i++) out[i] = this.#value(type, depth);
      return out;
    }
    const out: UbjsonValue[] = [];
    if (count !== undefined) {
      for (let i = 0; i < count; i++) out.push(this.#value(this.#marker(), depth));
      return out;
    }
    for (;;) {
      const m = this.#marker();
      if (m === ']') return out;
      out.push(this.#value(m, depth));
    }
  }

  /** Elements of an optimized numeric array, converted from big-endian in one pass. */
  #typedArray(type: string, count: number): UbjsonTypedArray {
    const view = this.#view;
    let p = this.#pos;
    const out = FIXED_TYPES[type]!.make(count);
    switch (type) {
      case 'i':
        (out as Int8Array).set(new Int8Array(this.#bytes.buffer, this.#bytes.byteOffset + p, count));
        p += count;
        break;
      case 'U':
        (out as Uint8Array).set(this.#bytes.subarray(p, p + count));
        p += count;
        break;
      case 'I':
        for (let i = 0; i < count; i++, p += 2) out[i] = view.getInt16(p, false);
        break;
      case 'l':
        for (let i = 0; i < count; i++, p += 4) out[i] = view.getInt32(p, false);
        break;
      case 'L': {
        const big = out as BigInt64Array;
        for (let i = 0; i < count; i++, p += 8) big[i] = view.getBigInt64(p, false);
        break;
      }
      case 'd':
        for (let i = 0; i < count; i++, p += 4) out[i] = view.getFloat32(p, false);
        break;
      case 'D':
        for (let i = 0; i < count; i++, p += 8) out[i] = view.getFloat64(p, false);
        break;
    }
    this.#pos = p;
    return out;
  }

  #key(): string {
    const at = this.#pos;
    const n = this.#length('object key length');
    this.#need(n, 'object key');
    const start = this.#pos;
    this.#pos += n;
    try {
      return utf8.decode(this.#bytes.subarray(start, start + n));
    } catch {
      return this.#fail('object key is not valid UTF-8', at);
    }
  }

  #object(depth: number, at: number): { [key: string]: UbjsonValue } {
    if (depth > this.#maxDepth) this.#fail(`nesting deeper than ${this.#maxDepth} levels`, at);
    const { type, count } = this.#header();
    const out: { [key: string]: UbjsonValue } = {};
    if (count !== undefined) {
      // Each entry takes at least one byte (the marker of its key length).
      this.#checkCount(count, undefined, at);
      for (let i = 0; i < count; i++) {
        const key = this.#key();
        setOwn(out, key, this.#value(type ?? this.#marker(), depth));
      }
      return out;
    }
    for (;;) {
      while (this.#bytes[this.#pos] === 0x4e) this.#pos++;
      if (this.#pos >= this.#bytes.length) this.#fail('unexpected end of input inside an object');
      if (this.#bytes[this.#pos] === 0x7d /* } */) {
        this.#pos++;
        return out;
      }
      const key = this.#key();
      setOwn(out, key, this.#value(this.#marker(), depth));
    }
  }
}

/** Plain assignment of '__proto__' would replace the prototype instead of adding a key. */
function setOwn(target: { [key: string]: UbjsonValue }, key: string, value: UbjsonValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function describeByte(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return code >= 0x21 && code <= 0x7e ? `'${String.fromCharCode(code)}' (${hex})` : hex;
}
