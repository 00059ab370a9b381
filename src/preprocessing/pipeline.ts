import { InvalidParameterError } from '../errors/index.js';
import { buildSteps, type CompiledPlan } from './plan.js';
import { parseFittedPipeline } from './spec.js';
import type { FittedPipelineJSON, Row } from './types.js';

/** The encoded rows: row-major N × F float32, and the name of each of the F columns. */
export interface TransformResult {
  readonly matrix: Float32Array;
  readonly featureNames: readonly string[];
}

/**
 * A pipeline with fitted values, ready to encode rows. Loading compiles it once; `transform`
 * then only runs the compiled steps. Not reentrant across threads, but JavaScript calls it
 * from one thread at a time and every method finishes synchronously.
 */
export class FittedPipeline {
  readonly featureNames: readonly string[];
  /** Raw columns the pipeline reads from each row, in first-use order. */
  readonly inputColumns: readonly string[];
  private readonly json: FittedPipelineJSON;
  private readonly plan: CompiledPlan;

  private constructor(json: FittedPipelineJSON) {
    this.json = json;
    this.plan = buildSteps(json.steps).finalize(json.output);
    this.featureNames = this.plan.featureNames;
    this.inputColumns = this.plan.inputColumns;
  }

  /** Loads the JSON written by `toJSON` (e.g. the `preprocessing` field of a bundle manifest). */
  static fromJSON(value: unknown): FittedPipeline {
    return new FittedPipeline(parseFittedPipeline(value));
  }

  get numFeatures(): number {
    return this.featureNames.length;
  }

  /** A deep copy of the fitted pipeline as plain JSON. */
  toJSON(): FittedPipelineJSON {
    return structuredClone(this.json);
  }

  transform(rows: readonly Row[]): TransformResult {
    const matrix = new Float32Array(rows.length * this.featureNames.length);
    this.transformInto(rows, matrix, 0);
    return { matrix, featureNames: this.featureNames };
  }

  /** Encodes one row; `rowIndex` is the index errors report. */
  transformRow(row: Row, rowIndex = 0): Float32Array {
    const out = new Float32Array(this.featureNames.length);
    this.transformRowInto(row, out, 0, rowIndex);
    return out;
  }

  /** Writes rows.length × F values into `out` from `offset`, e.g. into a shared batch buffer. */
  transformInto(rows: readonly Row[], out: Float32Array, offset = 0): void {
    const f = this.featureNames.length;
    this.checkRoom(out, offset, rows.length * f);
    const plan = this.plan;
    for (let r = 0; r < rows.length; r++) {
      plan.run(rows[r]!, r);
      plan.write(out, offset + r * f);
    }
  }

  /** Writes one row's F values into `out` at `offset`. */
  transformRowInto(row: Row, out: Float32Array, offset = 0, rowIndex = 0): void {
    this.checkRoom(out, offset, this.featureNames.length);
    this.plan.run(row, rowIndex);
    this.plan.write(out, offset);
  }

  /** Runs every step on the rows without keeping the output: throws the first bad value. */
  check(rows: Iterable<Row>): void {
    let r = 0;
    for (const row of rows) this.plan.run(row, r++);
  }

  private checkRoom(out: Float32Array, offset: number, needed: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + needed > out.length) {
      throw new InvalidParameterError(`Output buffer too small: ${needed} values from offset ${offset} do not fit in ${out.length}.`, 'out');
    }
  }
}
