/*
 * Constant-memory summaries updated once per value: a log-bucket histogram (quantiles and exact
 * bin counts), HyperLogLog (distinct counts), a bounded exact counter of numbers, and a seeded
 * reservoir sample. All of them merge, so files of a directory are profiled one by one and
 * combined.
 */

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** Final mixing step of MurmurHash3: spreads every input bit over the 32-bit result. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of a double's bits (0 and -0 hash alike). */
export function hashNumber(v: number): number {
  scratch[0] = v + 0;
  return mix32(scratchWords[0]! ^ Math.imul(scratchWords[1]!, 0x9e3779b1));
}

/** A 32-bit hash of bytes (FNV-1a, then mixed). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return mix32(h);
}

// ---- log-bucket histogram ----------------------------------------------------------------------

/** Bits of a double's high word dropped to form a bucket index: sign, exponent and 7 mantissa bits remain. */
const DROP = 13;
/** Shift of a double's high word that gives its bucket index. */
export const BUCKET_SHIFT = DROP;
const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const PAGES = 1 << (32 - DROP - PAGE_BITS);
const SIGN_INDEX = 1 << (31 - DROP);

/** Lower bound (by magnitude) of the bucket with this index (sign bit clear). */
function bucketMagnitude(index: number): number {
  scratchWords[1] = index << DROP;
  scratchWords[0] = 0;
  return scratch[0]!;
}

/** The largest double below the lower bound of this bucket (a positive magnitude bound, not 0). */
function justBelowMagnitude(index: number): number {
  scratchWords[1] = (index << DROP) - 1;
  scratchWords[0] = 0xffffffff;
  return scratch[0]!;
}

/** A bucket in value order: every value in it lies in [lower, upper). */
export interface Bucket {
  readonly index: number;
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

/**
 * Counts per bucket of 1/128 of a power of two (0.8% wide, so a value read back from a bucket is
 * within 0.4% of the true one). Small integers each get a bucket of their own. Memory grows with
 * the range of exponents seen, 32 KB per page, never with the number of values.
 */
export class LogHistogram {
  readonly #pages: (Float64Array | undefined)[] = new Array(PAGES);
  total = 0;

  add(v: number, times = 1): void {
    scratch[0] = v + 0;
    if (times === 1) this.addIndex(scratchWords[1]! >>> DROP);
    else this.addBucket(scratchWords[1]! >>> DROP, times);
  }

  /** Counts one value by its bucket index (the high word of the double shifted by BUCKET_SHIFT). */
  addIndex(index: number): void {
    let page = this.#pages[index >>> PAGE_BITS];
    if (page === undefined) page = this.#pages[index >>> PAGE_BITS] = new Float64Array(PAGE);
    page[index & (PAGE - 1)]!++;
    this.total++;
  }

  addBucket(index: number, count: number): void {
    const page = this.#pages[index >>> PAGE_BITS] ?? (this.#pages[index >>> PAGE_BITS] = new Float64Array(PAGE));
    page[index & (PAGE - 1)]! += count;
    this.total += count;
  }

  merge(other: LogHistogram): void {
    for (const [index, count] of other.sparse()) this.addBucket(index, count);
  }

  /** Non-empty buckets as [index, count] pairs (for storage). */
  sparse(): [number, number][] {
    const out: [number, number][] = [];
    this.#pages.forEach((page, p) => {
      if (!page) return;
      for (let i = 0; i < PAGE; i++) if (page[i] !== 0) out.push([(p << PAGE_BITS) | i, page[i]!]);
    });
    return out;
  }

  /** Non-empty buckets from the smallest values to the largest. */
  buckets(): Bucket[] {
    const negative: Bucket[] = [];
    const positive: Bucket[] = [];
    for (const [index, count] of this.sparse()) {
      const magnitude = index & (SIGN_INDEX - 1);
      // The top bucket holds infinities; it has no finite end.
      const top = magnitude + 1 === SIGN_INDEX;
      if (index & SIGN_INDEX) {
        // Magnitudes in [low, high) are values in (-high, -low]: as a half-open range that is
        // [the double just above -high, the double just above -low).
        const lower = top ? -Infinity : -justBelowMagnitude(magnitude + 1);
        const upper = magnitude === 0 ? 0 : -justBelowMagnitude(magnitude);
        negative.push({ index, lower, upper, count });
      } else {
        positive.push({ index, lower: bucketMagnitude(magnitude), upper: top ? Infinity : bucketMagnitude(magnitude + 1), count });
      }
    }
    negative.sort((a, b) => a.lower - b.lower);
    positive.sort((a, b) => a.lower - b.lower);
    return negative.concat(positive);
  }
}

/** The value at quantile q (0..1) of bucketed counts, interpolated inside its bucket and kept within [min, max]. */
export function bucketQuantile(buckets: readonly Bucket[], total: number, q: number, min: number, max: number, integer: boolean): number {
  if (total === 0) return NaN;
  const rank = q * (total - 1);
  let before = 0;
  for (const b of buckets) {
    if (rank < before + b.count) {
      const upper = Number.isFinite(b.upper) ? b.upper : max;
      let v = b.lower + ((upper - b.lower) * (rank - before + 0.5)) / b.count;
      if (integer) v = Math.round(v);
      return Math.min(max, Math.max(min, v));
    }
    before += b.count;
  }
  return max;
}

// ---- HyperLogLog -------------------------------------------------------------------------------

const HLL_BITS = 12;
const HLL_M = 1 << HLL_BITS;

/** Distinct-count estimate in 4 KB, about 1.6% standard error. */
export class HyperLogLog {
  readonly registers = new Uint8Array(HLL_M);

  add(hash: number): void {
    const index = hash >>> (32 - HLL_BITS);
    const rank = Math.clz32((hash << HLL_BITS) | (1 << (HLL_BITS - 1))) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    for (let i = 0; i < HLL_M; i++) if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    const raw = (alpha * HLL_M * HLL_M) / sum;
    // Linear counting is the better estimate while many registers are still empty.
    if (raw <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
    return Math.round(raw);
  }

  toBase64(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  static fromBase64(text: string): HyperLogLog {
    const h = new HyperLogLog();
    h.registers.set(Buffer.from(text, 'base64').subarray(0, HLL_M));
    return h;
  }
}

// ---- exact counts of numbers, while they are few ----------------------------------------------

/** Distinct numbers counted one by one before giving up (then the HyperLogLog takes over). */
export const EXACT_NUMBER_LIMIT = 4096;
const NUMBER_SLOTS = EXACT_NUMBER_LIMIT * 2;

/** Open-addressing map from number to count in typed arrays; turns itself off past the limit. */
export class NumberCounter {
  #keys: Float64Array | null = new Float64Array(NUMBER_SLOTS);
  #counts: Float64Array | null = new Float64Array(NUMBER_SLOTS);
  #used: Uint8Array | null = new Uint8Array(NUMBER_SLOTS);
  size = 0;

  get active(): boolean {
    return this.#keys !== null;
  }

  /** Counts v; false when v is new and the counter is full (it keeps what it has until disabled). */
  add(v: number, hash: number, times = 1): boolean {
    const keys = this.#keys;
    if (keys === null) return false;
    const used = this.#used!;
    let slot = hash & (NUMBER_SLOTS - 1);
    for (;;) {
      if (used[slot] === 0) {
        if (this.size === EXACT_NUMBER_LIMIT) return false;
        used[slot] = 1;
        keys[slot] = v;
        this.#counts![slot] = times;
        this.size++;
        return true;
      }
      if (keys[slot] === v) {
        this.#counts![slot] += times;
        return true;
      }
      slot = (slot + 1) & (NUMBER_SLOTS - 1);
    }
  }

  entries(): [number, number][] {
    const out: [number, number][] = [];
    if (this.#keys === null) return out;
    for (let i = 0; i < NUMBER_SLOTS; i++) if (this.#used![i]) out.push([this.#keys[i]!, this.#counts![i]!]);
    return out;
  }

  disable(): void {
    this.#keys = this.#counts = this.#used = null;
  }
}

// ---- exact counts of strings, while they are few -----------------------------------------------

/** Distinct strings counted one by one; rarer values beyond it go to an "other" count. */
export const CATEGORY_LIMIT = 10_000;

/** Distinct values up to which the category table finds values by a few of their bytes. */
const QUICK_ENTRIES = 256;

/**
 * Map from a field's bytes to a count that never decodes a repeated value: it is found by hash
 * and compared byte for byte against a copy kept in one growing arena; only a new value is
 * copied. While the table is small the hash reads a value's length and three of its bytes (most
 * columns have a handful of values); past QUICK_ENTRIES it hashes every byte, so values that
 * share those bytes (ids, codes) do not pile up in one chain.
 */
export class CategoryCounter {
  #slots = new Int32Array(256);
  #hashes = new Int32Array(128);
  #offsets = new Int32Array(129);
  #counts = new Float64Array(128);
  #arena = new Uint8Array(4096);
  #size = 0;
  #full = false;
  overflow = 0;

  get size(): number {
    return this.#size;
  }

  get full(): boolean {
    return this.#size >= CATEGORY_LIMIT;
  }

  /** Counts the value held in buf[start, end); false when it was new and the table is full. */
  add(buf: Uint8Array, start: number, end: number, times = 1): boolean {
    const len = end - start;
    let hash: number;
    if (this.#full) hash = hashBytes(buf, start, end) | 0;
    else {
      hash = Math.imul(len ^ (buf[start]! << 8) ^ (buf[end - 1]! << 16) ^ (buf[start + (len >> 1)]! << 24), 0x9e3779b1);
      hash ^= hash >>> 15;
    }
    const slots = this.#slots;
    const mask = slots.length - 1;
    const hashes = this.#hashes;
    const offsets = this.#offsets;
    const arena = this.#arena;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[slot]! - 1;
      if (entry < 0) break;
      if (hashes[entry] === hash) {
        const at = offsets[entry]!;
        if (offsets[entry + 1]! - at === len) {
          let i = 0;
          while (i < len && arena[at + i] === buf[start + i]) i++;
          if (i === len) {
            this.#counts[entry]! += times;
            return true;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (this.#size >= CATEGORY_LIMIT) {
      this.overflow += times;
      return false;
    }
    this.#insert(buf, start, end, hash, times, slot);
    if (!this.#full && this.#size > QUICK_ENTRIES) {
      this.#full = true;
      for (let entry = 0; entry < this.#size; entry++) this.#hashes[entry] = hashBytes(this.#arena, this.#offsets[entry]!, this.#offsets[entry + 1]!) | 0;
      this.#rehash(this.#slots.length);
    }
    return true;
  }

  #insert(buf: Uint8Array, start: number, end: number, hash: number, times: number, slot: number): void {
    const entry = this.#size;
    if (entry + 1 >= this.#hashes.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T) => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.#hashes = grow(this.#hashes, (n) => new Int32Array(n));
      this.#offsets = grow(this.#offsets, (n) => new Int32Array(n + 1));
      this.#counts = grow(this.#counts, (n) => new Float64Array(n));
    }
    const at = this.#offsets[entry]!;
    if (at + (end - start) > this.#arena.length) {
      const arena = new Uint8Array(Math.max(this.#arena.length * 2, at + (end - start)));
      arena.set(this.#arena);
      this.#arena = arena;
    }
    this.#arena.set(buf.subarray(start, end), at);
    this.#offsets[entry + 1] = at + (end - start);
    this.#hashes[entry] = hash;
    this.#counts[entry] = times;
    this.#slots[slot] = entry + 1;
    this.#size++;
    if (this.#size * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
  }

  #rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.#size; entry++) {
      let slot = this.#hashes[entry]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.#slots = slots;
  }

  /** Every counted value with its count, most frequent first (ties by value). */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    const decoder = new TextDecoder();
    for (let entry = 0; entry < this.#size; entry++) {
      out.push([decoder.decode(this.#arena.subarray(this.#offsets[entry]!, this.#offsets[entry + 1]!)), this.#counts[entry]!]);
    }
    return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

}

// ---- reservoir sample ----------------------------------------------------------------------------

/** A small deterministic generator (mulberry32), so the same data always gives the same profile. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform generator. */
function normalDraw(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw, shape ≥ 1 (Marsaglia and Tsang). */
export function gammaDraw(shape: number, random: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Values kept for distance tests (KS, Wasserstein): a uniform sample, fixed size. */
export const RESERVOIR_SIZE = 2048;

/**
 * Uniform sample of a stream by Li's "Algorithm L": after the reservoir fills, the number of
 * values to skip before the next replacement is drawn directly, so most values cost one decrement.
 */
export class Reservoir {
  readonly values: number[] = [];
  seen = 0;
  readonly #random: () => number;
  #w = 0;
  #skip = 0;

  constructor(readonly size = RESERVOIR_SIZE, seed = 0x5eed) {
    this.#random = seededRandom(seed);
  }

  add(v: number): void {
    this.seen++;
    if (this.values.length < this.size) {
      this.values.push(v);
      if (this.values.length === this.size) {
        this.#w = Math.exp(Math.log(this.#random()) / this.size);
        this.#nextSkip();
      }
      return;
    }
    if (this.#skip > 0) {
      this.#skip--;
      return;
    }
    this.values[Math.floor(this.#random() * this.size)] = v;
    this.#w *= Math.exp(Math.log(this.#random()) / this.size);
    this.#nextSkip();
  }

  /**
   * Offers a strided run of values (NaN: none in that slot), `count` of them real: positions
   * the skip passes over are never looked at.
   */
  addRun(values: Float64Array, offset: number, stride: number, rows: number): void {
    let p = offset;
    const end = offset + stride * rows;
    while (this.values.length < this.size && p < end) {
      const v = values[p]!;
      if (v === v) this.add(v);
      p += stride;
    }
    while (p < end) {
      // Skip ahead over `#skip` real values, then replace one.
      while (p < end && this.#skip > 0) {
        if (values[p] === values[p]) {
          this.#skip--;
          this.seen++;
        }
        p += stride;
      }
      while (p < end && values[p] !== values[p]) p += stride;
      if (p >= end) break;
      this.seen++;
      this.values[Math.floor(this.#random() * this.size)] = values[p]!;
      this.#w *= Math.exp(Math.log(this.#random()) / this.size);
      this.#nextSkip();
      p += stride;
    }
  }

  /**
   * Continues from a uniform sample of `seen` values (a column that was counted exactly until
   * now). Algorithm L's threshold is then the k-th smallest of `seen` uniform keys, a Beta(k,
   * seen − k + 1) draw.
   */
  resume(sample: number[], seen: number): void {
    this.values.length = 0;
    this.values.push(...sample);
    this.seen = seen;
    if (this.values.length < this.size) return;
    const x = gammaDraw(this.size, this.#random);
    const y = gammaDraw(seen - this.size + 1, this.#random);
    this.#w = x / (x + y);
    this.#nextSkip();
  }

  #nextSkip(): void {
    this.#skip = Math.floor(Math.log(this.#random()) / Math.log(1 - this.#w));
  }

  /** A sample of both streams, each contributing in proportion to what it saw. */
  static merge(a: { values: number[]; seen: number }, b: { values: number[]; seen: number }, size = RESERVOIR_SIZE, seed = 0x5eed): number[] {
    if (a.seen + b.seen <= size) return a.values.concat(b.values);
    const random = seededRandom(seed);
    const take = Math.round((size * a.seen) / (a.seen + b.seen));
    const pick = (values: number[], n: number) => {
      const copy = values.slice();
      for (let i = 0; i < Math.min(n, copy.length); i++) {
        const j = i + Math.floor(random() * (copy.length - i));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, n);
    };
    return pick(a.values, Math.min(take, a.values.length)).concat(pick(b.values, Math.min(size - take, b.values.length)));
  }
}
