import { InvalidParameterError } from '../errors/index.js';
import { bucketIndex } from './stats.js';
import type { CategoryValue, FittedStep, Row } from './types.js';
import {
  PreprocessingInputError, describe, inputError, readCategory, readNumber, showCategories, showCategory,
} from './values.js';

/*
 * A fitted pipeline is compiled once into a list of small closures over two scratch arrays:
 * numeric slots (Float64Array) and category slots. Every step writes fresh slots and rebinds
 * the column name to them, so a value read earlier is never changed under a later reader
 * (single assignment). A row costs one pass over the closures and one gather into the output:
 * no objects are allocated per row.
 */

export interface Scratch {
  readonly num: Float64Array;
  readonly cat: (CategoryValue | undefined)[];
}

type Op = (row: Row, r: number) => void;
type OpFactory = (s: Scratch) => Op;

interface Binding {
  readonly kind: 'num' | 'cat';
  readonly slot: number;
}

export class PlanBuilder {
  private numSlots = 0;
  private catSlots = 0;
  private readonly factories: OpFactory[] = [];
  private readonly bindings = new Map<string, Binding>();
  private readonly converted = new Map<string, number>();
  private readonly emitted: string[] = [];
  private readonly emittedSet = new Set<string>();
  private readonly inputColumns: string[] = [];

  /** Slot holding `name` as a number, reading or converting it first if needed. */
  numView(name: string): number {
    const b = this.bindings.get(name);
    if (b === undefined) {
      const slot = this.numSlots++;
      this.inputColumns.push(name);
      this.factories.push(({ num }) => (row, r) => { num[slot] = readNumber(row, name, r); });
      this.bindings.set(name, { kind: 'num', slot });
      return slot;
    }
    if (b.kind === 'num') return b.slot;
    const key = `c${b.slot}`;
    const known = this.converted.get(key);
    if (known !== undefined) return known;
    const from = b.slot;
    const slot = this.numSlots++;
    this.factories.push(({ num, cat }) => (_row, r) => {
      const v = cat[from];
      if (v === undefined) num[slot] = NaN;
      else if (typeof v === 'number') num[slot] = v;
      else throw inputError(r, name, `expected a number, got ${describe(v)}.`);
    });
    this.converted.set(key, slot);
    return slot;
  }

  /** Slot holding `name` as a category (numbers stay numbers, NaN becomes missing). */
  catView(name: string): number {
    const b = this.bindings.get(name);
    if (b === undefined) {
      const slot = this.catSlots++;
      this.inputColumns.push(name);
      this.factories.push(({ cat }) => (row, r) => { cat[slot] = readCategory(row, name, r); });
      this.bindings.set(name, { kind: 'cat', slot });
      return slot;
    }
    if (b.kind === 'cat') return b.slot;
    const key = `n${b.slot}`;
    const known = this.converted.get(key);
    if (known !== undefined) return known;
    const from = b.slot;
    const slot = this.catSlots++;
    this.factories.push(({ num, cat }) => () => {
      const x = num[from]!;
      cat[slot] = x !== x ? undefined : x;
    });
    this.converted.set(key, slot);
    return slot;
  }

  private newNum(name: string, count = 1): number {
    const slot = this.numSlots;
    this.numSlots += count;
    this.bindings.set(name, { kind: 'num', slot });
    return slot;
  }

  /** A step's new feature name must not shadow a column or feature already in use. */
  private claim(name: string, where: string): void {
    if (this.bindings.has(name)) {
      throw new InvalidParameterError(`${where}: the feature name '${name}' is already used by a column or another feature.`, name);
    }
  }

  private emit(name: string): void {
    if (!this.emittedSet.has(name)) {
      this.emittedSet.add(name);
      this.emitted.push(name);
    }
  }

  addStep(step: FittedStep, index: number): void {
    const where = `step ${index} (${step.type})`;
    const refuseMissing = (r: number, column: string) => inputError(
      r, column,
      `the value is missing and ${where} does not accept missing values; impute the column first or set handle_missing to 'keep'.`,
    );
    switch (step.type) {
      case 'impute': {
        step.columns.forEach((column, k) => {
          const fill = step.values[k]!;
          if (typeof fill === 'number') {
            const from = this.numView(column);
            const to = this.newNum(column);
            this.factories.push(({ num }) => () => {
              const x = num[from]!;
              num[to] = x !== x ? fill : x;
            });
          } else {
            const from = this.catView(column);
            const to = this.catSlots++;
            this.bindings.set(column, { kind: 'cat', slot: to });
            this.factories.push(({ cat }) => () => {
              const v = cat[from];
              cat[to] = v === undefined ? fill : v;
            });
          }
        });
        return;
      }
      case 'standard_scale':
      case 'min_max_scale': {
        const n = step.columns.length;
        const from = Int32Array.from(step.columns, (c) => this.numView(c));
        const to = Int32Array.from(step.columns, (c) => this.newNum(c));
        step.columns.forEach((c) => this.emit(c));
        // Subtract, then divide (rather than multiply by a stored reciprocal): the fitted minimum
        // maps exactly to the range minimum, and a value equal to the mean exactly to 0.
        const shift = new Float64Array(n);
        const div = new Float64Array(n);
        const lo = step.type === 'min_max_scale' ? step.range[0] : 0;
        const hi = step.type === 'min_max_scale' ? step.range[1] : 0;
        const width = hi - lo;
        for (let k = 0; k < n; k++) {
          if (step.type === 'standard_scale') {
            shift[k] = step.mean[k]!;
            div[k] = step.std[k]! === 0 ? 1 : step.std[k]!;
          } else {
            shift[k] = step.data_min[k]!;
            const span = step.data_max[k]! - step.data_min[k]!;
            div[k] = span === 0 ? 1 : span;
          }
        }
        const refuse = step.handle_missing === 'error';
        const columns = step.columns;
        if (step.type === 'standard_scale') {
          this.factories.push(({ num }) => (_row, r) => {
            for (let k = 0; k < n; k++) {
              const x = num[from[k]!]!;
              if (refuse && x !== x) throw refuseMissing(r, columns[k]!);
              num[to[k]!] = (x - shift[k]!) / div[k]!;
            }
          });
        } else {
          const clip = step.clip;
          this.factories.push(({ num }) => (_row, r) => {
            for (let k = 0; k < n; k++) {
              const x = num[from[k]!]!;
              if (refuse && x !== x) throw refuseMissing(r, columns[k]!);
              let y = lo + ((x - shift[k]!) / div[k]!) * width;
              if (clip) y = y < lo ? lo : y > hi ? hi : y;
              num[to[k]!] = y;
            }
          });
        }
        return;
      }
      case 'one_hot': {
        const { column, categories } = step;
        const from = this.catView(column);
        const first = this.numSlots;
        const k = categories.length;
        this.numSlots += k;
        categories.forEach((c, i) => {
          const feature = `${column}=${String(c)}`;
          this.claim(feature, where);
          this.bindings.set(feature, { kind: 'num', slot: first + i });
          this.emit(feature);
        });
        const index = new Map<CategoryValue, number>(categories.map((c, i) => [c, i]));
        const refuseUnknown = step.handle_unknown === 'error';
        const refuseMiss = step.handle_missing === 'error';
        this.factories.push(({ num, cat }) => (_row, r) => {
          num.fill(0, first, first + k);
          const v = cat[from];
          if (v === undefined) {
            if (refuseMiss) {
              throw inputError(r, column, `the value is missing and ${where} does not accept missing values; impute the column first or set handle_missing to 'ignore'.`);
            }
            return;
          }
          const i = index.get(v);
          if (i !== undefined) num[first + i] = 1;
          else if (refuseUnknown) {
            throw inputError(r, column, `unknown category ${showCategory(v)}; ${where} knows ${showCategories(categories)}. Set handle_unknown to 'ignore' to encode unknown values as all zeros.`);
          }
        });
        return;
      }
      case 'ordinal': {
        const { column, output, categories } = step;
        const from = this.catView(column);
        if (output !== column) this.claim(output, where);
        const to = this.newNum(output);
        this.emit(output);
        const index = new Map<CategoryValue, number>(categories.map((c, i) => [c, i]));
        const policy = step.handle_unknown;
        const unknownValue = policy === 'value' ? step.unknown_value! : NaN;
        const refuseMiss = step.handle_missing === 'error';
        this.factories.push(({ num, cat }) => (_row, r) => {
          const v = cat[from];
          if (v === undefined) {
            if (refuseMiss) throw refuseMissing(r, column);
            num[to] = NaN;
            return;
          }
          const i = index.get(v);
          if (i !== undefined) num[to] = i;
          else if (policy === 'error') {
            throw inputError(r, column, `unknown category ${showCategory(v)}; ${where} knows ${showCategories(categories)}. Set handle_unknown to 'nan' or 'value' to accept unknown values.`);
          } else num[to] = unknownValue;
        });
        return;
      }
      case 'bucketize': {
        const { column, output } = step;
        const from = this.numView(column);
        if (output !== column) this.claim(output, where);
        const to = this.newNum(output);
        this.emit(output);
        const boundaries = Float64Array.from(step.boundaries);
        const refuse = step.handle_missing === 'error';
        this.factories.push(({ num }) => (_row, r) => {
          const x = num[from]!;
          if (x !== x) {
            if (refuse) throw refuseMissing(r, column);
            num[to] = NaN;
          } else num[to] = bucketIndex(boundaries, x);
        });
        return;
      }
      case 'passthrough': {
        const slots = Int32Array.from(step.columns, (c) => this.numView(c));
        step.columns.forEach((c, k) => {
          this.bindings.set(c, { kind: 'num', slot: slots[k]! });
          this.emit(c);
        });
        if (step.handle_missing === 'error') {
          const columns = step.columns;
          this.factories.push(({ num }) => (_row, r) => {
            for (let k = 0; k < slots.length; k++) if (num[slots[k]!] !== num[slots[k]!]) throw refuseMissing(r, columns[k]!);
          });
        }
        return;
      }
    }
  }

  /**
   * Freezes the plan. `output` names the features in matrix order (default: every feature in
   * the order the steps made them); null compiles a plan without output, used while fitting.
   */
  finalize(output: readonly string[] | undefined | null): CompiledPlan {
    const featureNames = output === null ? [] : [...(output ?? this.emitted)];
    if (output !== null && featureNames.length === 0) throw new InvalidParameterError('The pipeline produces no features; add a step.', 'output');
    const outSlots = Int32Array.from(featureNames, (f) => {
      const b = this.bindings.get(f);
      if (b === undefined) {
        throw new InvalidParameterError(`Output feature '${f}' is not produced by any step; list the column in a passthrough step.`, 'output');
      }
      if (b.kind !== 'num') {
        throw new InvalidParameterError(`Output feature '${f}' holds categories, not numbers; encode it with a one_hot or ordinal step.`, 'output');
      }
      return b.slot;
    });
    const scratch: Scratch = { num: new Float64Array(this.numSlots), cat: new Array<CategoryValue | undefined>(this.catSlots).fill(undefined) };
    const ops = this.factories.map((f) => f(scratch));
    return new CompiledPlan(ops, scratch, outSlots, Object.freeze(featureNames), Object.freeze([...this.inputColumns]));
  }
}

/** A builder with the given fitted steps added. */
export function buildSteps(steps: readonly FittedStep[]): PlanBuilder {
  const builder = new PlanBuilder();
  steps.forEach((s, i) => builder.addStep(s, i));
  return builder;
}

export class CompiledPlan {
  constructor(
    private readonly ops: readonly Op[],
    readonly scratch: Scratch,
    private readonly outSlots: Int32Array,
    readonly featureNames: readonly string[],
    readonly inputColumns: readonly string[],
  ) {}

  /** Runs every step on one row, leaving the values in the scratch slots. */
  run(row: Row, r: number): void {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new PreprocessingInputError(`Row ${r} is not an object of column values (got ${describe(row)}).`, '', r);
    }
    const ops = this.ops;
    for (let i = 0; i < ops.length; i++) ops[i]!(row, r);
  }

  /** Copies the output features of the last row run into `out` at `offset` (cast to float32). */
  write(out: Float32Array, offset: number): void {
    const num = this.scratch.num;
    const slots = this.outSlots;
    for (let j = 0; j < slots.length; j++) out[offset + j] = num[slots[j]!]!;
  }
}
