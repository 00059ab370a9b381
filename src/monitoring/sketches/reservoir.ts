/**
 * Uniform sample of a stream in fixed memory (Vitter's Algorithm R): the i-th value replaces a
 * random slot with probability k/i, so every value seen so far is in the sample with equal
 * probability. A capacity of Infinity keeps every value (offline reports on files).
 */
import { InvalidParameterError } from '../../errors/index.js';
import { sortFloat64 } from '../stats/sort.js';
import { SeededRandom } from './random.js';

export class Reservoir {
  private values: Float64Array;
  private size = 0;
  private seen = 0;
  private readonly random: SeededRandom;

  constructor(
    readonly capacity: number,
    seed = 1,
  ) {
    if (!(capacity >= 1) || (!Number.isInteger(capacity) && capacity !== Number.POSITIVE_INFINITY)) {
      throw new InvalidParameterError(`A reservoir needs a capacity ≥ 1 (an integer, or Infinity to keep every value), got ${capacity}.`);
    }
    this.values = new Float64Array(Number.isFinite(capacity) ? Math.min(capacity, 1024) : 1024);
    this.random = new SeededRandom(seed);
  }

  add(x: number): void {
    this.seen++;
    if (this.size < this.capacity) {
      if (this.size === this.values.length) {
        const grown = new Float64Array(Math.min(this.values.length * 2, this.capacity));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.size++] = x;
      return;
    }
    const j = this.random.below(this.seen);
    if (j < this.capacity) this.values[j] = x;
  }

  /** Values offered so far (not only those kept). */
  get count(): number {
    return this.seen;
  }

  /** A sorted copy of the sample. */
  sorted(): Float64Array {
    return sortFloat64(this.values.slice(0, this.size));
  }

  /** The kept values in slot order (for serialisation). */
  snapshot(): number[] {
    return Array.from(this.values.subarray(0, this.size));
  }

  /** Restores the kept values and the number seen (random state starts afresh from the seed). */
  static restore(capacity: number, values: readonly number[], seen: number, seed = 1): Reservoir {
    const r = new Reservoir(capacity, seed);
    if (values.length > capacity || seen < values.length) throw new InvalidParameterError('Reservoir snapshot is inconsistent with its capacity or count.');
    r.values = new Float64Array(Math.max(values.length, 1));
    r.values.set(values);
    r.size = values.length;
    r.seen = seen;
    return r;
  }
}
