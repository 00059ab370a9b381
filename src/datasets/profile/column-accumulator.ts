import type { ColumnType } from '../types.js';
import { BUCKET_SHIFT, CategoryCounter, HyperLogLog, LogHistogram, NumberCounter, Reservoir, hashBytes, hashNumber, mix32, seededRandom } from './sketches.js';

const numberBits = new Float64Array(1);
const numberWords = new Uint32Array(numberBits.buffer);
const numberBatch = new Float64Array(1);

/**
 * A uniform sample without replacement of `size` values from a multiset given as counts
 * (selection sampling, seeded): what a reservoir would hold after seeing those `total` values.
 */
export function sampleCounts(entries: readonly (readonly [number, number])[], total: number, size: number, seed: number): number[] {
  if (total <= size) return entries.flatMap(([v, c]) => new Array<number>(c).fill(v));
  const random = seededRandom(seed);
  const out: number[] = [];
  let left = total;
  for (const [v, c] of entries) {
    for (let k = 0; k < c && out.length < size; k++) {
      if (random() * left < size - out.length) out.push(v);
      left--;
    }
    if (out.length === size) break;
  }
  return out;
}

/** Column kinds as small integers: the hot loops compare them on every field. */
export const UNKNOWN = 0;
export const INTEGER = 1;
export const FLOAT = 2;
export const BOOLEAN = 3;
export const STRING = 4;

export const KIND_OF_TYPE: Readonly<Record<ColumnType, number>> = { integer: INTEGER, float: FLOAT, boolean: BOOLEAN, string: STRING };
export const TYPE_OF_KIND: readonly (ColumnType | null)[] = [null, 'integer', 'float', 'boolean', 'string'];

/** Why a value was refused by a column with a fixed type. */
export type Refusal = null | 'not an integer' | 'not a number' | 'not a boolean';

/** The mergeable state of one column's statistics, as stored beside a version. */
export interface ColumnSketch {
  readonly name: string;
  /** null when every value was missing. */
  readonly type: ColumnType | null;
  readonly missing: number;
  /** Numeric columns: count, exact min and max, mean and the sum of squared deviations (m2). */
  readonly n: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number;
  readonly m2: number;
  /** Log-histogram buckets as [index, count]. */
  readonly buckets: [number, number][];
  readonly reservoir: number[];
  /** Exact counts of numbers; null once there were too many distinct ones. */
  readonly numbers: [number, number][] | null;
  readonly trues: number;
  readonly falses: number;
  /** Exact counts of strings (the first CATEGORY_LIMIT distinct), and rows holding any other. */
  readonly categories: [string, number][];
  readonly category_overflow: number;
  /** HyperLogLog registers (base64) once exact distinct counting gave up; else null. */
  readonly hll: string | null;
}

/** Tokens read as "no value" besides the empty field, as pandas reads them by default. */
export const NA_TOKENS: readonly string[] = ['NA', 'N/A', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '#N/A', '-NaN', '-nan'];
const NA_BYTES = NA_TOKENS.map((t) => Buffer.from(t, 'latin1'));

/** True for the bytes of a token read as "no value" (besides the empty field). */
export function isMissingToken(buf: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  if (len < 2 || len > 4) return false;
  const c = buf[start]!;
  // N n # - start every token: most values leave here.
  if (c !== 78 && c !== 110 && c !== 35 && c !== 45) return false;
  for (const token of NA_BYTES) {
    if (token.length !== len || token[0] !== c) continue;
    let same = true;
    for (let i = 1; i < len; i++) {
      if (token[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/** "true"/"false" in any case: 1, 0, or -1 when the bytes are neither. */
export function booleanToken(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len !== 4 && len !== 5) return -1;
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('latin1').toLowerCase();
  return text === 'true' ? 1 : text === 'false' ? 0 : -1;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Parses a decimal number; NaN when the bytes are not one. Sets `lastParseInteger`. */
export function parseNumber(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = buf[i]!;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (i < end && (c = buf[i]!) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    i++;
  }
  let integer = true;
  if (i < end && buf[i] === 46) {
    integer = false;
    i++;
    while (i < end && (c = buf[i]!) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      scale++;
      i++;
    }
  }
  if (i === end && digits > 0 && digits <= 15) {
    // Both operands exact, so the division rounds once: the same double as Number(text).
    lastParseInteger = integer;
    const v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
    return negative ? -v : v;
  }
  if (digits === 0 && i === end) return NaN;
  // Exponents, long mantissas, Infinity: let the engine read it.
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?Infinity$/.test(text)) return NaN;
  lastParseInteger = /^[+-]?\d+$/.test(text);
  return Number(text);
}
export let lastParseInteger = true;

/**
 * Statistics of one column, fed one value at a time. The type is inferred (integer widens to
 * float; anything else that meets text becomes string) unless fixed, when a contradicting value
 * is refused. A change that earlier statistics cannot follow (numbers, then text) sets `retype`:
 * the file is then read again with the final type fixed.
 */
export class ColumnAccumulator {
  kind: number;
  readonly fixed: boolean;
  retype = false;
  missing = 0;
  n = 0;
  min = Infinity;
  max = -Infinity;
  #shift = 0;
  #s1 = 0;
  #s2 = 0;
  readonly histogram = new LogHistogram();
  readonly reservoir = new Reservoir();
  readonly numbers = new NumberCounter();
  trues = 0;
  falses = 0;
  readonly categories = new CategoryCounter();
  hll: HyperLogLog | null = null;

  constructor(readonly name: string, fixedType?: ColumnType) {
    this.kind = fixedType ? KIND_OF_TYPE[fixedType] : UNKNOWN;
    this.fixed = fixedType !== undefined;
  }

  addMissing(): void {
    this.missing++;
  }

  /** A parsed number; a refusal when the column's fixed type does not take it. */
  addNumber(v: number, integer: boolean): Refusal {
    const kind = this.kind;
    if ((kind !== INTEGER && kind !== FLOAT) || (!integer && kind === INTEGER)) return this.#addNumberSlow(v, integer);
    this.#count(v);
    return null;
  }

  #addNumberSlow(v: number, integer: boolean): Refusal {
    const kind = this.kind;
    if (kind === UNKNOWN) this.kind = integer ? INTEGER : FLOAT;
    else if (kind === INTEGER) {
      if (this.fixed) return 'not an integer';
      this.kind = FLOAT;
    } else if (kind === BOOLEAN) {
      if (this.fixed) return v === 1 || v === 0 ? this.addBoolean(v === 1) : 'not a boolean';
      this.#becomeString();
      return this.#addNumberText(v);
    } else if (kind === STRING) return this.#addNumberText(v);
    this.#count(v);
    return null;
  }

  /** The per-number work of every numeric value: a few adds, one bucket, one sample step, one hash. */
  #count(v: number): void {
    numberBatch[0] = v;
    this.#countRun(numberBatch, 0, 1, 1);
  }

  /**
   * Numbers parsed by a hot loop for this column, one every `stride` slots from `offset` (NaN:
   * the row had none). `sawFraction`: some had a decimal point. Values of a column that has
   * meanwhile become text cannot be counted as such; the file is read again then.
   */
  countNumbers(values: Float64Array, offset: number, stride: number, rows: number, sawFraction: boolean): void {
    const kind = this.kind;
    if (kind === UNKNOWN) this.kind = sawFraction ? FLOAT : INTEGER;
    else if (kind === INTEGER && sawFraction) this.kind = FLOAT;
    else if (kind !== INTEGER && kind !== FLOAT) {
      for (let r = 0, p = offset; r < rows; r++, p += stride) {
        if (values[p] === values[p]) {
          this.retype = true;
          return;
        }
      }
      return;
    }
    this.#countRun(values, offset, stride, rows);
  }

  /**
   * While a column has few distinct numbers (EXACT_NUMBER_LIMIT), each value only bumps its exact
   * count: moments, buckets and the rest come from the counts when asked for. Past that, every
   * value goes through the sketches.
   */
  #countRun(values: Float64Array, offset: number, stride: number, rows: number): void {
    if (this.hll === null) {
      const numbers = this.numbers;
      let n = this.n;
      for (let r = 0, p = offset; r < rows; r++, p += stride) {
        const v = values[p]!;
        if (v !== v) continue;
        numberBits[0] = v + 0;
        // One multiply places a number in the exact counter.
        if (numbers.add(v, Math.imul(numberWords[0]! ^ numberWords[1]!, 0x9e3779b1) >>> 19, 1)) {
          n++;
          continue;
        }
        this.n = n;
        this.#leaveExact();
        this.#sketchRun(values, p, stride, rows - r);
        return;
      }
      this.n = n;
      return;
    }
    this.#sketchRun(values, offset, stride, rows);
  }

  #sketchRun(values: Float64Array, offset: number, stride: number, rows: number): void {
    let n = this.n;
    let min = this.min;
    let max = this.max;
    let shift = this.#shift;
    let s1 = this.#s1;
    let s2 = this.#s2;
    const histogram = this.histogram;
    const hll = this.hll!;
    for (let r = 0, p = offset; r < rows; r++, p += stride) {
      const v = values[p]!;
      if (v !== v) continue;
      if (n === 0) shift = v;
      n++;
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - shift;
      s1 += d;
      s2 += d * d;
      numberBits[0] = v + 0;
      const hi = numberWords[1]!;
      histogram.addIndex(hi >>> BUCKET_SHIFT);
      hll.add(mix32(numberWords[0]! ^ Math.imul(hi, 0x9e3779b1)));
    }
    this.reservoir.addRun(values, offset, stride, rows);
    this.n = n;
    this.min = min;
    this.max = max;
    this.#shift = shift;
    this.#s1 = s1;
    this.#s2 = s2;
  }

  /** Too many distinct numbers to count one by one: the counts so far seed every sketch. */
  #leaveExact(): void {
    const entries = this.numbers.entries();
    const hll = new HyperLogLog();
    const shift = entries.length > 0 ? entries[0]![0] : 0;
    let s1 = 0;
    let s2 = 0;
    for (const [v, c] of entries) {
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      const d = v - shift;
      s1 += d * c;
      s2 += d * d * c;
      this.histogram.add(v, c);
      hll.add(hashNumber(v));
    }
    this.#shift = shift;
    this.#s1 = s1;
    this.#s2 = s2;
    this.reservoir.resume(sampleCounts(entries, this.n, this.reservoir.size, 0x5eed), this.n);
    this.numbers.disable();
    this.hll = hll;
  }

  /**
   * Text fields found by a hot loop for this (string) column: buf[starts[p], ends[p]), one every
   * `stride` slots from `offset` (start -1: the row had none). The full hash of a value is
   * computed only once the HyperLogLog counts distinct values.
   */
  countTexts(buf: Uint8Array, starts: Int32Array, ends: Int32Array, offset: number, stride: number, rows: number): void {
    const categories = this.categories;
    for (let r = 0, p = offset; r < rows; r++, p += stride) {
      const start = starts[p]!;
      if (start < 0) continue;
      const end = ends[p]!;
      const len = end - start;
      if (len === 0) {
        this.missing++;
        continue;
      }
      const first = buf[start]!;
      if ((first === 78 || first === 110 || first === 35 || first === 45) && isMissingToken(buf, start, end)) {
        this.missing++;
        continue;
      }
      if (this.hll !== null || this.kind !== STRING) {
        this.addText(buf, start, end, hashBytes(buf, start, end));
        continue;
      }
      if (!categories.add(buf, start, end)) this.#categoriesOverflow(buf, start, end);
    }
  }

  /** The category table is full: its values, and this one, seed a HyperLogLog that counts from now on. */
  #categoriesOverflow(buf: Uint8Array, start: number, end: number): void {
    const hll = new HyperLogLog();
    for (const [value] of this.categories.entries()) {
      const bytes = Buffer.from(value, 'utf8');
      hll.add(hashBytes(bytes, 0, bytes.length));
    }
    hll.add(hashBytes(buf, start, end));
    this.hll = hll;
  }

  addBoolean(value: boolean): Refusal {
    const kind = this.kind;
    if (kind !== BOOLEAN) {
      if (kind === UNKNOWN) this.kind = BOOLEAN;
      else if (this.fixed && kind !== STRING) return 'not a number';
      else {
        if (kind !== STRING) this.#becomeString();
        const text = Buffer.from(value ? 'true' : 'false');
        this.addText(text, 0, text.length, hashBytes(text, 0, text.length));
        return null;
      }
    }
    if (value) this.trues++;
    else this.falses++;
    return null;
  }

  /** A value that is neither missing, a number nor a boolean, or any value of a string column. */
  addText(buf: Uint8Array, start: number, end: number, hash: number): Refusal {
    if (this.kind !== STRING) {
      if (this.fixed) return this.kind === BOOLEAN ? 'not a boolean' : this.kind === INTEGER ? 'not an integer' : 'not a number';
      this.#becomeString();
    }
    if (this.hll !== null) this.hll.add(hash);
    if (!this.categories.add(buf, start, end) && this.hll === null) this.#categoriesOverflow(buf, start, end);
    return null;
  }

  #addNumberText(v: number): Refusal {
    const text = Buffer.from(String(v));
    return this.addText(text, 0, text.length, hashBytes(text, 0, text.length));
  }

  #becomeString(): void {
    if (this.n > 0 || this.trues + this.falses > 0) this.retype = true;
    this.kind = STRING;
  }

  /**
   * Any field's bytes: missing, number, boolean or text by the column's type. The hot loops
   * parse numbers themselves and call this only for the rest.
   */
  addField(buf: Uint8Array, start: number, end: number): Refusal {
    if (start === end || isMissingToken(buf, start, end)) {
      this.missing++;
      return null;
    }
    if (this.kind === STRING) return this.addText(buf, start, end, hashBytes(buf, start, end));
    const v = parseNumber(buf, start, end);
    if (v === v) return this.addNumber(v, lastParseInteger);
    const b = booleanToken(buf, start, end);
    if (b >= 0 && (this.kind === UNKNOWN || this.kind === BOOLEAN)) return this.addBoolean(b === 1);
    return this.addText(buf, start, end, hashBytes(buf, start, end));
  }

  /** A decoded value (JSON Lines, Parquet): null/undefined is missing. */
  addValue(value: unknown): Refusal {
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
      this.missing++;
      return null;
    }
    if (typeof value === 'number') {
      if (this.kind === STRING) return this.#addNumberText(value);
      return this.addNumber(value, Number.isInteger(value));
    }
    if (typeof value === 'bigint') {
      const v = Number(value);
      if (this.kind === STRING) return this.#addNumberText(v);
      return this.addNumber(v, true);
    }
    if (typeof value === 'boolean') {
      if (this.kind === STRING) {
        const text = Buffer.from(String(value));
        return this.addText(text, 0, text.length, hashBytes(text, 0, text.length));
      }
      return this.addBoolean(value);
    }
    const text = Buffer.from(typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : JSON.stringify(value), 'utf8');
    if (text.length === 0) {
      this.missing++;
      return null;
    }
    return this.addText(text, 0, text.length, hashBytes(text, 0, text.length));
  }

  /** The sketch of a column still counted exactly: everything from the counts, no sample needed. */
  #exactSketch(): ColumnSketch {
    const entries = this.numbers.entries().sort((a, b) => a[0] - b[0]);
    const n = this.n;
    let sum = 0;
    for (const [v, c] of entries) sum += v * c;
    const mean = sum / n;
    let m2 = 0;
    const histogram = new LogHistogram();
    for (const [v, c] of entries) {
      m2 += c * (v - mean) * (v - mean);
      histogram.add(v, c);
    }
    return {
      name: this.name,
      type: TYPE_OF_KIND[this.kind]!,
      missing: this.missing,
      n,
      min: entries[0]![0],
      max: entries[entries.length - 1]![0],
      mean,
      m2,
      buckets: histogram.sparse(),
      reservoir: [],
      numbers: entries,
      trues: this.trues,
      falses: this.falses,
      categories: this.categories.entries(),
      category_overflow: this.categories.overflow,
      hll: null,
    };
  }

  sketch(): ColumnSketch {
    if (this.hll === null && this.n > 0) return this.#exactSketch();
    const n = this.n;
    const mean = n > 0 ? this.#shift + this.#s1 / n : 0;
    const m2 = n > 0 ? Math.max(0, this.#s2 - (this.#s1 * this.#s1) / n) : 0;
    return {
      name: this.name,
      type: TYPE_OF_KIND[this.kind]!,
      missing: this.missing,
      n,
      min: n > 0 ? this.min : null,
      max: n > 0 ? this.max : null,
      mean,
      m2,
      buckets: this.histogram.sparse(),
      reservoir: this.reservoir.values.slice(),
      numbers: null,
      trues: this.trues,
      falses: this.falses,
      categories: this.categories.entries(),
      category_overflow: this.categories.overflow,
      hll: this.hll === null ? null : this.hll.toBase64(),
    };
  }
}

export { mix32 };
